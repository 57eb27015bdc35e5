"""Reservation expiry: lapsed keys go back to the pool, unpaid orders are marked expired."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.ports import Clock
from chalicelib.sales.domain.models import OrderStatus
from chalicelib.sales.domain.ports import OrderStore

BATCH = 200
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpiryReport:
    keys_released: int
    orders_expired: int


class ReservationService:
    def __init__(self, *, pool: KeyPool, orders: OrderStore, products: ProductDirectory, clock: Clock) -> None:
        self._pool = pool
        self._products = products
        self._orders = orders
        self._clock = clock

    def expire(self, *, now: int | None = None) -> ExpiryReport:
        at = self._clock.now() if now is None else now
        released = 0
        for r in self._pool.expired_reservations(now=at, limit=BATCH):
            try:
                released += self._pool.release(tenant_id=r.tenant_id, product_id=r.product_id,
                                               order_id=r.order_id, refs=[r.ref])
            except DomainError as exc:
                # One stuck key (say, an import holds the product's lease) must not stop the others.
                log.warning("reservation not released yet", extra={"order_id": r.order_id, "code": exc.code})
        expired = 0
        for order in self._orders.expired_pending(now=at, limit=BATCH):
            if self._orders.set_status(tenant_id=order.tenant_id, order_id=order.id,
                                       status=OrderStatus.EXPIRED.value,
                                       # an order held for review that nobody decided on lapses the same way
                                       allowed_from=[OrderStatus.PENDING.value, OrderStatus.REVIEW.value],
                                       now=at, reason="reservation_expired", release=order):
                expired += 1
        return ExpiryReport(keys_released=released, orders_expired=expired)

    def recover_skipped_keys(self) -> int:
        """Give back keys a crashed claim left behind (see KeyPool.recover_skipped); one product's
        failure does not stop the others."""
        recovered = 0
        for product in self._products.every_product():
            try:
                recovered += self._pool.recover_skipped(tenant_id=product.tenant_id, product_id=product.id,
                                                        shards=product.shards)
            except DomainError as exc:
                log.warning("pool not reconciled yet", extra={"product_id": product.id, "code": exc.code})
        return recovered
