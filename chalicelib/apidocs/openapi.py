"""Builds the OpenAPI 3.1 document from the route table, so the docs can never drift from the code."""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from chalicelib.http.routes import RouteSpec, route_table
from chalicelib.http.schema import ERROR, id_of, integer, obj, string
from chalicelib.integrations.domain import API_VERSION, EVENT_TYPES, SEND_TIMEOUT_SECONDS
from chalicelib.tenancy.domain.api_keys import SCOPE_HELP

Doc = dict[str, Any]

SECURITY_SCHEME = "apiKey"
SCOPES: dict[str, str] = dict(SCOPE_HELP)
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
_HEADER_TEXT = {
    "X-Request-Id": "this request's id; quote it to support",
    "Retry-After": "seconds until the window resets",
    "RateLimit-Limit": "requests allowed in the window",
    "RateLimit-Remaining": "requests left in the window",
    "RateLimit-Reset": "seconds until the window resets",
    "RateLimit-Policy": "the limit as `<requests>;w=<window seconds>`",
    "Idempotent-Replayed": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
}
# (status, component name, description): which error answers a route can give depends on how it is declared.
_ERRORS = {
    400: ("BadRequest", "the request is malformed or a field is invalid; `param` names the field"),
    401: ("Unauthenticated", "the `Authorization: Bearer <API key>` header is missing, unknown or revoked"),
    402: ("PaymentFailed", "the payment provider declined"),
    403: ("Forbidden", "the API key lacks the scope this route needs (`missing_scope`)"),
    404: ("NotFound", "no such object, or it belongs to another tenant (the answers are identical)"),
    405: ("MethodNotAllowed", "this path does not take that method; see the `Allow` header"),
    409: ("Conflict", "a conflict with the current state, or the Idempotency-Key was used with another body"),
    413: ("PayloadTooLarge", "the request body is too large"),
    429: ("RateLimited", "too many requests; retry after `Retry-After` seconds"),
    503: ("Unavailable", "a dependency failed; the request is safe to retry"),
}
# What each event type in the domain's catalogue means to an integrator (a unit test keeps the two in step).
EVENT_HELP: dict[str, str] = {
    "order.created": "a buyer started a checkout; keys are reserved",
    "order.paid": "the payment succeeded",
    "order.delivered": "the keys were delivered to the buyer",
    "order.refunded": "the order was refunded",
    "order.failed": "the order failed (payment mismatch, no stock left at payment)",
    "stock.low": "a product's available keys fell below its alert threshold",
    "stock.out": "a product has no available keys left",
    "key.redeemed": "a partner redeemed a card key",
    "key.reported": "a buyer reported a card key as not working",
    "report.ready": "a daily, weekly or monthly report of the shop is ready (once per period)",
}
EVENT = obj({
    "id": id_of("evt", "the event id; the same in every endpoint's copy of this event"),
    "type": string(enum=EVENT_TYPES),
    "api_version": string(f"the payload version (now `{API_VERSION}`)"),
    "created_at": integer("Unix time, seconds", minimum=0),
    "tenant_id": id_of("ten"),
    "data": {"type": "object", "description": "the object the event is about (an order, a product's stock, a key)"},
}, title="Event")
WEBHOOK_HEADERS = {
    "webhook-id": "this message's id (one per event and endpoint); the same on every retry: drop duplicates by it",
    "webhook-timestamp": "Unix seconds when this attempt was signed; reject if more than 5 minutes away",
    "webhook-signature": "space-separated `v1,<base64 HMAC-SHA256>` entries (two while a secret is rotated)",
}
_ID_RE = re.compile(r"[^A-Za-z0-9_]+")


def document(base_url: str = "") -> Doc:
    """The whole document; `base_url` (the caller's own address) becomes the only server."""
    doc = copy.deepcopy(_cached())
    doc["servers"] = [{"url": base_url or "/", "description": "this deployment"}]
    return doc


@lru_cache(maxsize=1)
def _cached() -> Doc:
    return build(route_table())


def build(routes: list[RouteSpec]) -> Doc:
    specs = [r for r in routes if r.in_openapi]
    paths: dict[str, dict[str, Any]] = {}
    seen_ids: set[str] = set()
    for spec in specs:
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation(spec, seen_ids)
    tags = sorted({s.tag for s in specs})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "kamidrop API",
            "version": "v1",
            "summary": "Sell digital card keys: products, encrypted key pools, checkout, orders and webhooks.",
            "description": "Generated from the route table in the code. Human-readable version: `/docs`.",
        },
        "tags": [{"name": t} for t in tags],
        "paths": dict(sorted(paths.items())),
        "webhooks": {"event": _webhook()},
        "components": {
            "securitySchemes": {SECURITY_SCHEME: {
                "type": "http", "scheme": "bearer",
                "description": "An API key: `Authorization: Bearer <key>`. Each key carries scopes: "
                               + "; ".join(f"`{k}` {v}" for k, v in SCOPES.items()) + ".",
            }},
            "schemas": {"Error": ERROR, "Event": EVENT},
            "headers": {name: {"description": text, "schema": {"type": "string"}}
                        for name, text in _HEADER_TEXT.items()},
            "responses": {name: _error_response(status, text) for status, (name, text) in _ERRORS.items()},
        },
    }


