"""Orders the shop's risk rules held for review: the merchant approves one (it becomes payable and the buyer is
e-mailed a link to pay) or rejects it (its keys and the buyer's limits go back, the buyer is told); nothing was paid
either way, so nothing is ever refunded."""

from __future__ import annotations

import logging

from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel.errors import Conflict, DomainError
from chalicelib.kernel.outbox_nudge import nudge
from chalicelib.kernel.ports import Clock, MessageQueue, Outbox, OutboxMessage, Page
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import OrderQuery, OrderSearch, mail_outbox_id
from chalicelib.sales.domain.payments import PaymentGateway
from chalicelib.sales.domain.ports import OrderStore
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

log = logging.getLogger(__name__)
# an approval this close to the hold's end leaves the buyer no time to pay: refused, the merchant rejects instead
MIN_PAY_SECONDS = 600


class ReviewService:
    def __init__(self, *, tenants: TenantDirectory, orders: OrderStore, pool: KeyPool, payments: PaymentGateway,
                 outbox: Outbox, queue: MessageQueue | None, clock: Clock) -> None:
        self._tenants = tenants
        self._orders = orders
        self._pool = pool
        self._payments = payments
        self._outbox = outbox
        self._queue = queue
        self._clock = clock

    def queue(self, *, actor: Actor, tenant_id: str, limit: int, cursor: str | None) -> Page:
        """The orders waiting for a decision, newest first."""
        actor.require(Permission.VIEW)
        search: OrderSearch = self._orders  # type: ignore[assignment]
        return search.search(tenant_id=tenant_id, query=OrderQuery(status=OrderStatus.REVIEW), limit=limit,
                             cursor=cursor)

    def approve(self, *, actor: Actor, tenant_id: str, order_id: str) -> Order:
        """Opens the order's PaymentIntent and makes it payable until its hold ends; the buyer is e-mailed."""
        actor.require(Permission.AFTER_SALES)
        order = self._in_review(tenant_id, order_id)
        left = order.expires_at - self._clock.now()
        if left < MIN_PAY_SECONDS:
            raise Conflict(f"the hold on this order ends in {max(0, left) // 60} minutes, too soon for the buyer to "
                           f"pay; reject it instead (the buyer can order again)", code="review_too_late")
        tenant = self._tenants.get(tenant_id=tenant_id)
        # the order id is the idempotency key: an approval retried after a failure opens the same PaymentIntent
        intent = self._payments.create_intent(
            tenant=tenant, amount=order.amount, currency=order.currency,
            metadata={"order_id": order.id, "tenant_id": tenant_id, "product_id": order.product_id},
            idempotency_key=order.id, email=order.email)
        if not self._orders.approve_review(tenant_id=tenant_id, order_id=order_id, intent_id=intent.id):
            raise self._no_longer(tenant_id, order_id)
        self._tell(tenant_id, order_id, "order_approved")
        return self._orders.get(tenant_id=tenant_id, order_id=order_id)

    def reject(self, *, actor: Actor, tenant_id: str, order_id: str) -> Order:
        """The order ends without payment: its keys go back on sale, the buyer's limits and coupon use back to the
        buyer, and the buyer is e-mailed."""
        actor.require(Permission.AFTER_SALES)
        order = self._in_review(tenant_id, order_id)
        if not self._orders.set_status(tenant_id=tenant_id, order_id=order_id, status=OrderStatus.REJECTED.value,
                                       allowed_from=[OrderStatus.REVIEW.value], now=self._clock.now(),
                                       reason="rejected_in_review", release=order):
            raise self._no_longer(tenant_id, order_id)
        # after the change: a release that fails now leaves the keys to the expiry sweep (their hold ends anyway)
        try:
            self._pool.release(tenant_id=tenant_id, product_id=order.product_id, order_id=order.id, refs=order.keys)
        except DomainError:
            log.warning("rejected order's keys left to the expiry sweep", extra={"order_id": order.id})
        self._tell(tenant_id, order_id, "order_rejected")
        return self._orders.get(tenant_id=tenant_id, order_id=order_id)

    def payment(self, *, tenant: Tenant, order: Order) -> tuple[str, str] | None:
        """For the order page: the client secret and publishable key to pay an approved order with, or None when
        the order is not one (only an order approved in review is paid on its page; others on the checkout)."""
        if order.status != OrderStatus.PENDING or order.risk_decision != "review" or not order.payment_intent_id:
            return None
        intent = self._payments.retrieve_intent(tenant=tenant, intent_id=order.payment_intent_id)
        if intent.status == "succeeded" or not intent.client_secret:
            return None
        return intent.client_secret, self._payments.publishable_key

    def _in_review(self, tenant_id: str, order_id: str) -> Order:
        order = self._orders.get(tenant_id=tenant_id, order_id=order_id)
        if order.status != OrderStatus.REVIEW:
            raise Conflict(f"this order is {order.status.value}, not in review: there is nothing to decide",
                           code="not_in_review")
        return order

    def _no_longer(self, tenant_id: str, order_id: str) -> Conflict:
        now = self._orders.get(tenant_id=tenant_id, order_id=order_id)
        return Conflict(f"this order is {now.status.value} now (decided meanwhile, or its hold ended)",
                        code="not_in_review")

    def _tell(self, tenant_id: str, order_id: str, kind: str) -> None:
        message = OutboxMessage(tenant_id, mail_outbox_id(order_id, kind), kind, order_id, self._clock.now())
        self._outbox.put(message)
        if self._queue is not None:
            nudge(self._queue, message)
