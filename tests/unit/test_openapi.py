"""The OpenAPI document is built from the route table: every route is in it, and it is valid OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

import pytest
from chalice import Blueprint
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from app import app
from chalicelib.apidocs import openapi
from chalicelib.http.routes import ROUTES, QueryParam, RouteSpec, endpoint
from chalicelib.http.schema import integer, obj, string

FALLBACK_VIEWS = ("method_not_allowed_", "route_not_found_")


def served_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of every route the app serves, minus the 404/405 catch-alls."""
    out = set()
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if not entry.view_name.startswith(FALLBACK_VIEWS):
                out.add((method, path))
    return out


def spec(**overrides: Any) -> RouteSpec:
    base: dict[str, Any] = dict(method="GET", path="/v1/things/{thing_id}", name="get_thing", summary="Get a thing",
                                tag="Things", auth="api_key", scope="read", status=200, body=None,
                                response=obj({"id": string()}), query=(), content_types=("application/json",),
                                produces="application/json", rate="api_key", idempotent=False, in_openapi=True)
    base.update(overrides)
    return RouteSpec(**base)


def all_schemas(node: Any) -> list[dict[str, Any]]:
    """Every `schema` object anywhere in the document."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                found.append(value)
            found += all_schemas(value)
    elif isinstance(node, list):
        for value in node:
            found += all_schemas(value)
    return found


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi.document("http://127.0.0.1:8000")


def test_every_served_route_is_documented_or_explicitly_excluded(doc: dict[str, Any]) -> None:
    # given every route the app serves and the routes declared out of the document
    excluded = {(r.method, r.path) for r in ROUTES if not r.in_openapi}
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    # then each served route is in exactly one of the two, and nothing is documented that is not served
    assert served_routes() - excluded - documented == set(), "routes missing from the route table (use endpoint())"
    assert documented - served_routes() == set()
    assert documented & excluded == set()


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    # when the document is checked by an OpenAPI 3.1 validator
    validate_openapi(doc)
    # then it also declares 3.1 and every embedded schema is a valid JSON Schema 2020-12
    assert doc["openapi"] == "3.1.0"
    for schema in all_schemas(doc):
        Draft202012Validator.check_schema(schema)


def test_operation_ids_are_unique_and_every_error_uses_the_error_object(doc: dict[str, Any]) -> None:
    ops = [op for methods in doc["paths"].values() for op in methods.values()]
    ids = [op["operationId"] for op in ops]
    assert len(ids) == len(set(ids))
    for op in ops:
        for status, response in op["responses"].items():
            if not status.startswith("2"):
                resolved = openapi_resolve(doc, response)
                assert resolved["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_every_json_route_declares_its_response_schema(doc: dict[str, Any]) -> None:
    # schemathesis can only check what is declared: a JSON answer without a schema is unchecked
    missing = [f"{r.method} {r.path}" for r in ROUTES
               if r.in_openapi and r.produces == "application/json" and r.response is None and r.status != 204]
    assert missing == []


def test_servers_is_the_callers_base_url() -> None:
    assert openapi.document("https://api.example.com")["servers"] == [
        {"url": "https://api.example.com", "description": "this deployment"}]
    assert openapi.document("")["servers"][0]["url"] == "/"


def test_an_api_key_route_documents_scope_auth_and_its_errors() -> None:
    # given a scoped, rate-limited GET with a query parameter
    route = spec(query=(QueryParam("limit", integer(minimum=1, maximum=100), "page size"),))
    # when it is documented
    op = openapi.build([route])["paths"]["/v1/things/{thing_id}"]["get"]
    # then the scope is in security, the extension and the description, and every error it can give is listed
    assert op["security"] == [{"apiKey": ["read"]}]
    assert op["x-required-scope"] == "read"
    assert "`read` scope" in op["description"]
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
        ("thing_id", "path", True), ("limit", "query", False)]
    assert sorted(op["responses"]) == ["200", "400", "401", "403", "404", "429", "503"]
    assert sorted(op["responses"]["200"]["headers"]) == [
        "RateLimit-Limit", "RateLimit-Policy", "RateLimit-Remaining", "RateLimit-Reset", "X-Request-Id"]
    assert op["responses"]["200"]["content"] == {"application/json": {"schema": {
        "type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}


def test_the_429_answer_documents_retry_after_and_rate_limit_headers() -> None:
    components = openapi.build([spec()])["components"]
    assert sorted(components["responses"]["RateLimited"]["headers"]) == [
        "RateLimit-Limit", "RateLimit-Policy", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After",
        "X-Request-Id"]


def test_an_idempotent_post_documents_the_key_header_409_413_and_both_body_types() -> None:
    route = spec(method="POST", status=201, body=obj({"name": string()}), idempotent=True,
                 content_types=("application/json", "text/plain"), scope="catalog_write")
    op = openapi.build([route])["paths"]["/v1/things/{thing_id}"]["post"]
    assert op["parameters"][-1] == {
        "name": "Idempotency-Key", "in": "header", "required": False,
        "description": "Any unique string (a UUID): a retry with the same key and body returns the first answer; "
                       "the same key with another body is 409.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
    assert op["requestBody"] == {"required": True, "content": {
        "application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}},
                                        "required": ["name"]}},
        "text/plain": {"schema": {"type": "string"}}}}
    assert sorted(op["responses"]) == ["201", "400", "401", "403", "404", "409", "413", "429", "503"]
    assert "Idempotent-Replayed" in op["responses"]["201"]["headers"]


def test_public_html_route_has_no_security_and_is_documented_as_html() -> None:
    route = spec(path="/s/{slug}", auth="shop", scope=None, rate="public", produces="text/html", response=None)
    op = openapi.build([route])["paths"]["/s/{slug}"]["get"]
    assert op["security"] == []
    assert "x-required-scope" not in op
    assert op["responses"]["200"]["content"] == {"text/html": {"schema": {"type": "string"}}}
    assert sorted(op["responses"]) == ["200", "400", "404", "429", "503"]


def test_routes_out_of_openapi_are_skipped_and_duplicate_names_get_distinct_ids() -> None:
    doc = openapi.build([spec(), spec(path="/v1/other/{thing_id}"), spec(path="/hidden", in_openapi=False)])
    assert sorted(doc["paths"]) == ["/v1/other/{thing_id}", "/v1/things/{thing_id}"]
    assert {doc["paths"][p]["get"]["operationId"] for p in doc["paths"]} == {
        "get_thing", "get_v1_other_thing_id"}


def test_extra_statuses_are_documented_with_the_error_object() -> None:
    op = openapi.build([spec(extra_statuses=(402,))])["paths"]["/v1/things/{thing_id}"]["get"]
    assert op["responses"]["402"] == {"$ref": "#/components/responses/PaymentFailed"}


def test_endpoint_declarations_reach_the_document() -> None:
    # given a route declared with endpoint() on a throwaway blueprint
    bp = Blueprint("openapi_probe")
    before = list(ROUTES)
    try:
        @endpoint(bp, "DELETE", "/v1/probes/{probe_id}", summary="Delete a probe", tag="Probes",
                  scope="catalog_write", status=204)
        def delete_probe(call: Any, probe_id: str) -> None:
            return None

        # when the document is built from the table
        op = openapi.build(ROUTES)["paths"]["/v1/probes/{probe_id}"]["delete"]
    finally:
        ROUTES[:] = before
    # then it is there, with no body on the 204
    assert op["operationId"] == "delete_probe"
    assert op["responses"]["204"] == {"description": "Delete a probe",
                                      "headers": {h: {"$ref": f"#/components/headers/{h}"} for h in (
                                          "X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining",
                                          "RateLimit-Reset", "RateLimit-Policy")}}


def openapi_resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.apidocs.docs_page import resolve

    return resolve(doc, node)


def test_every_event_type_of_the_catalogue_is_explained() -> None:
    from chalicelib.integrations.domain import EVENT_TYPES

    assert sorted(openapi.EVENT_HELP) == sorted(EVENT_TYPES)


def test_a_route_answering_json_or_html_documents_both() -> None:
    route = spec(path="/s/{slug}/orders/{order_id}", auth="shop", scope=None, rate="order_lookup",
                 produces="application/json,text/html")
    op = openapi.build([route])["paths"]["/s/{slug}/orders/{order_id}"]["get"]
    assert op["responses"]["200"]["content"] == {
        "application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}},
                                        "required": ["id"]}},
        "text/html": {"schema": {"type": "string"}}}
