"""A delivered order's keys as one sealed bundle: the order page and the e-mail decrypt once, not once per key.

The plaintext is a JSON list of `[ref, key]` pairs, in the order's key order; the cipher seals it under the tenant's
key with its own purpose and binds it to the order id (authenticated with it), so a bundle opens for no other order.
A ref missing from the bundle (a bundle written before a replacement that could not extend it) is read the
slow way, key by key: the bundle is a faster path to the same keys, never a second source of truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ...inventory.domain.models import KeyRef

MAX_BUNDLE_KEYS = 500  # an order holds at most 50 keys plus replacements; anything past this is not ours



def pack(entries: Iterable[tuple[KeyRef, str]]) -> bytes:
    return json.dumps([[ref.encode(), key] for ref, key in entries], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def unpack(plaintext: bytes) -> dict[KeyRef, str]:
    """The bundle's keys by where they live; a malformed bundle is empty (the slow path then serves)."""
    try:
        raw = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(raw, list) or len(raw) > MAX_BUNDLE_KEYS:
        return {}
    out: dict[KeyRef, str] = {}
    for entry in raw:
        if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], str)):
            try:
                out[KeyRef.decode(entry[0])] = entry[1]
            except ValueError:
                continue
    return out


def extended(entries: Mapping[KeyRef, str], ref: KeyRef, key: str) -> list[tuple[KeyRef, str]]:
    """The bundle after a replacement: the same keys, and the new one at the end (the order's key order)."""
    return [*((r, k) for r, k in entries.items() if r != ref), (ref, key)]
