"""The cockpit: one screen a merchant leaves open — today's sales by hour, the top products today, the products that
need keys, and today's funnel — read in a handful of requests and kept a few seconds per server, so a wall screen
polling every 15 s costs one read set per shop and interval, whatever the number of screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from chalicelib.insights.domain.funnel import CHECKOUT, PAID, PAY, PRODUCT, SHOP, FunnelCounts
from chalicelib.insights.domain.rollups import DayTotals, bucket
from chalicelib.kernel.ports import Clock
from chalicelib.kernel.recent import Recent
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission

TOP = 5
WARNINGS = 6


class TodayRows(Protocol):
    def today(self, tenant_id: str, day: date) -> tuple[Any, DayTotals | None, list[DayTotals]]: ...


class FunnelCountsReader(Protocol):
    def counts(self, tenant_id: str, first: date, last: date, product_id: str | None = None) -> FunnelCounts: ...


class Outlook(Protocol):
    def needing_keys(self, *, actor: Actor, tenant_id: str) -> tuple[date | None, list[tuple[Any, Any]]]: ...


@dataclass(frozen=True)
class Cockpit:
    day: date
    zone: str
    at: int
    orders: int
    units: int
    refunds: int
    revenue: dict[str, int]
    hours: tuple[int, ...]  # orders per hour of today
    top: list[tuple[str, str, int, dict[str, int]]]  # (product id, name, units, revenue) today, most units first
    warnings: list[tuple[str, str, int, date | None, int]]  # (id, name, available, runs out on, reorder 14 d)
    funnel: dict[str, int]  # today's count per step


class CockpitService:
    def __init__(self, *, rollups: TodayRows, funnel: FunnelCountsReader, outlook: Outlook, tenants: TenantDirectory,
                 clock: Clock, recent_seconds: float = 0) -> None:
        self._rollups = rollups
        self._funnel = funnel
        self._outlook = outlook
        self._tenants = tenants
        self._clock = clock
        self._recent: Recent[Cockpit] = Recent(recent_seconds)

    def now(self, *, actor: Actor, tenant_id: str) -> Cockpit:
        actor.require(Permission.VIEW)
        tenant = self._tenants.get(tenant_id=tenant_id)
        today = bucket(self._clock.now(), tenant.zone).day
        return self._recent.get((tenant_id, today), lambda: self._read(tenant_id, tenant.zone, today))

    def _read(self, tenant_id: str, zone: str, today: date) -> Cockpit:
        _, shop_row, product_rows = self._rollups.today(tenant_id, today)  # one BatchGet, one Query
        shop = shop_row or DayTotals(day=today)
        _, rows = self._outlook.needing_keys(actor=SYSTEM, tenant_id=tenant_id)
        names = {p.id: p.name for p, _ in rows}
        top = sorted(((p.product_id or "", names.get(p.product_id or "", p.product_id or ""), p.units, dict(p.revenue))
                      for p in product_rows if p.units), key=lambda x: (-x[2], x[1]))[:TOP]
        warnings = [(p.id, p.name, o.available, o.stockout_on, o.reorder_14) for p, o in rows if o.warning][:WARNINGS]
        counts = self._funnel.counts(tenant_id, today, today)
        funnel = {step: counts.step(step) for step in (SHOP, PRODUCT, CHECKOUT, PAY, PAID)}
        return Cockpit(today, zone, self._clock.now(), shop.orders, shop.units, shop.refunds, dict(shop.revenue),
                       shop.hours, top, warnings, funnel)

