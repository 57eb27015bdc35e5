"""The stock alert check of one shop (a per-shop job): each product on sale against its safety line, told by
webhook and e-mail when it gets worse or stays low past the cooldown; running it twice tells nothing twice."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.insights.domain.dashboard import ProductSums
from chalicelib.insights.domain.rollups import bucket
from chalicelib.insights.domain.settings import InsightSettings
from chalicelib.insights.domain.stock_alerts import OUT, AlertState, StockReading, event_data, next_state
from chalicelib.kernel.i18n import Translator
from chalicelib.kernel.ports import Clock, EventPublisher, Mailer
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import SYSTEM

log = logging.getLogger(__name__)
PAGE = 100


class AlertStore(Protocol):
    def states(self, tenant_id: str) -> dict[str, AlertState]: ...
    def save(self, tenant_id: str, new: AlertState, previous: AlertState | None) -> bool: ...
    def sent(self, tenant_id: str, state: AlertState, channel: str) -> AlertState: ...


class Figures(Protocol):
    def figures(self, tenant_id: str, today: Any, window: int) -> tuple[Any, dict[str, ProductSums]]: ...


class Settings(Protocol):
    def settings(self, tenant_id: str) -> InsightSettings: ...
    def alert_members(self, tenant_id: str) -> list[str]: ...


class Staff(Protocol):
    def list(self, *, actor: Any, tenant_id: str) -> list[Any]: ...


class Stock(Protocol):
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
                      archived: bool | None = None, consistent: bool = True) -> Any: ...


@dataclass(frozen=True)
class CheckReport:
    products: int  # on sale and checked
    told: int  # tellings made by this run
    webhooks: int  # events published (this run's and any a failed run left)
    mails: int  # e-mails sent: one per recipient (the shop's address, members who asked), per run at most


class StockAlertService:
    def __init__(self, *, store: AlertStore, figures: Figures, stock: Stock, tenants: TenantDirectory,
                 settings: Settings, staff: Staff, events: EventPublisher, mailer: Mailer, clock: Clock) -> None:
        self._store = store
        self._settings = settings
        self._staff = staff
        self._figures = figures
        self._stock = stock
        self._tenants = tenants
        self._events = events
        self._mailer = mailer
        self._clock = clock

    def check(self, tenant_id: str) -> CheckReport:
        """Reads the rollups' sums (the dashboard's digest and today), every product's stock (a page of 100 per
        request set) and the alert states; writes only the states that change."""
        tenant = self._tenants.get(tenant_id=tenant_id)
        now = self._clock.now()
        settings = self._settings.settings(tenant_id)
        _, sums = self._figures.figures(tenant_id, bucket(now, tenant.zone).day, settings.safety_window_days)
        readings = {r.product_id: r for r in self._readings(tenant_id, sums, settings)}
        states = self._store.states(tenant_id)
        told = 0
        for pid, reading in readings.items():
            previous = states.get(pid)
            new = next_state(previous or AlertState(pid), reading, now)
            if new is not None and self._store.save(tenant_id, new, previous):
                told += new.version != (previous.version if previous else 0)
                states[pid] = new
        due = [(readings[pid], s) for pid, s in sorted(states.items()) if s.pending and pid in readings]
        webhooks = 0
        for reading, state in due:
            if "webhook" in state.pending:
                kind = "stock.out" if state.level == OUT else "stock.low"
                # the telling's version names it: a retry publishes the same event, never a second one
                self._events.publish(tenant_id=tenant_id, type=kind, data=event_data(reading, state.level),
                                     dedupe_key=f"{kind}:{reading.product_id}:alert-{state.version}")
                states[reading.product_id] = self._store.sent(tenant_id, state, "webhook")
                webhooks += 1
        mail = [(r, states[r.product_id]) for r, _ in due if "mail" in states[r.product_id].pending]
        sent = 0
        if mail:
            sent = self._mail(tenant, settings, [(r, s.level) for r, s in mail])
            for _, state in mail:
                self._store.sent(tenant_id, state, "mail")
        return CheckReport(len(readings), told, webhooks, sent)

    def _recipients(self, tenant: Tenant, settings: InsightSettings) -> list[str]:
        """The shop's address (unless the shop turned it off) and each member who asked and is still on the staff."""
        to = [tenant.email] if settings.alert_shop_email else []
        wanted = set(self._settings.alert_members(tenant.id))
        if wanted:
            members = {m.user_id: m.email for m in self._staff.list(actor=SYSTEM, tenant_id=tenant.id)}
            to += [members[u] for u in sorted(wanted & set(members)) if members[u] not in to]
        return to

    def _readings(self, tenant_id: str, sums: dict[str, ProductSums],
                  settings: InsightSettings) -> list[StockReading]:
        out: list[StockReading] = []
        cursor: str | None = None
        while True:
            # an hourly check may read stock a second old: eventually consistent, half the read units (a thousand
            # products' shard counters are ~5,000 items a run)
            page = self._stock.stock_summary(tenant_id=tenant_id, limit=PAGE, cursor=cursor, archived=False,
                                             consistent=False)
            out += [StockReading(p.id, p.name, level.available, level.sold,
                                 sums[p.id].recent_units if p.id in sums else 0, settings)
                    for p, level in page.items if p.active]
            cursor = page.next_cursor
            if cursor is None:
                return out

    def _mail(self, tenant: Tenant, settings: InsightSettings, alerts: list[tuple[StockReading, str]]) -> int:
        """One e-mail per run and recipient, most urgent first, in the shop's language; how many went."""
        recipients = self._recipients(tenant, settings)
        if not recipients:
            return 0
        t = Translator(tenant.locale)
        order = {"out": 0, "critical": 1, "low": 2}
        alerts = sorted(alerts, key=lambda a: (order[a[1]], a[0].days_left or 0, a[0].name))
        lines = [t("insights.alert.intro", shop=tenant.name, count=len(alerts))]
        for reading, level in alerts:
            if level == OUT:
                lines.append(t("insights.alert.out", product=reading.name))
            else:
                lines.append(t(f"insights.alert.{level}", product=reading.name, available=reading.available,
                               days=reading.days_left, line=reading.line))
        lines.append(t("insights.alert.action"))
        text = "\n\n".join(lines) + "\n"
        body = (f'<!doctype html><html lang="{t.html_lang}"><body><p>{html.escape(lines[0])}</p><ul>'
                + "".join(f"<li>{html.escape(line)}</li>" for line in lines[1:-1])
                + f"</ul><p>{html.escape(lines[-1])}</p></body></html>")
        for to in recipients:
            self._mailer.send(to=to, subject=t("insights.alert.subject", count=len(alerts)), text=text, html=body)
        return len(recipients)
