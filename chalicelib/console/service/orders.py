"""The order desk: find an order by number, buyer e-mail or key, and see its whole chain on one page (what the
brief calls answering a support question in 5 minutes instead of checking several systems)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.kernel.activity import ActivityLog
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ports import Page
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import BUYER_MAIL_KINDS, OrderQuery, mail_outbox_id
from chalicelib.tenancy.domain.roles import Actor, Permission


class Orders(Protocol):
    def get(self, *, tenant_id: str, order_id: str) -> Order: ...
    def search(self, *, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Page: ...


class KeyFinder(Protocol):
    def find_by_value(self, *, tenant_id: str, value: str) -> list[Any]: ...


class OrderReports(Protocol):
    def reports_of(self, *, tenant_id: str, order_id: str) -> list[Any]: ...


class OrderEvents(Protocol):
    def for_order(self, *, tenant_id: str, order_id: str) -> list[tuple[Any, list[Any]]]: ...


class SentMail(Protocol):
    def mailed(self, *, tenant_id: str, outbox_ids: Sequence[str]) -> dict[str, int]: ...


@dataclass(frozen=True)
class Step:
    """One thing that happened to an order: when, what (a message id: console.chain.<kind>), its details."""

    at: int
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chain:
    order: Order
    steps: list[Step]
    reports: list[Any]


class OrderDesk:
    def __init__(self, *, orders: Orders, keys: KeyFinder, reports: OrderReports, events: OrderEvents,
                 activity: ActivityLog, mail: SentMail) -> None:
        self._orders = orders
        self._mail = mail
        self._keys = keys
        self._reports = reports
        self._events = events
        self._activity = activity

    def find(self, *, actor: Actor, tenant_id: str, text: str, status: str | None, limit: int,
             cursor: str | None) -> Page:
        """One box for everything: `ord_...` is an order number, an address with @ a buyer, anything else a key
        (found by its fingerprint: the pools are never decrypted). Empty: the newest orders."""
        actor.require(Permission.VIEW)
        text = text.strip()
        wanted = OrderStatus(status) if status in {s.value for s in OrderStatus} else None
        if text.startswith("ord_"):
            try:
                return Page([self._orders.get(tenant_id=tenant_id, order_id=text)], None)
            except NotFound:
                return Page([], None)
        if "@" in text:
            return self._orders.search(tenant_id=tenant_id, query=OrderQuery(email=text.lower(), status=wanted),
                                       limit=limit, cursor=cursor)
        if text:
            found = []
            for key in self._keys.find_by_value(tenant_id=tenant_id, value=text):
                if key.order_id:
                    try:
                        found.append(self._orders.get(tenant_id=tenant_id, order_id=key.order_id))
                    except NotFound:
                        continue
            return Page(found, None)
        return self._orders.search(tenant_id=tenant_id, query=OrderQuery(status=wanted), limit=limit, cursor=cursor)

    def chain(self, *, actor: Actor, tenant_id: str, order_id: str) -> Chain:
        """The order and everything that happened to it, oldest first: a fixed handful of reads."""
        actor.require(Permission.VIEW)
        if not order_id.startswith("ord_") or len(order_id) > 64:
            raise NotFound("no such order")
        order = self._orders.get(tenant_id=tenant_id, order_id=order_id)
        steps = [Step(order.created_at, "created", {"quantity": order.quantity})]
        if order.risk_decision:  # the risk rules' decision at checkout, its reasons listed by the page
            steps.append(Step(order.created_at, "risk", {"score": order.risk_score, "decision": order.risk_decision}))
        steps.append(Step(order.created_at, "reserved", {"count": len(order.keys) or order.quantity,
                                                         "until": order.expires_at}))
        if order.status == OrderStatus.REJECTED:
            steps.append(Step(order.created_at, "rejected", {}))
        if order.paid_at:
            steps.append(Step(order.paid_at, "paid", {"intent": order.payment_intent_id or ""}))
        if order.delivered_at:
            steps.append(Step(order.delivered_at, "delivered", {"count": len(order.keys)}))
        if order.status == OrderStatus.EXPIRED:
            steps.append(Step(order.expires_at, "expired", {}))
        if order.status == OrderStatus.FAILED:
            steps.append(Step(order.paid_at or order.expires_at, "failed", {"reason": order.failure_reason or ""}))
        if order.refunded_at:
            steps.append(Step(order.refunded_at, "refunded", {"reason": order.failure_reason or ""}))
        for event, deliveries in self._events.for_order(tenant_id=tenant_id, order_id=order.id):
            steps.append(Step(event.created_at, "event", {"type": event.type, "id": event.id}))
            for delivery in deliveries:
                for attempt in delivery.attempts:
                    steps.append(Step(attempt.at, "webhook", {"type": event.type, "endpoint": delivery.endpoint_id,
                                                              "status": attempt.status_code or attempt.error or "",
                                                              "outcome": attempt.outcome,
                                                              "ms": attempt.duration_ms}))
        sent = self._mail.mailed(tenant_id=tenant_id,
                                 outbox_ids=[mail_outbox_id(order.id, k) for k in BUYER_MAIL_KINDS])
        for kind in BUYER_MAIL_KINDS:
            at = sent.get(mail_outbox_id(order.id, kind))
            if at is not None:
                steps.append(Step(at, "mailed_" + kind.removeprefix("order_"), {"to": order.email}))
        reports = self._reports.reports_of(tenant_id=tenant_id, order_id=order.id)
        for report in reports:
            steps.append(Step(report.created_at, "reported", {"index": report.key_index + 1, "reason": report.reason}))
            if report.resolved_at:
                steps.append(Step(report.resolved_at, "resolved", {"index": report.key_index + 1,
                                                                   "resolution": report.resolution or ""}))
        for entry in self._activity.for_target(tenant_id=tenant_id, target=order.id):
            steps.append(Step(entry.at, "staff", {"who": entry.actor_name, "action": entry.action}))
        order_of_kinds = {k: i for i, k in enumerate(("created", "reserved", "paid", "delivered", "refunded", "event",
                                                        "webhook", "mailed_delivered", "mailed_refunded"))}
        steps.sort(key=lambda s: (s.at, order_of_kinds.get(s.kind, 9)))
        return Chain(order=order, steps=steps, reports=reports)
