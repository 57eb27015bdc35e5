"""Merchant refunds: money back through the gateway, the order's keys voided, the order marked refunded.

Every step is idempotent, in this order, so a retry after any failure finishes the job:
1. the gateway refund (idempotency key `refund_<order>`, shared with the automatic sold-out refund, and
   the adapter reuses an existing refund of the intent): never refunded twice;
2. the keys are voided (a void key stays void): never resold;
3. one transaction marks the order refunded, writes the `order_refunded` outbox message and takes the
   amount off the buyer's totals, conditional on the order still being delivered or paid.
The order turns `refunded` only when 1 and 2 are done. Refunding an already refunded order answers the
same refunded order (200) without calling anyone: retries without an Idempotency-Key are safe too.
"""

from __future__ import annotations

import logging

from chalicelib.inventory.domain.keys import VOID_REFUND
from chalicelib.kernel.activity import ActivityEntry, ActivityLog
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.kernel.ids import has_prefix, new_id
from chalicelib.kernel.outbox_nudge import nudge
from chalicelib.kernel.ports import Clock, MessageQueue, OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import REFUNDABLE_STATUSES, KeyVoider, RefundLedger, mail_outbox_id
from chalicelib.sales.domain.payments import PaymentGateway
from chalicelib.sales.domain.ports import OrderStore
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission

log = logging.getLogger(__name__)
NOT_FOUND = "no such order"
REASON = "merchant_refund"


class RefundService:
    def __init__(self, *, tenants: TenantDirectory, orders: OrderStore, payments: PaymentGateway, keys: KeyVoider,
                 ledger: RefundLedger, queue: MessageQueue, clock: Clock, activity: ActivityLog | None = None) -> None:
        self._tenants = tenants
        self._orders = orders
        self._payments = payments
        self._keys = keys
        self._ledger = ledger
        self._queue = queue
        self._clock = clock
        self._activity = activity

    def refund(self, *, tenant_id: str, order_id: str, actor: Actor = SYSTEM) -> Order:
        """`actor` is who asks (staff: their role must allow refunds); the platform's own after-sales
        resolution refunds as SYSTEM after checking its caller itself."""
        actor.require(Permission.REFUND)
        if not has_prefix(order_id, "order"):
            raise NotFound(NOT_FOUND)
        order = self._orders.get(tenant_id=tenant_id, order_id=order_id)
        if order.status == OrderStatus.REFUNDED:
            return order
        if order.status not in REFUNDABLE_STATUSES or not order.payment_intent_id:
            raise Conflict(f"only a delivered or paid order can be refunded; this one is {order.status.value}",
                           code="order_not_refundable", param="order_id")
        tenant = self._tenants.get(tenant_id=tenant_id)
        self._payments.refund(tenant=tenant, intent_id=order.payment_intent_id, idempotency_key=f"refund_{order.id}")
        if order.keys:
            self._keys.void(tenant_id=tenant_id, product_id=order.product_id, refs=order.keys, reason=VOID_REFUND)
        now = self._clock.now()
        message = OutboxMessage(tenant_id, mail_outbox_id(order.id, "order_refunded"), "order_refunded", order.id, now)
        if self._ledger.mark_refunded(order=order, now=now, reason=REASON, outbox=message):
            self._announce(message)
            if self._activity is not None and actor.kind != "system":
                self._activity.record(ActivityEntry(
                    tenant_id=tenant_id, id=new_id("activity"), at=now, actor_kind=actor.kind, actor_id=actor.id,
                    actor_name=actor.name, action="order.refunded", target=order.id,
                    detail={"amount": str(order.amount), "currency": order.currency}))
        final = self._orders.get(tenant_id=tenant_id, order_id=order_id)
        if final.status != OrderStatus.REFUNDED:  # moved elsewhere meanwhile; nothing of ours was half-done
            raise Conflict(f"the order changed to {final.status.value} while it was being refunded",
                           code="order_not_refundable", param="order_id")
        return final

    def _announce(self, message: OutboxMessage) -> None:
        nudge(self._queue, message)
