"""Turns the OpenAPI document into what the /docs template shows: operations by tag, schemas as field tables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from chalicelib.apidocs.openapi import EVENT, EVENT_HELP, SCOPES, WEBHOOK_HEADERS
from chalicelib.integrations.domain import EVENT_TYPES, SEND_TIMEOUT_SECONDS

SNIPPETS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web", "snippets")
MAX_DEPTH = 6  # deeper nesting is summarised as "object"; no route nests that far today
_CONSTRAINTS = (("minLength", "min length {}"), ("maxLength", "max length {}"), ("minimum", "≥ {}"),
                ("maximum", "≤ {}"), ("minItems", "at least {} items"), ("maxItems", "at most {} items"),
                ("pattern", "pattern {}"), ("format", "format {}"))


@dataclass(frozen=True)
class Row:
    name: str
    depth: int
    type: str
    required: bool
    notes: str


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    auth: str
    scope: str | None
    parameters: list[dict[str, Any]]
    bodies: list[tuple[str, list[Row], bool]]  # content type, fields, whether other fields are refused
    status: str
    produces: str
    json: bool
    response: list[Row]
    errors: list[tuple[str, str]]


@dataclass
class Section:
    tag: str
    anchor: str
    operations: list[Operation] = field(default_factory=list)


def sections(doc: dict[str, Any]) -> list[Section]:
    by_tag: dict[str, Section] = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            tag = op["tags"][0]
            section = by_tag.setdefault(tag, Section(tag=tag, anchor=_anchor("tag", tag)))
            section.operations.append(_operation(doc, path, method, op))
    return [by_tag[t["name"]] for t in doc["tags"] if t["name"] in by_tag]


def _operation(doc: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> Operation:
    status, success = next((s, r) for s, r in op["responses"].items() if s.startswith("2"))
    content = success.get("content") or {}
    media = content.get("application/json")
    params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
               "type": type_text(p["schema"]), "notes": _notes(p["schema"], p.get("description", ""))}
              for p in op.get("parameters", [])]
    bodies = [(ct, rows(doc, media_type.get("schema", {})),
               resolve(doc, media_type.get("schema", {})).get("additionalProperties") is False)
              for ct, media_type in op.get("requestBody", {}).get("content", {}).items()]
    errors = [(s, resolve(doc, r)["description"]) for s, r in op["responses"].items() if not s.startswith("2")]
    return Operation(method=method.upper(), path=path, anchor=op["operationId"], summary=op["summary"],
                     description=op.get("description", ""), auth=op.get("x-auth", ""),
                     scope=op.get("x-required-scope"), parameters=params, bodies=bodies, status=status,
                     produces=", ".join(content), json=media is not None,
                     response=rows(doc, media.get("schema", {})) if media is not None else [], errors=errors)


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follows local `$ref`s (`#/components/...`)."""
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def rows(doc: dict[str, Any], schema: dict[str, Any], name: str = "", depth: int = 0,
         required: bool = True) -> list[Row]:
    """A schema as a flat field table: one row per property, nested objects indented under their parent."""
    schema = resolve(doc, schema)
    out: list[Row] = []
    if name:
        out.append(Row(name=name, depth=depth, type=type_text(schema), required=required,
                       notes=_notes(schema, schema.get("description", ""))))
        depth += 1
    if depth > MAX_DEPTH:
        return out
    props = schema.get("properties")
    if props:
        needed = set(schema.get("required", []))
        for prop, sub in props.items():
            out += rows(doc, sub, prop, depth, prop in needed)
    elif schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        items = resolve(doc, schema["items"])  # an array of objects lists the items' fields under it
        needed = set(items.get("required", []))
        for prop, sub in (items.get("properties") or {}).items():
            out += rows(doc, sub, prop, depth, prop in needed)
    elif not name and schema:
        out.append(Row(name="(body)", depth=0, type=type_text(schema), required=True,
                       notes=_notes(schema, schema.get("description", ""))))
    return out


def type_text(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for k in kinds:
        if k == "array" and isinstance(schema.get("items"), dict):
            items = schema["items"]
            inner = items.get("title") or type_text(items)
            words.append(f"array of {inner}")
        else:
            words.append(str(k))
    return " or ".join(words)


def _notes(schema: dict[str, Any], description: str) -> str:
    parts = [description] if description else []
    if "enum" in schema:
        parts.append("one of: " + ", ".join("null" if v is None else f"`{v}`" for v in schema["enum"]))
    if "const" in schema:
        parts.append(f"always `{schema['const']}`")
    parts += [text.format(schema[key]) for key, text in _CONSTRAINTS if key in schema]
    if schema.get("additionalProperties") is False:
        parts.append("no other fields")
    return "; ".join(parts)


def _anchor(prefix: str, text: str) -> str:
    return prefix + "-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@lru_cache(maxsize=4)
def snippet(name: str) -> str:
    with open(os.path.join(SNIPPETS, name), encoding="utf-8") as f:
        return f.read()


def webhook_guide() -> dict[str, Any]:
    return {"headers": WEBHOOK_HEADERS, "event_types": {t: EVENT_HELP.get(t, "") for t in EVENT_TYPES},
            "envelope": rows({}, EVENT), "timeout": f"{SEND_TIMEOUT_SECONDS:g}",
            "library_example": snippet("verify_with_library.py.txt"),
            "stdlib_example": snippet("verify_by_hand.py.txt")}


def scopes() -> dict[str, str]:
    return dict(SCOPES)


def inline_code(text: str) -> Any:
    """Escapes the text, then shows `backticked` parts as code: safe markup for the template."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))
