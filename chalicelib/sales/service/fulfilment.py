"""Payment to delivery, exactly once: webhook events, the buyer's return, lapsed reservations, refunds."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel.errors import Conflict, DependencyUnavailable, NotFound, ReservationLost, StoreUnavailable
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.outbox_nudge import nudge
from chalicelib.kernel.ports import Clock, MessageQueue, Outbox, OutboxMessage
from chalicelib.sales.domain.buyer_limits import Hold, coupon_holds, holds, limits_of
from chalicelib.sales.domain.models import PAYABLE_STATUSES, Order, OrderStatus
from chalicelib.sales.domain.orders import mail_outbox_id
from chalicelib.sales.domain.payments import PaymentGateway, PaymentIntentView
from chalicelib.sales.domain.ports import OrderStore, SaleLedger
from chalicelib.sales.service.key_bundles import KeyBundles
from chalicelib.tenancy.domain.ports import TenantDirectory

log = logging.getLogger(__name__)
FRESH_CLAIM_SECONDS = 600
DELIVER_ATTEMPTS = 3


@dataclass(frozen=True)
class Outcome:
    result: str  # delivered, duplicate, refunded, mismatch, ignored, released
    order_id: str | None = None


class FulfilmentService:
    def __init__(self, *, tenants: TenantDirectory, products: ProductDirectory, orders: OrderStore, pool: KeyPool,
                 ledger: SaleLedger, payments: PaymentGateway, outbox: Outbox, queue: MessageQueue,
                 clock: Clock, bundles: KeyBundles | None = None, coupons: Any = None, risk: Any = None) -> None:
        self._tenants = tenants
        self._risk = risk  # risk's engine: a failed payment counts against the buyer's device, e-mail and address
        self._coupons = coupons  # marketing's coupons: a late payment counts its coupon's caps as they are now
        self._products = products
        self._orders = orders
        self._pool = pool
        self._ledger = ledger
        self._payments = payments
        self._outbox = outbox
        self._queue = queue
        self._clock = clock
        self._bundles = bundles  # seals the keys at delivery so the order page decrypts once

    def handle_webhook(self, *, payload: bytes, signature: str) -> Outcome:
        event = self._payments.parse_event(payload=payload, signature=signature)
        if event is None:
            return Outcome("ignored")
        if event.type == "payment_intent.succeeded":
            return self.fulfil(event.intent, event_id=event.id)
        if event.type == "payment_intent.payment_failed":
            return self.payment_failed(event.intent)
        return Outcome("ignored")

    def _order_for(self, intent: PaymentIntentView) -> Order | None:
        tenant_id, order_id = intent.metadata.get("tenant_id"), intent.metadata.get("order_id")
        if not tenant_id or not order_id:
            return None
        try:
            return self._orders.get(tenant_id=tenant_id, order_id=order_id)
        except NotFound:
            return None

    def fulfil(self, intent: PaymentIntentView, *, event_id: str) -> Outcome:
        order = self._order_for(intent)
        if order is None:
            log.error("payment for an unknown order", extra={"payment_intent": intent.id})
            return Outcome("ignored")
        if order.status in (OrderStatus.DELIVERED, OrderStatus.REFUNDED):
            return Outcome("duplicate", order.id)
        if intent.status != "succeeded":
            return Outcome("ignored", order.id)
        if (intent.id != order.payment_intent_id or intent.amount != order.amount
                or intent.currency != order.currency):
            # Authentic but not what we asked for: investigate, never deliver.
            self._ledger.record_event(event_id=event_id, kind="payment_mismatch", now=self._clock.now(),
                                      note=f"{order.tenant_id}|{order.id}|{intent.id}|{intent.amount}|{intent.currency}")
            self._mark_failed(order, allowed_from=[s.value for s in PAYABLE_STATUSES], reason="payment_mismatch")
            log.error("payment does not match order", extra={"order_id": order.id, "payment_intent": intent.id})
            return Outcome("mismatch", order.id)
        if order.limit_windows and not order.limits_held:
            # paid after its reservation lapsed or its payment failed, which gave the buyer's limit back: count it
            # again (today's windows, today's limits), or refund rather than let the buyer pass the limit
            if not self._orders.take_limits_again(order, self._holds_now(order)):
                return self.refund(order, reason="buyer_limit_after_payment")
            order = self._orders.get(tenant_id=order.tenant_id, order_id=order.id)
        return self._deliver(order, event_id)

    def _holds_now(self, order: Order) -> list[Hold]:
        product = self._products.get(tenant_id=order.tenant_id, product_id=order.product_id)
        zone = self._tenants.get(tenant_id=order.tenant_id).zone
        taken = holds(limits_of(product), self._clock.now(), zone)
        code = next((ref for kind, _, ref in order.pricing if kind == "coupon"), "")
        coupon = self._coupons.current(tenant_id=order.tenant_id, code=code) if code and self._coupons else None
        if coupon is not None:  # the coupon's caps as they are now: the late order takes a use again
            taken += coupon_holds(coupon.code, coupon.total_cap, coupon.per_buyer_cap)
        return taken

    def _deliver(self, order: Order, event_id: str) -> Outcome:
        refs = order.keys
        sealed: tuple[tuple[KeyRef, ...], bytes | None] | None = None  # the bundle and the refs it was made for
        for attempt in range(DELIVER_ATTEMPTS):
            now = self._clock.now()
            message = OutboxMessage(order.tenant_id, mail_outbox_id(order.id, "order_delivered"), "order_delivered",
                                    order.id, now)
            if self._bundles is not None and (sealed is None or sealed[0] != tuple(refs)):
                sealed = (tuple(refs), self._bundles.seal(order, refs))
            try:
                delivered = self._ledger.deliver(order=order, refs=refs, event_id=event_id, now=now, outbox=message,
                                                 bundle=sealed[1] if sealed else None)
            except ReservationLost:
                # The reservation lapsed and its keys went back: take fresh ones, or refund.
                self._pool.release(tenant_id=order.tenant_id, product_id=order.product_id, order_id=order.id,
                                   refs=refs)
                refs = tuple(self._pool.claim(
                    tenant_id=order.tenant_id, product_id=order.product_id, shards=self._shards(order),
                    order_id=order.id, count=order.quantity, reserved_until=now + FRESH_CLAIM_SECONDS))
                if len(refs) < order.quantity:
                    self._pool.release(tenant_id=order.tenant_id, product_id=order.product_id,
                                       order_id=order.id, refs=refs)
                    return self.refund(order, reason="out_of_stock_after_payment")
                continue
            except StoreUnavailable:
                # Typically a transaction conflict under contention: every condition still holds, retry.
                if attempt == DELIVER_ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
                continue
            if not delivered:
                return Outcome("duplicate", order.id)
            self._announce(message)
            return Outcome("delivered", order.id)
        raise Conflict("the order could not be delivered after several attempts; it will be retried",
                       code="delivery_retry")

    def _shards(self, order: Order) -> int:
        """Claims need the product's shard count; read only on the rare lapsed-reservation path."""
        return self._products.get(tenant_id=order.tenant_id, product_id=order.product_id).shards

    def refund(self, order: Order, *, reason: str) -> Outcome:
        tenant = self._tenants.get(tenant_id=order.tenant_id)
        if order.payment_intent_id:
            self._payments.refund(tenant=tenant, intent_id=order.payment_intent_id,
                                  idempotency_key=f"refund_{order.id}")
        now = self._clock.now()
        # never delivered (payable states only): the buyer's limit is given back with the change
        if self._orders.set_status(tenant_id=order.tenant_id, order_id=order.id, status=OrderStatus.REFUNDED.value,
                                   allowed_from=[s.value for s in PAYABLE_STATUSES], now=now, reason=reason,
                                   release=order):
            message = OutboxMessage(order.tenant_id, mail_outbox_id(order.id, "order_refunded"), "order_refunded",
                                    order.id, now)
            self._outbox.put(message)
            self._announce(message)
        return Outcome("refunded", order.id)

    def payment_failed(self, intent: PaymentIntentView) -> Outcome:
        order = self._order_for(intent)
        if order is None or order.status not in PAYABLE_STATUSES:
            return Outcome("ignored", order.id if order else None)
        self._pool.release(tenant_id=order.tenant_id, product_id=order.product_id, order_id=order.id,
                           refs=order.keys)
        self._mark_failed(order, allowed_from=[OrderStatus.PENDING.value], reason="payment_failed", release=True)
        if self._risk is not None and order.risk_subjects:
            try:
                self._risk.payment_failed(tenant_id=order.tenant_id, subjects=dict(order.risk_subjects))
            except DependencyUnavailable:
                # the order is released either way; the card tester is counted a failure short
                log.warning("failed payment not counted for risk", extra={"order_id": order.id})
        return Outcome("released", order.id)

    def _mark_failed(self, order: Order, *, allowed_from: list[str], reason: str, release: bool = False) -> None:
        """The order.failed announcement is written before the change, so a crash between the two cannot lose
        it; its handler announces only an order that is failed, so a change that did not happen stays silent."""
        now = self._clock.now()
        message = OutboxMessage(order.tenant_id, new_id("outbox"), "order_failed", order.id, now)
        self._outbox.put(message)
        # `release`: a failed payment gives the buyer's limit back; a mismatch under investigation keeps it
        if self._orders.set_status(tenant_id=order.tenant_id, order_id=order.id, status=OrderStatus.FAILED.value,
                                   allowed_from=allowed_from, now=now, reason=reason,
                                   release=order if release else None):
            self._announce(message)

    def confirm_on_return(self, order: Order) -> Order:
        """The buyer came back before the webhook: ask Stripe, and fulfil if it says paid."""
        if order.status not in PAYABLE_STATUSES or not order.payment_intent_id:
            return order
        if order.failure_reason == "payment_mismatch":
            return order  # held for investigation: only a matching Stripe event delivers it
        tenant = self._tenants.get(tenant_id=order.tenant_id)
        intent = self._payments.retrieve_intent(tenant=tenant, intent_id=order.payment_intent_id)
        if intent.status == "succeeded":
            self.fulfil(intent, event_id=f"return_{intent.id}")
            return self._orders.get(tenant_id=order.tenant_id, order_id=order.id)
        return order

    def _announce(self, message: OutboxMessage) -> None:
        nudge(self._queue, message)
