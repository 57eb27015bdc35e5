"""Platform events from outbox messages: order.paid/delivered/refunded/failed/created and stock.low/out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.integrations.service.events import EventDraft, EventService
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus

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
            "delivered_at": o.delivered_at, "refunded_at": o.refunded_at, "failure_reason": o.failure_reason,
            "pricing": {"list_amount": o.pricing[0][1],
                        "lines": [{"kind": k, "amount": a, "ref": r or None} for k, a, r in o.pricing]}}


class OrderEventService:
    """Runs before the e-mail for each outbox message; every publish has a dedupe key, so a message handled
    twice (queue retry, sweeper) publishes each event once, and a failure here leaves the message for a retry.
    The events of one message are recorded together (one endpoint read, one transaction)."""

    def __init__(self, *, products: ProductDirectory, pool: KeyPool, events: EventService) -> None:
        self._products = products
        self._pool = pool
        self._events = events

    def on_outbox_many(self, handled: Sequence[tuple[OutboxMessage, Order | None]]) -> dict[str, Exception]:
        """Several messages (a queue batch): each shop's events in one publish. The failures by outbox id (a
        shop's publish failing fails each of its messages; the others stand)."""
        by_tenant: dict[str, list[tuple[OutboxMessage, list[EventDraft]]]] = defaultdict(list)
        failed: dict[str, Exception] = {}
        stock: dict[tuple[str, str], list[EventDraft]] = {}  # one stock read per product per batch
        for message, order in handled:
            try:
                drafts = self._drafts(message, order, stock)
            except DomainError as exc:  # the stock read behind stock.low/out
                failed[message.id] = exc
                continue
            if order is not None and drafts:
                by_tenant[order.tenant_id].append((message, drafts))
        for tenant_id, entries in by_tenant.items():
            try:
                self._events.publish_many(tenant_id=tenant_id, drafts=[d for _, drafts in entries for d in drafts])
            except DomainError as exc:
                failed.update({message.id: exc for message, _ in entries})
        return failed

    def _drafts(self, message: OutboxMessage, order: Order | None,
                stock: dict[tuple[str, str], list[EventDraft]]) -> list[EventDraft]:
        spec = KINDS.get(message.kind)
        if spec is None or order is None:
            return []
        status, types = spec
        created = message.kind == "order_created"
        # The message may be written before the change it announces (so it is never lost); announce only
        # what happened. order.created is true of any order that exists.
        if not created and order.status != status:
            return []
        drafts = [EventDraft(t, order_data(order), f"{t}:{order.id}") for t in types]
        if message.kind == "order_delivered":
            key = (order.tenant_id, order.product_id)
            if key not in stock:
                stock[key] = self.stock_events(tenant_id=order.tenant_id, product_id=order.product_id)
            drafts += stock[key]
        return drafts

    def stock_events(self, *, tenant_id: str, product_id: str) -> list[EventDraft]:
        """stock.low when available stock is at or below the product's threshold, stock.out at 0; once per
        crossing: the dedupe key names the pool's total supply, which only an import changes (a release
        moves a key, it does not add one), so a restock followed by a new fall announces again."""
        # a copy read in the last few seconds will do: the threshold is advisory, the stock is read now
        product = self._products.recent(tenant_id=tenant_id, product_id=product_id)
        states = self._pool.shard_states(tenant_id=tenant_id, product_id=product_id, shards=product.shards)
        available = sum(s.size - s.next for s in states)
        supplied = sum(s.size - s.released for s in states)
        data = {"object": "stock", "product_id": product.id, "product_name": product.name, "available": available,
                "low_stock_threshold": product.low_stock_threshold}
        out = []
        if available <= product.low_stock_threshold:
            out.append(EventDraft("stock.low", data, f"stock.low:{product.id}:{supplied}"))
        if available <= 0:
            out.append(EventDraft("stock.out", dict(data), f"stock.out:{product.id}:{supplied}"))
        return out
