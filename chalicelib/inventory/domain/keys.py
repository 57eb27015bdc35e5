"""Inventory: key batches, keys as the merchant sees them (masked), voids, and the key-access record."""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ...kernel.errors import NotFound
from ...kernel.ports import Page
from .models import KeyRef, StockLevel
from .ports import KeyPool

AVAILABLE, RESERVED, SOLD, VOID = "available", "reserved", "sold", "void"
REPORTED = "reported"  # sold, then reported by the buyer through after-sales: never sold again
KEY_STATUSES = (AVAILABLE, RESERVED, SOLD, VOID, REPORTED)
VOID_MERCHANT, VOID_REFUND = "merchant", "refund"  # why a key was voided
KEY_NOT_FOUND = "no such key"

# ck_<product ulid>_<shard>_<seq>: a key's id names its slot in the pool, so no index is needed to find it.
_KEY_ID = re.compile(r"^ck_([0-9a-z]{26})_([0-9]{1,3})_([0-9]{1,10})$")


def key_id(product_id: str, ref: KeyRef) -> str:
    return f"ck_{product_id.removeprefix('prd_')}_{ref.shard}_{ref.seq}"


def parse_key_id(value: str) -> tuple[str, KeyRef]:
    """(product id, slot) of a key id; anything malformed answers like a missing key."""
    m = _KEY_ID.fullmatch(value)
    if m is None:
        raise NotFound(KEY_NOT_FOUND, param="key_id")
    return f"prd_{m.group(1)}", KeyRef(int(m.group(2)), int(m.group(3)))


def mask(value: str) -> str:
    """At most 4 characters and at most a quarter of the key stay visible (first half, last half)."""
    shown = min(4, len(value) // 4)
    head, tail = shown // 2, shown - shown // 2
    return f"{value[:head]}{'•' * 4}{value[len(value) - tail:] if tail else ''}"


@dataclass(frozen=True)
class PoolKey:
    """One key slot of a product's pool with its bookkeeping (the ciphertext, never the plaintext)."""

    product_id: str
    ref: KeyRef
    status: str
    batch_id: str
    created_at: int
    ciphertext: bytes
    order_id: str | None = None
    reserved_until: int | None = None
    voided_at: int | None = None
    void_reason: str | None = None


@dataclass(frozen=True)
class Batch:
    """One import: what came in, from whom, at what cost per key (in the product's currency)."""

    tenant_id: str
    id: str
    product_id: str
    imported: int
    duplicates: int
    rejected: int
    created_at: int
    created_by: str  # the API key id that imported it
    created_by_name: str
    supplier: str | None = None
    cost_per_key: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class KeyAccess:
    """A record that plaintext keys left the vault: a reveal of one key or an export of many."""

    tenant_id: str
    id: str
    action: str  # "reveal" | "export"
    product_id: str
    key_id: str | None
    count: int
    api_key_id: str  # who: the API key's id, or the staff member's user id (see actor_kind)
    api_key_name: str  # the key's name or the staff member's e-mail, as it was then
    request_id: str
    created_at: int
    reason: str = ""  # why (a staff reveal must say)
    actor_kind: str = "api_key"  # "api_key" or "staff"


class InventoryPool(KeyPool, Protocol):
    def by_fingerprint(self, *, tenant_id: str, fingerprint: str) -> builtins.list[tuple[str, KeyRef]]: ...

    def void(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef], reason: str) -> int:
        """Voids keys; "merchant" voids available keys only, "refund" also sold ones. Returns how many
        this call voided (a key already void, reserved or gone is skipped)."""
        ...

    def get_keys(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> builtins.list[PoolKey]: ...
    def list_keys(self, *, tenant_id: str, product_id: str, shards: int, status: str | None,
                  batch_id: str | None, limit: int, cursor: str | None) -> Page: ...
    def stock_many(self, *, tenant_id: str, products: Sequence[tuple[str, int]],
                   consistent: bool = True) -> dict[str, StockLevel]: ...
    def batch_counts(self, *, tenant_id: str, product_id: str, shards: int, batch_id: str) -> dict[str, int]: ...


class BatchStore(Protocol):
    def put(self, batch: Batch) -> None: ...
    def get(self, *, tenant_id: str, batch_id: str) -> Batch: ...
    def list(self, *, tenant_id: str, product_id: str, limit: int, cursor: str | None) -> Page: ...


class KeyAccessLog(Protocol):
    def record(self, entry: KeyAccess) -> None: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
