"""Buyer e-mails from outbox messages, in the buyer's language: the keys and the order link, or the refund notice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.kernel.errors import DomainError, NotFound
from chalicelib.kernel.i18n import Translator
from chalicelib.kernel.ports import Clock, Mailer, Outbox, OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.ports import OrderStore
from chalicelib.sales.service import buyer_mail
from chalicelib.sales.service.orders import OrderService
from chalicelib.storefront.domain.lookup import OrderLinks, order_path
from chalicelib.tenancy.domain.ports import TenantDirectory


class NotificationService:
    def __init__(self, *, tenants: TenantDirectory, orders: OrderStore, order_service: OrderService, outbox: Outbox,
                 mailer: Mailer, clock: Clock, public_base_url: str, links: OrderLinks | None = None) -> None:
        self._tenants = tenants
        self._orders = orders
        self._order_service = order_service
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._base = public_base_url
        self._links = links  # None only in old tests: the mail then links the page without its token

    def deliver(self, message: OutboxMessage) -> None:
        """Send the mail for one outbox message, then clear it; a failure leaves it for a retry."""
        try:
            order: Order | None = self._orders.get(tenant_id=message.tenant_id, order_id=message.order_id)
        except NotFound:
            order = None
        self.send(message, order)

    def send(self, message: OutboxMessage, order: Order | None) -> None:
        """`deliver` with the message's order already read (None: no such order). Kinds this service does not
        mail (other areas' kinds included) are cleared untouched."""
        mail = self._mail_for(message, order)
        if mail is not None and order is not None:
            self._mailer.send(to=order.email, subject=mail.subject, text=mail.text, html=mail.html)
        self._outbox.mark_done(message, now=self._clock.now(), mailed=mail is not None and order is not None)

    def send_many(self, handled: Sequence[tuple[OutboxMessage, Order | None]]) -> dict[str, Exception]:
        """`send` for a queue batch: each mail on its own, the messages with nothing to mail cleared in one
        write. The failures by outbox id (left for a retry)."""
        failed: dict[str, Exception] = {}
        done: list[OutboxMessage] = []
        mailed: set[str] = set()
        for message, order in handled:
            try:
                mail = self._mail_for(message, order)
                if mail is not None and order is not None:
                    self._mailer.send(to=order.email, subject=mail.subject, text=mail.text, html=mail.html)
                    mailed.add(message.id)
                done.append(message)
            except Exception as exc:  # this buyer's mail alone waits for a retry (a template bug included)
                failed[message.id] = exc
        if done:
            try:
                self._outbox.mark_done_many(done, now=self._clock.now(), mailed=mailed)  # one write for the batch
            except DomainError:
                for message in done:  # one by one: a clear that fails alone brings back only its own mail
                    try:
                        self._outbox.mark_done(message, now=self._clock.now(), mailed=message.id in mailed)
                    except DomainError as exc:
                        failed[message.id] = exc
        return failed

    def _mail_for(self, message: OutboxMessage, order: Order | None) -> buyer_mail.Mail | None:
        """The buyer's e-mail this message calls for, or None (no such order or shop, or nothing to mail)."""
        try:
            if order is None:
                raise NotFound("no such order")
            tenant = self._tenants.get(tenant_id=message.tenant_id)
        except NotFound:
            return None
        t = Translator(order.locale)
        if message.kind == "order_delivered" and order.status == OrderStatus.DELIVERED:
            keys = self._order_service.reveal(tenant=tenant, order=order)
            return buyer_mail.delivered(t, tenant=tenant, order=order, keys=keys, order_url=self._url(tenant, order))
        if message.kind == "order_refunded":
            return buyer_mail.refunded(t, tenant=tenant, order=order)
        if message.kind in ("order_approved", "order_rejected"):
            approved = message.kind == "order_approved"
            if order.status != (OrderStatus.PENDING if approved else OrderStatus.REJECTED):
                return None  # decided otherwise since (paid already, or lapsed): that mail would mislead
            return buyer_mail.reviewed(t, tenant=tenant, order=order, approved=approved,
                                       order_url=self._url(tenant, order))
        return None

    def _url(self, tenant: Any, order: Order) -> str:
        if self._links is not None:
            return self._base + order_path(tenant.slug, order.id, self._links.token(tenant, order.id))
        return f"{self._base}/s/{tenant.slug}/orders/{order.id}"
