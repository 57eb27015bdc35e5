"""Request parsing shared by the blueprints: JSON bodies, list parameters, size limits."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Request

from chalicelib.kernel.errors import InvalidRequest, PayloadTooLarge

MAX_JSON_BYTES = 1_000_000
MAX_IMPORT_BYTES = 6_000_000  # API Gateway and Lambda cap request bodies near here anyway


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
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("the request body is not valid JSON") from exc


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
