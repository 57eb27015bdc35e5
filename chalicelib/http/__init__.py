"""The HTTP layer every capability's routes use: route table, dispatch, parsing, error mapping, pages, OpenAPI."""
