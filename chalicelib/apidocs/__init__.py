"""The API's own description: the OpenAPI 3.1 document and the /docs page, generated from the route table."""
