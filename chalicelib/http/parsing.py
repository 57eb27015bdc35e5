"""Request parsing shared by the blueprints: JSON bodies, list parameters, size limits."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Request

from chalicelib.kernel.errors import InvalidRequest, PayloadTooLarge

MAX_JSON_BYTES = 1_000_000
MAX_IMPORT_BYTES = 6_000_000  # API Gateway and Lambda cap request bodies near here anyway
MAX_JSON_DEPTH = 64  # arrays and objects inside each other; no request of this API comes near
_TOO_DEEP = (f"the request body is nested more than {MAX_JSON_DEPTH} levels deep; "
             "send a flatter JSON document")


def raw_body(request: Request, *, limit: int = MAX_JSON_BYTES) -> bytes:
    raw = request.raw_body or b""
    body = raw.encode() if isinstance(raw, str) else raw
    if len(body) > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
    return body


def json_body(request: Request, *, limit: int = MAX_JSON_BYTES) -> Any:
    body = raw_body(request, limit=limit)
    if not body:
        raise InvalidRequest("the request body must be a JSON object")
    try:
        parsed = json.loads(body)
    except RecursionError as exc:  # the decoder recurses per level: far past the limit, so say that
        raise InvalidRequest(_TOO_DEEP, code="too_deep") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("the request body is not valid JSON") from exc
    # Fewer brackets than the limit cannot nest past it (the common case costs one pass in C); else measure.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and depth_of(parsed) > MAX_JSON_DEPTH:
        raise InvalidRequest(_TOO_DEEP, code="too_deep")
    return parsed


def depth_of(value: Any) -> int:
    """How many arrays and objects sit inside each other in a parsed JSON value; walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def list_params(request: Request) -> tuple[int, str | None]:
    query: dict[str, str] = dict(request.query_params or {})
    raw_limit = query.get("limit", "20")
    try:
        limit = int(raw_limit)
    except ValueError as exc:
        raise InvalidRequest("limit must be a whole number from 1 to 100", param="limit") from exc
    if not 1 <= limit <= 100:
        raise InvalidRequest("limit must be a whole number from 1 to 100", param="limit")
    cursor = query.get("cursor") or None
    if cursor is not None and len(cursor) > 500:
        raise InvalidRequest("cursor is not one this API returned", param="cursor")
    return limit, cursor


def header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return str(value) if value is not None else None


MAX_VERSION = 10**15


def if_match_version(value: str | None) -> int | None:
    """The version an `If-Match` header names (`3` or the ETag form `"3"`), or None without the header."""
    if value is None:
        return None
    raw = value.strip()
    raw = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_VERSION):
        raise InvalidRequest('If-Match must be the version you read, a whole number from 1 (e.g. If-Match: 3 or "3")',
                             param="If-Match")
    return int(raw)


MAX_FORM_BYTES = 64_000
FORM_TYPE = "application/x-www-form-urlencoded"


def form_body(request: Request, *, limit: int = MAX_FORM_BYTES) -> dict[str, str]:
    """An HTML form's fields (the last value of a repeated name); an unreadable body is a 400."""
    from urllib.parse import parse_qsl

    raw = raw_body(request, limit=limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the form is not valid UTF-8") from exc
    try:
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=50))
    except ValueError as exc:  # more fields than any console form has
        raise InvalidRequest("the form has too many fields") from exc
