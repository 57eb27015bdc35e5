"""The key pool as other capabilities use it: reserve, release, read, sell-side stock, void, expiry and recovery.

Sales, after-sales, the catalog, the storefront and integrations hold this service, never the pool's store: the
inventory decides how keys are kept, and this is the whole of what it lets the rest of the platform do with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.inventory.domain.models import KeyRef, StockLevel, StoredKey
from chalicelib.inventory.domain.ports import ExpiredReservation, KeyPool, ShardState


class KeyPoolService:
    def __init__(self, *, pool: KeyPool) -> None:
        self._pool = pool

    def claim(self, *, tenant_id: str, product_id: str, shards: int, order_id: str, count: int,
              reserved_until: int) -> list[KeyRef]:
        """Reserve `count` keys for an order: two conditional writes each, no search (see the store)."""
        return self._pool.claim(tenant_id=tenant_id, product_id=product_id, shards=shards, order_id=order_id,
                                count=count, reserved_until=reserved_until)

    def release(self, *, tenant_id: str, product_id: str, order_id: str, refs: Sequence[KeyRef]) -> int:
        """Give an order's reserved keys back to the pool; a key the order no longer holds is left alone."""
        return self._pool.release(tenant_id=tenant_id, product_id=product_id, order_id=order_id, refs=refs)

    def read(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> list[StoredKey]:
        """The encrypted keys at these places (the caller decrypts only what its buyer paid for)."""
        return self._pool.read(tenant_id=tenant_id, product_id=product_id, refs=refs)

    def stock(self, *, tenant_id: str, product_id: str, shards: int) -> StockLevel:
        return self._pool.stock(tenant_id=tenant_id, product_id=product_id, shards=shards)

    def stock_many(self, *, tenant_id: str, products: Sequence[tuple[str, int]],
                   consistent: bool = True) -> dict[str, StockLevel]:
        """Stock of many products at once: (product id, shards) pairs in, stock by product id out; `consistent=False`
        for readers that may lag a second (half the read units)."""
        return self._pool.stock_many(  # type: ignore[attr-defined, no-any-return]
            tenant_id=tenant_id, products=products, consistent=consistent)

    def shard_states(self, *, tenant_id: str, product_id: str, shards: int) -> list[ShardState]:
        return self._pool.shard_states(tenant_id=tenant_id, product_id=product_id, shards=shards)

    def void(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef], reason: str) -> int:
        """Take sold keys out of circulation for good (refunds)."""
        return self._pool.void(tenant_id=tenant_id, product_id=product_id, refs=refs,  # type: ignore[attr-defined, no-any-return]
                               reason=reason)

    def expired_reservations(self, *, now: int, limit: int) -> list[ExpiredReservation]:
        return self._pool.expired_reservations(now=now, limit=limit)

    def recover_skipped(self, *, tenant_id: str, product_id: str, shards: int) -> int:
        """Re-append keys a crashed claim skipped (the hourly job)."""
        return self._pool.recover_skipped(tenant_id=tenant_id, product_id=product_id, shards=shards)
