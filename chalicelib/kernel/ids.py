"""Opaque, sortable, prefixed identifiers and unguessable tokens."""

from __future__ import annotations

import hashlib
import secrets

from ulid import ULID

PREFIXES = {
    "tenant": "ten",
    "user": "usr",
    "api_key": "key",
    "product": "prd",
    "order": "ord",
    "batch": "bat",
    "event": "evt",
    "outbox": "obx",
    "request": "req",
    "webhook_endpoint": "whe",
    "webhook_message": "msg",
    "webhook_attempt": "wat",
    "redemption": "red",
    "activation": "act",
    "card_key": "ck",
    "customer": "cus",
    "report": "rpt",
    "key_access": "kac",
    "activity": "acv",
    "image": "img",
    "history_import": "imp",
}


def new_id(kind: str) -> str:
    """A ULID with the kind's prefix, e.g. `ord_01J...`: sortable by creation time."""
    return f"{PREFIXES[kind]}_{str(ULID()).lower()}"


def new_token(nbytes: int = 16) -> str:
    """An unguessable URL-safe token; 16 bytes = 128 bits."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token: enough for lookups, nothing to brute-force."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_prefix(value: str, kind: str) -> bool:
    return value.startswith(PREFIXES[kind] + "_") and 10 < len(value) < 64
