"""The list envelope of the public contract: data, has_more, next_cursor."""

from __future__ import annotations

from typing import Any


def page(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"object": "list", "data": items, "has_more": next_cursor is not None, "next_cursor": next_cursor}
