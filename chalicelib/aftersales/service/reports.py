"""After-sales: the buyer reports a key; it is replaced at once by the product's policy, or waits for the merchant."""

from __future__ import annotations

import builtins
import dataclasses
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from chalicelib.aftersales import domain as a
from chalicelib.catalog.domain import Product, ProductDirectory
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import Conflict, InvalidRequest, NotFound, OutOfStock
from chalicelib.kernel.ids import has_prefix, new_id
from chalicelib.kernel.outbox_nudge import nudge
from chalicelib.kernel.ports import Clock, MessageQueue, OutboxMessage, Page
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.ports import OrderDirectory
from chalicelib.sales.service.orders import BuyerOrder, OrderService
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission

log = logging.getLogger(__name__)
ATTEMPTS = 4  # concurrent reports on one order: each retry reads the order again and decides anew
CLAIM_HOLD_SECONDS = 300  # a claimed replacement the process never sold goes back with the expiry sweep
REPORT_FIELDS = {"token", "key_index", "reason", "note"}
RESOLVE_FIELDS = {"action", "message"}


class Refunder(Protocol):
    def refund(self, *, tenant_id: str, order_id: str, actor: Actor = SYSTEM) -> Order: ...


class AfterSalesService:
    def __init__(self, *, store: a.ReportStore, orders: OrderDirectory, order_service: OrderService,
                 products: ProductDirectory, pool: KeyPool, refunds: Refunder, queue: MessageQueue,
                 clock: Clock) -> None:
        self._store = store
        self._orders = orders
        self._order_service = order_service
        self._products = products
        self._pool = pool
        self._refunds = refunds
        self._queue = queue
        self._clock = clock

    # ---- the buyer ------------------------------------------------------------------------------------
    def order_for_buyer(self, *, tenant: Tenant, order_id: str, token: str | None) -> BuyerOrder:
        """The order page with its key lines and reports (one extra Query, only when the order has reports)."""
        return self._order_service.for_buyer(tenant=tenant, order_id=order_id, token=token, reports=self._store)

    def report(self, *, tenant: Tenant, order_id: str, body: Any) -> a.Report:
        data = v.body_object(body)
        token = data.get("token")
        # The token first: a stranger learns nothing about the order, not even which fields it would take.
        order = self._order_service.authorize_buyer(tenant=tenant, order_id=order_id,
                                                    token=token if isinstance(token, str) else None)
        v.unknown_fields(data, REPORT_FIELDS)
        if order.status != OrderStatus.DELIVERED:
            raise Conflict(f"only a delivered order's keys can be reported; this order is {order.status.value}",
                           code="order_not_delivered", param="order_id")
        key_index = v.integer(data, "key_index", low=0, high=max(len(order.keys) - 1, 0))
        reason = data.get("reason")
        if reason not in a.REASONS:
            raise InvalidRequest("reason must be one of " + ", ".join(a.REASONS), param="reason")
        note = v.text(data, "note", min_len=1 if reason == "other" else 0, max_len=a.MAX_NOTE,
                      required=reason == "other")
        if reason == "other" and not note:
            raise InvalidRequest("note is required when reason is other: say what is wrong", param="note")
        return self._file(order, key_index=key_index, reason=str(reason), note=note)

    def _file(self, order: Order, *, key_index: int, reason: str, note: str) -> a.Report:
        ref = order.keys[key_index]
        self._not_reported(order, ref)
        product = self._product(order)
        for _ in range(ATTEMPTS):
            now = self._clock.now()
            report_id = new_id("report")
            base = a.Report(tenant_id=order.tenant_id, id=report_id, order_id=order.id, product_id=order.product_id,
                            key_index=key_index, ref=ref, reason=reason, note=note, status=a.OPEN, created_at=now)
            message = OutboxMessage(order.tenant_id, a.outbox_id(report_id, a.KIND_REPORTED), a.KIND_REPORTED,
                                    order.id, now)
            why = a.review_reason(product, order, now) if product is not None else a.POLICY_MANUAL
            if why is None:
                new_ref = self._claim(order, product, now)  # type: ignore[arg-type]  # product is set here
                if new_ref is None:
                    why = a.OUT_OF_STOCK
                else:
                    report = dataclasses.replace(base, status=a.REPLACED, resolution=a.AUTO_REPLACED,
                                                 replacement_index=len(order.keys), resolved_at=now)
                    bundle = self._order_service.bundle_with(order=order, new_ref=new_ref)
                    if self._store.file_replaced(order=order, report=report, new_ref=new_ref, outbox=message,
                                                 bundle=bundle):
                        nudge(self._queue, message)
                        return report
                    # Another report won the order meanwhile: the claimed key goes back, and we decide again.
                    self._pool.release(tenant_id=order.tenant_id, product_id=order.product_id, order_id=order.id,
                                       refs=[new_ref])
                    order = self._reread(order, ref)
                    continue
            report = dataclasses.replace(base, review_reason=why)
            if self._store.file_open(order=order, report=report, outbox=message):
                nudge(self._queue, message)
                return report
            order = self._reread(order, ref)
        raise Conflict("the order kept changing while the report was filed; send it again",
                       code="report_retry")

    def _claim(self, order: Order, product: Product, now: int) -> KeyRef | None:
        refs = self._pool.claim(tenant_id=order.tenant_id, product_id=order.product_id, shards=product.shards,
                                order_id=order.id, count=1, reserved_until=now + CLAIM_HOLD_SECONDS)
        return refs[0] if refs else None

    def _product(self, order: Order) -> Product | None:
        try:
            return self._products.get(tenant_id=order.tenant_id, product_id=order.product_id)
        except NotFound:
            return None  # gone since the sale: the merchant reviews the report by hand

    def _reread(self, order: Order, ref: KeyRef) -> Order:
        fresh = self._orders.get(tenant_id=order.tenant_id, order_id=order.id)
        self._not_reported(fresh, ref)
        if fresh.status != OrderStatus.DELIVERED:
            raise Conflict(f"the order changed to {fresh.status.value} meanwhile; its keys can no longer be "
                           "reported", code="order_not_delivered", param="order_id")
        return fresh

    @staticmethod
    def _not_reported(order: Order, ref: KeyRef) -> None:
        if ref in order.reported:
            raise Conflict("this key has already been reported; its report is on the order page",
                           code="already_reported", param="key_index")

    # ---- the merchant -----------------------------------------------------------------------------------
    def get(self, *, tenant_id: str, report_id: str) -> a.Report:
        return self._store.get(tenant_id=tenant_id, report_id=report_id)

    def list(self, *, tenant_id: str, limit: int, cursor: str | None, filters: Mapping[str, str]) -> Page:
        status = filters.get("status")
        if status is not None and status not in a.STATUSES:
            raise InvalidRequest("status must be one of " + ", ".join(a.STATUSES), param="status")
        order_id, product_id = filters.get("order_id"), filters.get("product_id")
        if order_id is not None and not has_prefix(order_id, "order"):
            raise InvalidRequest("order_id must be an order id (ord_...)", param="order_id")
        if product_id is not None and not has_prefix(product_id, "product"):
            raise InvalidRequest("product_id must be a product id (prd_...)", param="product_id")
        return self._store.list(tenant_id=tenant_id, where=a.ReportFilter(status=status, product_id=product_id,
                                                                          order_id=order_id),
                                limit=limit, cursor=cursor)

    def stats(self, *, tenant_id: str) -> a.ReportStats:
        since = self._clock.now() - a.STATS_DAYS * 86400
        return a.stats_of(self._store.since(tenant_id=tenant_id, since=since),
                          open_count=self._store.open_count(tenant_id=tenant_id))

    def resolve(self, *, tenant_id: str, report_id: str, body: Any, actor: Actor = SYSTEM) -> a.Report:
        """Replace, refund or reject. A staff member's role must allow resolving reports, and a refund must
        also be theirs to give (an operator resolves but does not refund)."""
        actor.require(Permission.AFTER_SALES)
        # The report first: another shop's id answers 404 whatever the body says.
        report = self._store.get(tenant_id=tenant_id, report_id=report_id)
        data = v.body_object(body)
        v.unknown_fields(data, RESOLVE_FIELDS)
        action = data.get("action")
        if action not in a.ACTIONS:
            raise InvalidRequest("action must be one of " + ", ".join(a.ACTIONS), param="action")
        message_text = v.text(data, "message", min_len=0, max_len=a.MAX_MESSAGE, required=False)
        self._still_open(report)
        if action == "replace":
            return self._replace(report, message_text)
        if action == "refund":
            actor.require(Permission.REFUND)
            # Money back and keys voided first (idempotent, safe to retry); the report closes after.
            self._refunds.refund(tenant_id=tenant_id, order_id=report.order_id, actor=actor)
            return self._close(report, status=a.RESOLVED, resolution=a.REFUNDED, message=message_text)
        return self._close(report, status=a.REJECTED, resolution=a.REJECTED, message=message_text)

    def _replace(self, report: a.Report, message_text: str) -> a.Report:
        for _ in range(ATTEMPTS):
            order = self._orders.get(tenant_id=report.tenant_id, order_id=report.order_id)
            if order.status != OrderStatus.DELIVERED:
                raise Conflict(f"the order is {order.status.value}; only a delivered order gets a new key",
                               code="order_not_delivered", param="report_id")
            product = self._products.get(tenant_id=report.tenant_id, product_id=report.product_id)
            now = self._clock.now()
            new_ref = self._claim(order, product, now)
            if new_ref is None:
                raise OutOfStock("no key of this product is left to send; import keys, or refund or reject "
                                 "the report", code="out_of_stock", param="action")
            closed = dataclasses.replace(report, status=a.RESOLVED, resolution=a.MERCHANT_REPLACED,
                                         replacement_index=len(order.keys), message=message_text, resolved_at=now)
            message = self._message(closed, now)
            bundle = self._order_service.bundle_with(order=order, new_ref=new_ref)
            if self._store.resolve_replaced(order=order, report=closed, new_ref=new_ref, outbox=message,
                                            bundle=bundle):
                nudge(self._queue, message)
                return closed
            self._pool.release(tenant_id=order.tenant_id, product_id=order.product_id, order_id=order.id,
                               refs=[new_ref])
            report = self._store.get(tenant_id=report.tenant_id, report_id=report.id)
            self._still_open(report)  # else the order changed (another replacement): read it again
        raise Conflict("the order kept changing while the key was replaced; send the request again",
                       code="report_retry")

    def _close(self, report: a.Report, *, status: str, resolution: str, message: str) -> a.Report:
        now = self._clock.now()
        closed = dataclasses.replace(report, status=status, resolution=resolution, message=message, resolved_at=now)
        outbox = self._message(closed, now)
        if not self._store.close(report=closed, outbox=outbox):
            self._still_open(self._store.get(tenant_id=report.tenant_id, report_id=report.id))
            raise Conflict("the report changed meanwhile; read it and try again", code="report_retry")
        nudge(self._queue, outbox)
        return closed

    @staticmethod
    def _message(report: a.Report, now: int) -> OutboxMessage:
        return OutboxMessage(report.tenant_id, a.outbox_id(report.id, a.KIND_RESOLVED), a.KIND_RESOLVED,
                             report.order_id, now)

    @staticmethod
    def _still_open(report: a.Report) -> None:
        if report.closed:
            raise Conflict(f"this report is already closed ({report.status}); it cannot be resolved again",
                           code="report_closed", param="report_id")

    def reports_of(self, *, tenant_id: str, order_id: str) -> builtins.list[a.Report]:
        return self._store.for_order(tenant_id=tenant_id, order_id=order_id)
