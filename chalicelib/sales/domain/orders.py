"""Merchant-side sales: order search filters, customer aggregates, refunds, and the ports they need."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ...inventory.domain.models import KeyRef
from ...kernel.ports import OutboxMessage, Page
from .models import Order, OrderStatus

# Orders a merchant may refund: money was taken. A `paid` order exists only for a moment inside the
# sale, but it has money behind it too.
REFUNDABLE_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.PAID})

# States of a customer's entry for one order (see store/customers.py): `open` until the delivery is
# counted in the customer's totals, `spent` once it is, `refunded` once the refund is counted.
ENTRY_OPEN, ENTRY_SPENT, ENTRY_REFUNDED = "open", "spent", "refunded"


def customer_id(tenant_id: str, email: str) -> str:
    """`cus_` + a digest of tenant and lower-cased e-mail: stable, no lookup item needed, and the
    same buyer gets unrelated ids in two shops. E-mail case is folded: Bob@x and bob@x are one buyer."""
    digest = hashlib.sha256(f"{tenant_id}\x00{email.strip().lower()}".encode()).digest()
    return "cus_" + base64.b32encode(digest[:15]).decode().lower()


# the outbox messages that e-mail the buyer
BUYER_MAIL_KINDS = ("order_delivered", "order_refunded", "order_approved", "order_rejected")


def mail_outbox_id(order_id: str, kind: str) -> str:
    """The outbox message of this order and kind (one per order: it is delivered once, refunded once), so the
    order's page finds when the buyer was e-mailed without an index."""
    return f"obx_{order_id}_{kind}"


@dataclass(frozen=True)
class OrderQuery:
    """Filters of `GET /v1/orders`; every one optional. Times are Unix seconds, `created_lt` exclusive."""

    status: OrderStatus | None = None
    product_id: str | None = None
    email: str | None = None
    created_gte: int | None = None
    created_lt: int | None = None

    @property
    def filtered(self) -> bool:
        return self.status is not None or self.product_id is not None


@dataclass(frozen=True)
class Customer:
    """One buyer of one shop, by e-mail. Counts only orders whose payment was taken."""

    tenant_id: str
    id: str
    email: str
    orders: int
    total_spent: dict[str, int]  # net of refunds, per currency
    total_refunded: dict[str, int]
    refunds: int
    first_order_at: int | None
    last_order_at: int | None


class OrderSearch(Protocol):
    """The order store's merchant listing (store/orders.py)."""

    def search(self, *, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Page: ...
    def get(self, *, tenant_id: str, order_id: str) -> Order: ...


class CustomerStore(Protocol):
    def get(self, *, tenant_id: str, customer_id: str) -> Customer: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def count_delivery(self, order: Order) -> bool: ...
    def first_paid_order(self, *, tenant_id: str, email: str) -> str | None: ...


class RefundLedger(Protocol):
    """The one write that marks an order refunded, queues its message and corrects the customer."""

    def mark_refunded(self, *, order: Order, now: int, reason: str, outbox: OutboxMessage) -> bool: ...


class KeyVoider(Protocol):
    """Takes sold keys out of circulation for good (the inventory side's `KeyPool.void`)."""

    def void(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef], reason: str) -> int: ...
