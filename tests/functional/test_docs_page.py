"""GET /v1/openapi.json and GET /docs: served from the route table, readable, self-contained, escaped."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from markupsafe import escape

from chalicelib.http.routes import ROUTES

SNIPPETS = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "snippets"


def get(client: Any, path: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(path, headers=headers or {})


def test_openapi_json_is_the_generated_document_with_the_callers_server(client: Any) -> None:
    # when an integrator fetches the document through the host it reached us at
    r = get(client, "/v1/openapi.json", {"Host": "127.0.0.1:8123"})
    # then it is OpenAPI 3.1 JSON listing every documented route, served at that address
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["X-Request-Id"]
    doc = json.loads(r.body)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "http://127.0.0.1:8123", "description": "this deployment"}]
    assert {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops} == {
        (r.method, r.path) for r in ROUTES if r.in_openapi}


def test_openapi_json_behind_api_gateway_uses_https_and_forwarded_proto(client: Any) -> None:
    r = get(client, "/v1/openapi.json", {"Host": "api.kamidrop.example", "X-Forwarded-Proto": "https"})
    assert json.loads(r.body)["servers"][0]["url"] == "https://api.kamidrop.example"


def test_a_forged_host_header_never_reaches_the_document(client: Any, settings: Any) -> None:
    # given a Host header that is not a plain host name
    r = get(client, "/v1/openapi.json", {"Host": 'evil.example/"><script>alert(1)</script>'})
    # then the configured public address is documented instead
    assert json.loads(r.body)["servers"][0]["url"] == settings.public_base_url
    page = get(client, "/docs", {"Host": 'evil.example/"><script>alert(1)</script>'}).body
    page = page.decode() if isinstance(page, bytes) else page
    assert "<script" not in page


def test_docs_page_is_self_contained_html_with_every_operation(client: Any) -> None:
    # when a person opens /docs
    r = get(client, "/docs")
    body = r.body.decode() if isinstance(r.body, bytes) else r.body
    # then it is HTML that loads nothing from elsewhere and runs no script
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<script" not in body
    assert re.findall(r'<(?:link|img)[^>]+(?:href|src)="https?://', body) == []
    # and every documented operation is there with its method, path and scope
    for route in ROUTES:
        if not route.in_openapi:
            continue
        assert f'<span class="method {route.method}">{route.method}</span> <span class="path">' \
               f"{html.escape(route.path)}</span>" in body, route.path
        if route.scope:
            assert f"API key, scope <code>{route.scope}</code>" in body


def test_docs_page_explains_the_conventions(client: Any) -> None:
    body = get(client, "/docs").body
    body = body.decode() if isinstance(body, bytes) else body
    for anchor in ("authentication", "errors", "idempotency", "pagination", "rate-limits", "request-ids",
                   "webhooks", "webhook-events", "webhook-verify"):
        assert f'id="{anchor}"' in body
    for phrase in ("Authorization: Bearer &lt;key&gt;", "missing_scope", "Idempotency-Key", "next_cursor",
                   "Retry-After", "RateLimit-Remaining", "X-Request-Id", "Idempotent-Replayed"):
        assert phrase in body, phrase


def test_docs_page_shows_schemas_as_field_tables(client: Any) -> None:
    body = get(client, "/docs").body
    body = body.decode() if isinstance(body, bytes) else body
    # given the product-create route as declared in the table
    route = next(r for r in ROUTES if (r.method, r.path) == ("POST", "/v1/products"))
    assert route.body is not None
    create = body[body.index(f'id="{route.name}"'):]
    create = create[:create.index("</section>")]
    # then each body field is a row, optional ones marked, and the closed object says so
    for prop in route.body["properties"]:
        row = f'<td class="name" style="padding-left:0.5rem">{prop}'
        optional = prop not in route.body["required"]
        assert (row + ' <span class="muted">optional</span></td>' in create) is optional, prop
        assert row + "</td>" in create or optional, prop
    assert "No other fields are accepted" in create
    assert f"max length {route.body['properties']['name']['maxLength']}" in create


def test_docs_page_carries_the_webhook_guide_with_the_tested_code(client: Any) -> None:
    body = get(client, "/docs").body
    body = body.decode() if isinstance(body, bytes) else body
    # the exact examples tests/functional/test_webhook_guide.py runs, escaped into the page
    for name in ("verify_with_library.py.txt", "verify_by_hand.py.txt"):
        assert f"<pre>{escape(SNIPPETS.joinpath(name).read_text(encoding='utf-8'))}</pre>" in body
    for phrase in ("webhook-id", "webhook-timestamp", "webhook-signature", "whsec_", "HMAC-SHA256",
                   "base64-decoded", "5 minutes", "Svix", "order.delivered", "key.reported", "stock.out"):
        assert phrase in body, phrase


def test_unknown_route_points_to_docs(client: Any) -> None:
    r = get(client, "/v1/no-such-thing")
    assert r.status_code == 404
    assert "/docs" in json.loads(r.body)["error"]["message"]
