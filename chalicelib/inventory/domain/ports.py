"""What the sale and the inventory need from the key pool: claim, release, read, stock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .models import KeyRef, NewKey, StockLevel, StoredKey


@dataclass(frozen=True)
class ShardState:
    shard: int
    next: int
    size: int
    released: int


@dataclass(frozen=True)
class ExpiredReservation:
    tenant_id: str
    product_id: str
    order_id: str
    ref: KeyRef


class KeyPool(Protocol):
    def begin_import(self, *, tenant_id: str, product_id: str, owner: str, lease_seconds: int) -> None: ...
    def end_import(self, *, tenant_id: str, product_id: str, owner: str) -> None: ...
    def shard_states(self, *, tenant_id: str, product_id: str, shards: int) -> list[ShardState]: ...
    def committed_fingerprints(
        self, *, tenant_id: str, product_id: str, fingerprints: Sequence[str], states: Sequence[ShardState]
    ) -> set[str]: ...
    def append(
        self, *, tenant_id: str, product_id: str, shard: int, start: int, new_keys: Sequence[NewKey],
        batch_id: str, now: int,
    ) -> None: ...
    def claim(
        self, *, tenant_id: str, product_id: str, shards: int, order_id: str, count: int, reserved_until: int
    ) -> list[KeyRef]: ...
    def release(self, *, tenant_id: str, product_id: str, order_id: str, refs: Sequence[KeyRef]) -> int: ...
    def read(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> list[StoredKey]: ...
    def stock(self, *, tenant_id: str, product_id: str, shards: int) -> StockLevel: ...
    def expired_reservations(self, *, now: int, limit: int) -> list[ExpiredReservation]: ...
    def recover_skipped(self, *, tenant_id: str, product_id: str, shards: int) -> int: ...
