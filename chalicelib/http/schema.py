"""JSON Schema builders for the route table; OpenAPI 3.1 uses JSON Schema as it is."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def string(description: str = "", *, max_length: int | None = None, enum: tuple[str, ...] | None = None,
           fmt: str | None = None, nullable: bool = False, pattern: str | None = None,
           min_length: int | None = None) -> Schema:
    s: Schema = {"type": ["string", "null"] if nullable else "string"}
    if description:
        s["description"] = description
    if max_length is not None:
        s["maxLength"] = max_length
    if min_length is not None:
        s["minLength"] = min_length
    if enum is not None:
        s["enum"] = [*enum, None] if nullable else list(enum)
    if fmt is not None:
        s["format"] = fmt
    if pattern is not None:
        s["pattern"] = pattern
    return s


def integer(description: str = "", *, minimum: int | None = None, maximum: int | None = None,
            nullable: bool = False) -> Schema:
    s: Schema = {"type": ["integer", "null"] if nullable else "integer"}
    if description:
        s["description"] = description
    if minimum is not None:
        s["minimum"] = minimum
    if maximum is not None:
        s["maximum"] = maximum
    return s


def number(description: str = "", *, nullable: bool = False) -> Schema:
    s: Schema = {"type": ["number", "null"] if nullable else "number"}
    if description:
        s["description"] = description
    return s


def boolean(description: str = "") -> Schema:
    s: Schema = {"type": "boolean"}
    if description:
        s["description"] = description
    return s


def timestamp(description: str = "Unix time, seconds", *, nullable: bool = False) -> Schema:
    return integer(description, minimum=0, nullable=nullable)


def array(items: Schema, description: str = "", *, max_items: int | None = None,
          min_items: int | None = None) -> Schema:
    s: Schema = {"type": "array", "items": items}
    if description:
        s["description"] = description
    if max_items is not None:
        s["maxItems"] = max_items
    if min_items is not None:
        s["minItems"] = min_items
    return s


def obj(properties: dict[str, Schema], *, required: tuple[str, ...] | None = None, description: str = "",
        closed: bool = False, title: str | None = None) -> Schema:
    """An object; `required` defaults to every property (response objects always carry all their fields)."""
    s: Schema = {"type": "object", "properties": properties,
                 "required": list(properties) if required is None else list(required)}
    if description:
        s["description"] = description
    if closed:
        s["additionalProperties"] = False
    if title:
        s["title"] = title
    return s


def id_of(prefix: str, description: str = "") -> Schema:
    return string(description or f"an id starting with {prefix}_", max_length=64)


def money_amount(description: str = "amount in minor units (cents, fen)") -> Schema:
    return integer(description, minimum=0)


CURRENCY = string("lower-case ISO 4217 currency", pattern="^[a-z]{3}$")


def page_of(item: Schema) -> Schema:
    return obj({"object": string(enum=("list",)), "data": array(item),
                "has_more": boolean("true when another page follows"),
                "next_cursor": string("pass as ?cursor= for the next page", nullable=True)})


ERROR = obj({"error": obj({
    "type": string(enum=("invalid_request", "authentication", "permission", "not_found", "conflict",
                         "rate_limited", "payment", "api_error")),
    "code": string("stable, machine-readable"),
    "message": string("what went wrong and how to fix it"),
    "param": string("the field at fault"),
}, required=("type", "code", "message"))})

LIMIT_CURSOR = ("limit", "cursor")