def operation(spec: RouteSpec, seen_ids: set[str]) -> Doc:
    op: Doc = {
        "operationId": _operation_id(spec, seen_ids),
        "summary": spec.summary,
        "tags": [spec.tag],
        "description": _description(spec),
        "security": [{SECURITY_SCHEME: [spec.scope]}] if spec.auth == "api_key" else [],
        "x-auth": spec.auth,
    }
    if spec.scope:
        op["x-required-scope"] = spec.scope
    if spec.rate:
        op["x-rate-limit"] = spec.rate
    parameters = _parameters(spec)
    if parameters:
        op["parameters"] = parameters
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {
            ct: {"schema": spec.body if ct == "application/json" else {"type": "string"}}
            for ct in spec.content_types}}
    op["responses"] = _responses(spec)
    return op


def _operation_id(spec: RouteSpec, seen_ids: set[str]) -> str:
    op_id = spec.name
    if op_id in seen_ids:
        op_id = _ID_RE.sub("_", f"{spec.method} {spec.path}").strip("_").lower()
    seen_ids.add(op_id)
    return op_id


def _description(spec: RouteSpec) -> str:
    lines = [spec.description] if spec.description else []
    if spec.auth == "api_key":
        lines.append(f"Authentication: an API key with the `{spec.scope}` scope.")
    elif spec.auth == "shop":
        lines.append("Public: no API key; the shop is the `{slug}` in the path.")
    elif spec.auth == "stripe":
        lines.append("Called by Stripe; the `Stripe-Signature` header is verified.")
    else:
        lines.append("Public: no API key.")
    if spec.idempotent:
        lines.append("Idempotent with an `Idempotency-Key` header (24 h).")
    if spec.rate:
        lines.append("Rate-limited per API key by plan." if spec.rate == "api_key"
                     else f"Rate-limited per client IP (policy `{spec.rate}`).")
    return "\n\n".join(lines)


def _parameters(spec: RouteSpec) -> list[Doc]:
    params: list[Doc] = [{"name": name, "in": "path", "required": True,
                          "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
                         for name in spec.path_params]
    params += [{"name": q.name, "in": "query", "required": q.required, "schema": q.schema,
                **({"description": q.description} if q.description else {})} for q in spec.query]
    if spec.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Any unique string (a UUID): a retry with the same key and body returns "
                                      "the first answer; the same key with another body is 409.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255}})
    return params


def _headers(spec: RouteSpec, *extra: str) -> Doc:
    names = ["X-Request-Id", *(RATE_HEADERS if spec.rate else ()), *extra]
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _success(spec: RouteSpec) -> Doc:
    extra = ("Idempotent-Replayed",) if spec.idempotent else ()
    out: Doc = {"description": spec.summary, "headers": _headers(spec, *extra)}
    if spec.status == 204:
        return out
    out["content"] = {}
    for media_type in media_types(spec):  # e.g. "application/json,text/html": chosen by the Accept header
        if media_type == "application/json":
            out["content"][media_type] = {"schema": spec.response} if spec.response is not None else {}
        else:
            only = spec.response if spec.response is not None and "application/json" not in spec.produces else None
            out["content"][media_type] = {"schema": only or {"type": "string"}}
    return out


def media_types(spec: RouteSpec) -> list[str]:
    return [m.strip() for m in spec.produces.split(",") if m.strip()]


def error_statuses(spec: RouteSpec) -> list[int]:
    """The error statuses a route can answer with, from how it is declared."""
    statuses = {400, 404, 503, *spec.extra_statuses}
    if spec.auth == "api_key":
        statuses.add(401)
    if spec.scope:
        statuses.add(403)
    if spec.idempotent:
        statuses.add(409)
    if spec.body is not None or spec.idempotent:
        statuses.add(413)
    if spec.rate:
        statuses.add(429)
    return sorted(s for s in statuses if s != spec.status)


def _responses(spec: RouteSpec) -> Doc:
    out: Doc = {str(spec.status): _success(spec)}
    for status in error_statuses(spec):
        if status in _ERRORS:
            out[str(status)] = {"$ref": f"#/components/responses/{_ERRORS[status][0]}"}
        else:  # a route-specific status (declared in extra_statuses) still answers the error object
            out[str(status)] = _error_response(status, "see the error code")
    return out


def _webhook() -> Doc:
    return {"post": {
        "summary": "An event we send to your webhook endpoint",
        "description": f"Signed per Standard Webhooks (see /docs#webhooks). Answer 2xx within "
                       f"{SEND_TIMEOUT_SECONDS:g} s; anything else is retried with backoff for about three days; "
                       "410 Gone disables the endpoint.",
        "operationId": "webhook_event",
        "parameters": [{"name": name, "in": "header", "required": True, "description": text,
                        "schema": {"type": "string"}} for name, text in WEBHOOK_HEADERS.items()],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Event"}}}},
        "responses": {"200": {"description": "any 2xx acknowledges the event"}},
    }}


def _error_response(status: int, text: str) -> Doc:
    headers: Doc = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if status == 429:
        headers.update({name: {"$ref": f"#/components/headers/{name}"} for name in ("Retry-After", *RATE_HEADERS)})
    return {"description": text, "headers": headers,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
