"""Customers by e-mail: totals of what each buyer paid, and their orders; counted exactly once per order."""

from __future__ import annotations

from urllib.parse import unquote

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ports import OutboxMessage, Page
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import Customer, CustomerStore, OrderQuery, OrderSearch, customer_id
from chalicelib.sales.domain.ports import OrderStore

NOT_FOUND = "no such customer"
COUNTED_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.PAID})


class CustomerService:
    def __init__(self, *, customers: CustomerStore, orders: OrderStore) -> None:
        self._customers = customers
        self._orders = orders

    def resolve(self, *, tenant_id: str, ref: str) -> str:
        """A `cus_` id as given, or the id of an e-mail address (the path may carry either)."""
        ref = unquote(ref)  # API Gateway hands the path parameter over still percent-encoded
        if "@" in ref:
            return customer_id(tenant_id, v.email(ref, field="customer_id"))
        if not ref.startswith("cus_") or len(ref) > 64:
            raise NotFound(NOT_FOUND)
        return ref

    def get(self, *, tenant_id: str, ref: str) -> Customer:
        return self._customers.get(tenant_id=tenant_id, customer_id=self.resolve(tenant_id=tenant_id, ref=ref))

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self._customers.list(tenant_id=tenant_id, limit=limit, cursor=cursor)

    def orders(self, *, tenant_id: str, ref: str, limit: int, cursor: str | None) -> Page:
        customer = self.get(tenant_id=tenant_id, ref=ref)
        search: OrderSearch = self._orders  # type: ignore[assignment]
        return search.search(tenant_id=tenant_id, query=OrderQuery(email=customer.email), limit=limit, cursor=cursor)

    def count_delivery(self, *, tenant_id: str, order_id: str) -> bool:
        """Add a delivered order to its buyer's totals; a second call for the same order changes nothing."""
        try:
            order: Order = self._orders.get(tenant_id=tenant_id, order_id=order_id)
        except NotFound:
            return False
        if order.status not in COUNTED_STATUSES:
            return False  # refunded first: the refund counted it; anything else was never paid
        return self._customers.count_delivery(order)

    def first_paid_order(self, *, tenant_id: str, email: str) -> str | None:
        """The id of the buyer's first paid order in this shop (creation time, then id), or None."""
        return self._customers.first_paid_order(tenant_id=tenant_id, email=email)

    def bought_before(self, *, tenant_id: str, email: str) -> bool:
        """Whether the e-mail has a paid order in this shop (the risk rules' new-buyer test)."""
        return self.first_paid_order(tenant_id=tenant_id, email=email) is not None

    def on_outbox(self, message: OutboxMessage, order: Order | None) -> None:
        """The outbox consumer's hook, with the message's order as the handler read it (None: no such order):
        at-least-once delivery is fine, counting is idempotent."""
        if message.kind == "order_delivered" and order is not None and order.status in COUNTED_STATUSES:
            self._customers.count_delivery(order)
