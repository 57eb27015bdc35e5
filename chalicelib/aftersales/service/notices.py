"""After-sales outbox messages: the key.reported event, the merchant's alert and the buyer's outcome e-mail."""

from __future__ import annotations

import html
from typing import Any

from chalicelib.aftersales import domain as a
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.i18n import Translator
from chalicelib.kernel.ports import EventPublisher, Mailer, OutboxMessage
from chalicelib.sales.domain.models import Order
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory


def event_data(report: a.Report) -> dict[str, Any]:
    """What integrators hear: never a key, plain or encrypted. `status` is the report's status when filed."""
    return {"object": "key_report", "id": report.id, "order_id": report.order_id, "product_id": report.product_id,
            "key_index": report.key_index, "reason": report.reason,
            "status": a.REPLACED if report.resolution == a.AUTO_REPLACED else a.OPEN}


class AfterSalesNotices:
    """Runs before the notification service for each outbox message (which clears it). The event has a dedupe
    key, so a message handled twice publishes once; an e-mail may then go twice, never not at all."""

    def __init__(self, *, store: a.ReportStore, tenants: TenantDirectory,
                 events: EventPublisher, mailer: Mailer, public_base_url: str) -> None:
        self._store = store
        self._tenants = tenants
        self._events = events
        self._mailer = mailer
        self._base = public_base_url

    def on_outbox(self, message: OutboxMessage, order: Order | None) -> None:
        """`order` is the message's order as the handler read it, None when there is no such order."""
        if message.kind not in (a.KIND_REPORTED, a.KIND_RESOLVED):
            return
        report_id = a.report_id_of(message)
        if report_id is None or order is None:
            return
        try:
            report = self._store.in_order(tenant_id=message.tenant_id, order_id=message.order_id,
                                          report_id=report_id)
            tenant = self._tenants.get(tenant_id=message.tenant_id)
        except NotFound:
            return  # nothing to announce; the notification service clears the message
        if message.kind == a.KIND_REPORTED:
            self._events.publish(tenant_id=report.tenant_id, type="key.reported", data=event_data(report),
                                 dedupe_key=f"key.reported:{report.id}")
            if report.resolution != a.AUTO_REPLACED:
                self._alert_merchant(tenant, order, report)
        elif report.closed:
            self._tell_buyer(tenant, order, report)

    def _link(self, tenant: Tenant, order: Order) -> str:
        return f"{self._base}/s/{tenant.slug}/orders/{order.id}"

    def _alert_merchant(self, tenant: Tenant, order: Order, report: a.Report) -> None:
        t = Translator(tenant.locale)
        subject = t("after_sales.alert.subject", order_id=order.id)
        lines = [t("after_sales.alert.intro", product=order.product_name, order_id=order.id),
                 t("after_sales.alert.reason", reason=t(f"after_sales.reason.{report.reason}")),
                 t("after_sales.alert.why", why=t(f"after_sales.review.{report.review_reason or a.POLICY_MANUAL}")),
                 t("after_sales.alert.buyer", email=order.email)]
        if report.note:
            lines.append(t("after_sales.alert.note", note=report.note))
        lines.append(t("after_sales.alert.action", report_id=report.id))
        self._send(order_to=tenant.email, subject=subject, lines=lines)

    def _tell_buyer(self, tenant: Tenant, order: Order, report: a.Report) -> None:
        t = Translator(order.locale)
        subject = t("after_sales.outcome.subject", order_id=order.id)
        lines = [t(f"after_sales.outcome.{report.resolution or a.REJECTED}", shop=tenant.name,
                   product=order.product_name)]
        if report.message:
            lines.append(t("after_sales.outcome.message", message=report.message))
        lines.append(t("after_sales.outcome.link", link=self._link(tenant, order)))
        self._send(order_to=order.email, subject=subject, lines=lines)

    def _send(self, *, order_to: str, subject: str, lines: list[str]) -> None:
        text = "\n\n".join(lines) + "\n"
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)  # every value escaped, no markup from users
        self._mailer.send(to=order_to, subject=subject, text=text, html=body)
