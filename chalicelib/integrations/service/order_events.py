"""Platform events from outbox messages: order.paid/delivered/refunded/failed/created and stock.low/out."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ports import EventPublisher, OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.ports import OrderDirectory

# outbox kind -> (order status it must be in, events it announces)
KINDS: dict[str, tuple[OrderStatus, tuple[str, ...]]] = {
    "order_created": (OrderStatus.PENDING, ("order.created",)),
    "order_delivered": (OrderStatus.DELIVERED, ("order.paid", "order.delivered")),
    "order_refunded": (OrderStatus.REFUNDED, ("order.refunded",)),
    "order_failed": (OrderStatus.FAILED, ("order.failed",)),
}


def order_data(o: Order) -> dict[str, Any]:
    """The order as the API shows it (never a key, plain or encrypted)."""
    return {"object": "order", "id": o.id, "status": o.status.value, "product_id": o.product_id,
            "product_name": o.product_name, "quantity": o.quantity, "amount": o.amount, "currency": o.currency,
            "email": o.email, "created_at": o.created_at, "expires_at": o.expires_at, "paid_at": o.paid_at,
            "delivered_at": o.delivered_at, "refunded_at": o.refunded_at, "failure_reason": o.failure_reason}


class OrderEventService:
    """Runs before the e-mail for each outbox message; every publish has a dedupe key, so a message handled
    twice (queue retry, sweeper) publishes each event once, and a failure here leaves the message for a retry."""

    def __init__(self, *, orders: OrderDirectory, products: ProductDirectory, pool: KeyPool,
                 events: EventPublisher) -> None:
        self._orders = orders
        self._products = products
        self._pool = pool
        self._events = events

    def on_outbox(self, message: OutboxMessage) -> list[str]:
        spec = KINDS.get(message.kind)
        if spec is None:
            return []
        try:
            order = self._orders.get(tenant_id=message.tenant_id, order_id=message.order_id)
        except NotFound:
            return []
        status, types = spec
        created = message.kind == "order_created"
        # The message may be written before the change it announces (so it is never lost); announce only
        # what happened. order.created is true of any order that exists.
        if not created and order.status != status:
            return []
        out = [self._events.publish(tenant_id=order.tenant_id, type=t, data=order_data(order),
                                    dedupe_key=f"{t}:{order.id}") for t in types]
        if message.kind == "order_delivered":
            out += self.stock_check(tenant_id=order.tenant_id, product_id=order.product_id)
        return out

    def stock_check(self, *, tenant_id: str, product_id: str) -> list[str]:
        """stock.low when available stock is at or below the product's threshold, stock.out at 0; once per
        crossing: the dedupe key names the pool's total supply, which only an import changes (a release
        moves a key, it does not add one), so a restock followed by a new fall announces again."""
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        states = self._pool.shard_states(tenant_id=tenant_id, product_id=product_id, shards=product.shards)
        available = sum(s.size - s.next for s in states)
        supplied = sum(s.size - s.released for s in states)
        data = {"object": "stock", "product_id": product.id, "product_name": product.name, "available": available,
                "low_stock_threshold": product.low_stock_threshold}
        out = []
        if available <= product.low_stock_threshold:
            out.append(self._events.publish(tenant_id=tenant_id, type="stock.low", data=data,
                                            dedupe_key=f"stock.low:{product.id}:{supplied}"))
        if available <= 0:
            out.append(self._events.publish(tenant_id=tenant_id, type="stock.out", data=data,
                                            dedupe_key=f"stock.out:{product.id}:{supplied}"))
        return out
