"""In-memory stand-ins for the sales side: key voids and the refund transaction (with a failure switch)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import StoreUnavailable
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import REFUNDABLE_STATUSES
from tests.fakes import FakeOrderStore, FakeOutbox


class FakeKeyVoider:
    def __init__(self) -> None:
        self.void_refs: dict[tuple[str, str, KeyRef], str] = {}

    def void(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef], reason: str) -> int:
        fresh = [r for r in refs if (tenant_id, product_id, r) not in self.void_refs]
        for r in fresh:
            self.void_refs[(tenant_id, product_id, r)] = reason
        return len(fresh)


class FakeRefundLedger:
    """Order → refunded plus its outbox message, all or nothing; `fail_next` simulates a lost write."""

    def __init__(self, *, orders: FakeOrderStore, outbox: FakeOutbox) -> None:
        self._orders = orders
        self._outbox = outbox
        self.fail_next = 0

    def mark_refunded(self, *, order: Order, now: int, reason: str, outbox: OutboxMessage) -> bool:
        if self.fail_next:
            self.fail_next -= 1
            raise StoreUnavailable("the data store did not complete refunding the order (Timeout); retry the request")
        with self._orders.lock:
            current = self._orders.orders[(order.tenant_id, order.id)]
            if current.status not in REFUNDABLE_STATUSES:
                return False
            self._orders.orders[(order.tenant_id, order.id)] = dataclasses.replace(
                current, status=OrderStatus.REFUNDED, refunded_at=now, failure_reason=reason, keys_bundle=None)
            self._outbox.put(outbox)
            return True
