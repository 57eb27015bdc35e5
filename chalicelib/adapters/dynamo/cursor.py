"""Opaque list cursors: the last sort key seen, base64url-encoded; the partition comes from the tenant."""

from __future__ import annotations

import base64
import json

from chalicelib.kernel.errors import InvalidRequest


def encode(last_key: dict[str, object] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, *, expect: tuple[str, ...]) -> dict[str, object] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("cursor is not one this API returned", param="cursor") from exc
    if (not isinstance(data, dict) or set(data) != set(expect)
            or not all(isinstance(v, str) and 0 < len(v) <= 300 for v in data.values())):
        raise InvalidRequest("cursor is not one this API returned", param="cursor")
    return data
