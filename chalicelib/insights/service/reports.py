"""The shop's daily, weekly and monthly reports: made on read from the rollups (the period's days and products, the
baseline weeks for anomalies, the funnel, the stock now), and, for each closed period, told once — e-mailed to the
staff who opted in and announced by a `report.ready` webhook — from the nightly run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.funnel import FunnelCounts
from chalicelib.insights.domain.reports import (
    DAILY,
    MONTHLY,
    PERIODS,
    WEEKLY,
    Report,
    baseline_bounds,
    build_report,
    period_bounds,
    previous_bounds,
)
from chalicelib.insights.domain.rollups import DayTotals, bucket, months_covering
from chalicelib.insights.service.report_mail import report_mail
from chalicelib.kernel.errors import InvalidRequest
from chalicelib.kernel.ports import Clock, EventPublisher, Mailer
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission

PAGE = 100
OLDEST_DAYS = 3 * 366


class Rollups(Protocol):
    def months(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]: ...
    def shop_days(self, tenant_id: str, first: date, last: date) -> list[DayTotals]: ...


class Funnel(Protocol):
    def counts(self, tenant_id: str, first: date, last: date, product_id: str | None = None) -> FunnelCounts: ...


class Stock(Protocol):
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...


class Subscriptions(Protocol):
    def kinds(self, tenant_id: str, user_id: str) -> set[str]: ...
    def save(self, tenant_id: str, user_id: str, kinds: set[str]) -> None: ...
    def subscribers(self, tenant_id: str, kind: str) -> list[str]: ...


class SentMarks(Protocol):
    def claim(self, tenant_id: str, kind: str, period: str, now: int) -> bool: ...
    def sent(self, tenant_id: str, kind: str, period: str) -> None: ...


class Staff(Protocol):
    def list(self, *, actor: Actor, tenant_id: str) -> list[Any]: ...


@dataclass(frozen=True)
class ReportView:
    report: Report
    names: dict[str, str]  # product id → name
    zone: str
    closed: bool  # the whole period is before today


class ReportService:
    def __init__(self, *, rollups: Rollups, funnel: Funnel, stock: Stock, subscriptions: Subscriptions,
                 marks: SentMarks, staff: Staff, events: EventPublisher, mailer: Mailer, tenants: TenantDirectory,
                 clock: Clock, base_url: str = "") -> None:
        self._rollups = rollups
        self._funnel = funnel
        self._stock = stock
        self._subscriptions = subscriptions
        self._marks = marks
        self._staff = staff
        self._events = events
        self._mailer = mailer
        self._tenants = tenants
        self._clock = clock
        self._base_url = base_url.rstrip("/")

    def report(self, *, actor: Actor, tenant_id: str, kind: str, day: date | None = None) -> ReportView:
        """The `kind` report of the period holding `day`; without a day, the last closed period (yesterday, last
        week, last month)."""
        actor.require(Permission.VIEW)
        if kind not in PERIODS:
            raise InvalidRequest(f"the report is one of {', '.join(PERIODS)}", param="kind")
        tenant = self._tenants.get(tenant_id=tenant_id)
        today = bucket(self._clock.now(), tenant.zone).day
        if day is None:
            day = period_bounds(kind, today)[0] - timedelta(days=1)
        elif day > today or day < today - timedelta(days=OLDEST_DAYS):
            raise InvalidRequest("date must be a shop day from three years ago to today", param="date")
        return self._build(tenant, kind, day, today)

    def _build(self, tenant: Tenant, kind: str, day: date, today: date) -> ReportView:
        first, last = period_bounds(kind, day)
        prev_first, prev_last = previous_bounds(kind, first)
        base_first, _ = baseline_bounds(first)
        shop = self._rollups.shop_days(tenant.id, min(base_first, prev_first), min(last, today))
        _, product_rows = self._rollups.months(tenant.id, months_covering(first, min(last, today)))
        stock, names = self._stock_now(tenant.id)
        made = build_report(kind, first, last,
                            shop_days=[d for d in shop if first <= d.day <= last],
                            product_days=[p for p in product_rows if first <= p.day <= last],
                            previous_days=[d for d in shop if prev_first <= d.day <= prev_last],
                            baseline_days=[d for d in shop if d.day < first],
                            stock=stock, funnel=self._funnel.counts(tenant.id, first, min(last, today)))
        # a day still running is no anomaly: its figures are not in yet
        made = replace(made, anomalies=[a for a in made.anomalies if a.day < today])
        return ReportView(made, names, tenant.zone, closed=last < today)

    def _stock_now(self, tenant_id: str) -> tuple[dict[str, int], dict[str, str]]:
        stock: dict[str, int] = {}
        names: dict[str, str] = {}
        cursor: str | None = None
        while True:
            page = self._stock.stock_summary(tenant_id=tenant_id, limit=PAGE, cursor=cursor)
            for product, level in page.items:
                stock[product.id] = int(level.available)
                names[product.id] = product.name
            cursor = page.next_cursor
            if cursor is None:
                return stock, names

    def subscribed(self, *, actor: Actor, tenant_id: str, user_id: str) -> set[str]:
        actor.require(Permission.VIEW)
        return self._subscriptions.kinds(tenant_id, user_id)

    def subscribe(self, *, actor: Actor, tenant_id: str, user_id: str, kinds: set[str]) -> set[str]:
        """The signed-in member's choice of report e-mails (theirs alone: `user_id` comes from the session)."""
        actor.require(Permission.VIEW)
        unknown = kinds - set(PERIODS)
        if unknown:
            raise InvalidRequest(f"reports are {', '.join(PERIODS)}", param="kinds")
        # the member's other e-mails (stock alerts) are chosen elsewhere and kept as they are
        others = self._subscriptions.kinds(tenant_id, user_id) - set(PERIODS)
        self._subscriptions.save(tenant_id, user_id, kinds | others)
        return kinds

    def send_due(self, tenant_id: str) -> list[str]:
        """From the nightly run: yesterday's daily report, last week's on Mondays, last month's on the 1st — each
        e-mailed to the members who opted in and announced by `report.ready`, once per period."""
        tenant = self._tenants.get(tenant_id=tenant_id)
        now = self._clock.now()
        today = bucket(now, tenant.zone).day
        due = [DAILY] + ([WEEKLY] if today.weekday() == 0 else []) + ([MONTHLY] if today.day == 1 else [])
        told = []
        for kind in due:
            first, _ = period_bounds(kind, today - timedelta(days=1))
            mark = f"report_{kind}"
            if not self._marks.claim(tenant_id, mark, first.isoformat(), now):
                continue
            view = self._build(tenant, kind, first, today)
            self._tell(tenant, view)
            self._marks.sent(tenant_id, mark, first.isoformat())
            told.append(kind)
        return told

    def _tell(self, tenant: Tenant, view: ReportView) -> None:
        r = view.report
        url = f"{self._base_url}/v1/reports/{r.kind}?date={r.first.isoformat()}"
        # the period names the event: a retry publishes the same one, never a second
        self._events.publish(tenant_id=tenant.id, type="report.ready", dedupe_key=f"report.ready:{r.kind}:{r.first}",
                             data={"object": "report", "kind": r.kind, "from": r.first.isoformat(),
                                   "to": r.last.isoformat(), "orders": r.orders, "revenue": dict(r.revenue),
                                   "anomalies": len(r.anomalies), "url": url})
        wanted = set(self._subscriptions.subscribers(tenant.id, r.kind))
        if not wanted:
            return
        members = {m.user_id: m.email for m in self._staff.list(actor=SYSTEM, tenant_id=tenant.id)}
        subject, text, html = report_mail(tenant, view, f"{self._base_url}/console/insights/reports?kind={r.kind}"
                                                        f"&date={r.first.isoformat()}")
        for user_id in sorted(wanted & set(members)):  # a member who left gets nothing
            self._mailer.send(to=members[user_id], subject=subject, text=text, html=html)
