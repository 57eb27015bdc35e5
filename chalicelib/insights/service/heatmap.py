"""The weekday × hour map over whole weeks of the shop's own zone, with its peaks: the shop's day rows only."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from chalicelib.insights.domain.heatmap import MAX_WEEKS, MIN_WEEKS, Heatmap, heatmap, window
from chalicelib.insights.domain.rollups import DayTotals, bucket
from chalicelib.kernel.errors import InvalidRequest
from chalicelib.kernel.ports import Clock
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission


class ShopDays(Protocol):
    def shop_days(self, tenant_id: str, first: date, last: date) -> list[DayTotals]: ...


class HeatmapService:
    def __init__(self, *, store: ShopDays, tenants: TenantDirectory, clock: Clock) -> None:
        self._store = store
        self._tenants = tenants
        self._clock = clock

    def heatmap(self, *, actor: Actor, tenant_id: str, weeks: int) -> tuple[Heatmap, str]:
        """The map over the `weeks` whole weeks ending today and the shop's zone it is drawn in; one Query per
        month covered, whatever the number of orders."""
        actor.require(Permission.VIEW)
        if not MIN_WEEKS <= weeks <= MAX_WEEKS:
            raise InvalidRequest(f"weeks must be a whole number from {MIN_WEEKS} to {MAX_WEEKS}", param="weeks")
        tenant = self._tenants.get(tenant_id=tenant_id)
        today = bucket(self._clock.now(), tenant.zone).day
        first, last = window(today, weeks)
        return heatmap(self._store.shop_days(tenant_id, first, last), today, weeks), tenant.zone
