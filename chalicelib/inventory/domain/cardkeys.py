"""Parsing of key imports and the keyed fingerprint that finds duplicates without plaintext."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ...kernel.errors import InvalidRequest, PayloadTooLarge
from ...kernel.validation import refused_character

MAX_KEY_LENGTH = 1024
MAX_KEYS_PER_REQUEST = 10_000


@dataclass(frozen=True)
class ParsedLine:
    line: int
    value: str


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


def _check_value(value: str) -> str | None:
    """Why a trimmed key is unacceptable, or None."""
    if value == "":
        return "empty"
    if len(value) > MAX_KEY_LENGTH:
        return f"longer than {MAX_KEY_LENGTH} characters"
    if refused_character(value, allow="\t") is not None:  # the one text rule; a tab may separate parts
        return "contains control characters (not text)"
    return None


def parse_text(body: bytes) -> tuple[list[ParsedLine], list[Rejection]]:
    """One key per line; tolerates a UTF-8 BOM and Windows line endings; skips blank trailing lines."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the key file must be UTF-8 text", param="keys") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    return _collect((i + 1, raw) for i, raw in enumerate(lines))


def parse_list(values: object) -> tuple[list[ParsedLine], list[Rejection]]:
    """A JSON list of strings; non-strings are rejected by their (1-based) position."""
    if not isinstance(values, list):
        raise InvalidRequest("keys must be a list of strings", param="keys")
    return _collect((i + 1, v) for i, v in enumerate(values))


def _collect(items: object) -> tuple[list[ParsedLine], list[Rejection]]:
    accepted: list[ParsedLine] = []
    rejected: list[Rejection] = []
    count = 0
    for line, raw in items:  # type: ignore[attr-defined]
        count += 1
        if count > MAX_KEYS_PER_REQUEST:
            raise PayloadTooLarge(
                f"at most {MAX_KEYS_PER_REQUEST} keys per request; split the import into several requests",
                param="keys",
            )
        if not isinstance(raw, str):
            rejected.append(Rejection(line, "not text"))
            continue
        value = raw.strip()
        reason = _check_value(value)
        if reason:
            rejected.append(Rejection(line, reason))
        else:
            accepted.append(ParsedLine(line, value))
    if count == 0:
        raise InvalidRequest("no keys given: send a JSON list or one key per line", param="keys")
    return accepted, rejected


def fingerprint(secret: bytes, value: str) -> str:
    """HMAC-SHA256 of the key under the tenant's own fingerprint secret (hex, 64 chars)."""
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
