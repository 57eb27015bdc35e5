"""Field checks shared by services: each failure names the field and says what to send instead."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.kernel.errors import InvalidRequest

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset({"api", "admin", "www", "docs", "static", "console", "health", "stripe", "v1", "dev"})


@functools.cache
def _refused(allow: str) -> re.Pattern[str]:
    """C0 controls (but those in `allow`), DEL and C1 controls, bidi overrides (U+202A-202E) and isolates
    (U+2066-2069): not text, or text that shows something other than what it is."""
    c0 = "".join(f"\\x{code:02x}" for code in range(32) if chr(code) not in allow)
    return re.compile(f"[{c0}\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]")


def refused_character(value: str, *, allow: str = "") -> int | None:
    """Where the first character the one text rule refuses sits in `value` (0-based), or None.
    Human text, e-mail addresses, links and card keys all use it; `allow` keeps e.g. tabs and line breaks."""
    found = _refused(allow).search(value)
    return found.start() if found is not None else None


def _plain(value: str, field: str, *, single_line: bool) -> str:
    """The value with its edges trimmed, refused if a control or bidi character remains; a multi-line value
    keeps tabs and line breaks, with Windows and old Mac line ends made `\\n`."""
    value = value.strip(" \t\r\n")
    if not single_line:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    at = refused_character(value, allow="" if single_line else "\t\n")
    if at is not None:
        kinds = "control, line-break or bidirectional-override" if single_line else "control or bidirectional-override"
        raise InvalidRequest(f"{field} must not contain {kinds} characters (found U+{ord(value[at]):04X} at "
                             f"position {at + 1})", param=field)
    return value.strip()


def body_object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the request body must be a JSON object")
    return body


def text(body: Mapping[str, Any], field: str, *, min_len: int = 1, max_len: int = 200,
         required: bool = True, default: str = "", single_line: bool = False) -> str:
    """Human text: trimmed, no control or bidi-override characters; `single_line` (names, categories) also
    refuses tabs and line breaks, which multi-line text (descriptions, guides, notes) keeps."""
    value = body.get(field)
    if value is None:
        if required:
            raise InvalidRequest(f"{field} is required", param=field)
        return default
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be a string", param=field)
    value = _plain(value, field, single_line=single_line)
    if not min_len <= len(value) <= max_len:
        raise InvalidRequest(f"{field} must be {min_len} to {max_len} characters long", param=field)
    return value


def integer(body: Mapping[str, Any], field: str, *, low: int, high: int, default: int | None = None) -> int:
    value = body.get(field)
    if value is None and default is not None:
        return default
    if value is None:
        raise InvalidRequest(f"{field} is required", param=field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{field} must be a whole number", param=field)
    if not low <= value <= high:
        raise InvalidRequest(f"{field} must be between {low} and {high}", param=field)
    return value


def whole(value: object, field: str, low: int, high: int) -> int:
    """A whole number from `low` to `high` (a JSON `true` is not 1), or a 400 naming `field` and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequest(f"{field} must be a whole number from {low:,} to {high:,}", param=field)
    return value


def boolean(body: Mapping[str, Any], field: str) -> bool:
    value = body.get(field)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{field} must be true or false", param=field)
    return value


def email(value: Any, *, field: str = "email") -> str:
    if (not isinstance(value, str) or len(value) > 254 or not EMAIL_RE.fullmatch(value.strip())
            or refused_character(value.strip()) is not None):
        raise InvalidRequest(f"{field} must be a valid e-mail address", param=field)
    local, domain = value.strip().rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise InvalidRequest(
            "slug must be 3-40 characters of lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit", param="slug")
    if value in RESERVED_SLUGS:
        raise InvalidRequest(f"slug '{value}' is reserved; choose another", param="slug")
    return value


def unknown_fields(body: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise InvalidRequest(f"unknown field {extra[0]!r}; allowed: {', '.join(sorted(allowed))}", param=extra[0])


MAX_URL_LENGTH = 2048


def url(body: Mapping[str, Any], field: str, *, allow_http: bool) -> str:
    """An absolute web address buyers will open; empty or null clears it. http only where allowed (local)."""
    from urllib.parse import urlsplit

    value = body.get(field)
    if value is None or value == "":
        return ""
    schemes = ("https", "http") if allow_http else ("https",)
    hint = f"{field} must be an absolute {' or '.join(schemes)} URL of at most {MAX_URL_LENGTH} characters"
    if (not isinstance(value, str) or len(value) > MAX_URL_LENGTH or any(ch.isspace() for ch in value)
            or refused_character(value) is not None):
        raise InvalidRequest(hint, param=field)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise InvalidRequest(hint, param=field) from exc
    if parts.scheme.lower() not in schemes or not host:
        raise InvalidRequest(hint, param=field)
    if parts.username is not None or parts.password is not None:
        # Credentials in a link would be shown to every buyer.
        raise InvalidRequest(f"{field} must not contain a user name or password", param=field)
    return value


def optional_text(body: Mapping[str, Any], field: str, *, max_len: int, single_line: bool = False) -> str:
    """Free text that may be cleared with null or an empty string."""
    if body.get(field) is None:
        return ""
    return text(body, field, min_len=0, max_len=max_len, single_line=single_line)
