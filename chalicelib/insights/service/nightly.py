"""The nightly per-shop job: demand forecasts (from the rollups), then segments and co-purchase rules (from one read
of the shop's buyer aggregates).

It runs from the hourly per-shop fan-out and does its work on the first run of each shop day (just after the
shop's midnight, so the day before is whole); again the same day it does nothing, so a redelivered message or a
second fan-out costs one read. `force` runs it regardless (the local stack's first tick, a merchant's "recompute")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.insights.domain.buyers import BuyerTotals, main_currency
from chalicelib.insights.domain.copurchase import Rule, rules
from chalicelib.insights.domain.rollups import bucket
from chalicelib.insights.domain.segments import SEGMENTS, SegmentRules, csv_rows, segment_all
from chalicelib.insights.domain.settings import InsightSettings
from chalicelib.kernel.ports import Clock
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission


class BuyerSource(Protocol):
    def buyers(self, tenant_id: str) -> list[BuyerTotals]: ...


class Settings(Protocol):
    def settings(self, tenant_id: str) -> InsightSettings: ...


class Forecasts(Protocol):
    def refresh(self, tenant_id: str) -> int: ...


class Digests(Protocol):
    def weekly(self, tenant_id: str) -> bool: ...


class Reports(Protocol):
    def send_due(self, tenant_id: str) -> list[str]: ...


class NightlyStore(Protocol):
    def latest(self, tenant_id: str) -> dict[str, object] | None: ...
    def save_run(self, tenant_id: str, *, day: object, now: int, currency: str, thresholds: dict[str, int],
                 sizes: dict[str, int], members: dict[str, list[list[str]]]) -> None: ...
    def save_rules(self, tenant_id: str, *, day: object, found: dict[str, list[Rule]]) -> None: ...


@dataclass(frozen=True)
class NightlyReport:
    ran: bool  # False: this shop day's run was made already
    day: str
    buyers: int = 0
    sizes: dict[str, int] | None = None
    rules: int = 0
    forecasts: int = 0
    digest_sent: bool = False
    reports: tuple[str, ...] = ()  # the reports told this run (daily; weekly on Mondays; monthly on the 1st)


class NightlyService:
    def __init__(self, *, buyers: BuyerSource, store: NightlyStore, forecasts: Forecasts, tenants: TenantDirectory,
                 clock: Clock, settings: Settings, digests: Digests | None = None,
                 reports: Reports | None = None) -> None:
        self._buyers = buyers
        self._settings = settings
        self._forecasts = forecasts
        self._digests = digests
        self._reports = reports
        self._store = store
        self._tenants = tenants
        self._clock = clock

    def recompute(self, *, actor: Actor, tenant_id: str) -> NightlyReport:
        """A merchant's "recompute now" (after a history import, say): the same run, whatever ran today."""
        actor.require(Permission.VIEW)
        return self.run(tenant_id, force=True)

    def run(self, tenant_id: str, *, force: bool = False) -> NightlyReport:
        tenant = self._tenants.get(tenant_id=tenant_id)
        now = self._clock.now()
        today = bucket(now, tenant.zone).day
        latest = self._store.latest(tenant_id)
        if latest is not None and latest.get("day") == today.isoformat() and not force:
            return NightlyReport(ran=False, day=today.isoformat())
        totals = [t for t in self._buyers.buyers(tenant_id) if t.last_at]  # a buyer whose times are still moving
        currency = main_currency(totals)
        summaries = [t.in_currency(currency) for t in totals]
        chosen = self._settings.settings(tenant_id)
        segment_rules = SegmentRules.for_currency(currency, chosen.whale_monthly, chosen.regular_monthly)
        found = segment_all(summaries, today, tenant.zone, segment_rules)
        emails = {t.buyer: t.email for t in totals}
        members = {segment: csv_rows(found, segment, emails)[1:] for segment in SEGMENTS}
        thresholds = {"whale_monthly": segment_rules.whale_monthly, "regular_monthly": segment_rules.regular_monthly,
                      "dormant_days": segment_rules.dormant_days, "new_days": segment_rules.new_days}
        # forecasts and rules first: the segment run's pointer is what says "done for today"
        forecast_count = self._forecasts.refresh(tenant_id)
        co_bought = rules(t.products for t in totals)
        self._store.save_rules(tenant_id, day=today, found=co_bought)
        # Monday's run carries the weekly slow-mover digest, which marks its own week (a forced run sends nothing
        # twice); before the pointer, so a failed e-mail makes the queue retry the run, and the digest with it
        digest_sent = self._digests.weekly(tenant_id) if self._digests is not None else False
        reports = self._reports.send_due(tenant_id) if self._reports is not None else []  # the day before is closed
        self._store.save_run(tenant_id, day=today, now=now, currency=currency, thresholds=thresholds,
                             sizes=found.sizes, members=members)
        return NightlyReport(ran=True, day=today.isoformat(), buyers=len(totals), sizes=found.sizes,
                             digest_sent=digest_sent, reports=tuple(reports),
                             rules=sum(len(r) for r in co_bought.values()), forecasts=forecast_count)
