"""What will run out and when: the nightly forecasts of every product that sells, and their reading against the
stock available now (a page of products, their live stock, the stored outlooks: a few reads, no forecasting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.forecast import Forecast, forecast
from chalicelib.insights.domain.rollups import DayTotals, bucket, months_covering
from chalicelib.insights.domain.settings import InsightSettings
from chalicelib.insights.domain.stock_outlook import (
    HISTORY_DAYS,
    SHOWN_DAYS,
    Outlook,
    StockOutlook,
    daily_units,
    outlook_of,
    urgency,
)
from chalicelib.insights.service.holiday_calendar import holidays_for
from chalicelib.kernel.ports import Clock, Page
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

HORIZON = 14


class OutlookStore(Protocol):
    def save(self, tenant_id: str, day: date, outlooks: list[Outlook]) -> None: ...
    def load(self, tenant_id: str) -> tuple[date | None, dict[str, Outlook]]: ...


class Rollups(Protocol):
    def summary(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]: ...


class Stock(Protocol):
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...


class Levels(Protocol):
    def stock_many(self, *, tenant_id: str, products: list[tuple[str, int]]) -> Any: ...


class Products(Protocol):
    def get(self, *, tenant_id: str, product_id: str) -> Any: ...


class Settings(Protocol):
    def settings(self, tenant_id: str) -> InsightSettings: ...


@dataclass(frozen=True)
class ProductForecast:
    product: Any
    available: int
    outlook: StockOutlook
    forecast: Forecast | None  # seen from today; None when the product has not sold
    recent: tuple[int, ...]  # the closed days before the forecast, oldest first
    computed_on: date | None


class StockOutlookService:
    def __init__(self, *, store: OutlookStore, rollups: Rollups, stock: Stock, levels: Levels, products: Products,
                 tenants: TenantDirectory, settings: Settings, clock: Clock) -> None:
        self._store = store
        self._settings = settings
        self._rollups = rollups
        self._stock = stock
        self._levels = levels
        self._products = products
        self._tenants = tenants
        self._clock = clock

    def refresh(self, tenant_id: str) -> int:
        """The nightly forecast of every product sold in the last six months, from the product months of the
        rollups (one Query per month); returns how many were forecast."""
        tenant = self._tenants.get(tenant_id=tenant_id)
        today = bucket(self._clock.now(), tenant.zone).day
        last = today - timedelta(days=1)  # the last whole day
        first = last - timedelta(days=HISTORY_DAYS - 1)
        _, product_days = self._rollups.summary(tenant_id, months_covering(first, last))
        holidays = holidays_for(tenant.zone, first, today + timedelta(days=HORIZON))
        outlooks = [Outlook(pid, tuple(units[-SHOWN_DAYS:]), forecast(units, last, horizon=HORIZON,
                                                                       holidays=holidays))
                    for pid, units in sorted(daily_units(product_days, last).items())]
        self._store.save(tenant_id, today, outlooks)
        return len(outlooks)

    def stock(self, *, actor: Actor, tenant_id: str, limit: int = 100,
              cursor: str | None = None) -> tuple[date | None, Page]:
        """A page of products (catalogue order) with their outlook against the stock now: (Product, StockOutlook)."""
        actor.require(Permission.VIEW)
        computed_on, outlooks = self._store.load(tenant_id)
        today = self._today(tenant_id)
        settings = self._settings.settings(tenant_id)
        page = self._stock.stock_summary(tenant_id=tenant_id, limit=limit, cursor=cursor)
        rows = [(product, outlook_of(product.id, int(level.available), outlooks.get(product.id), today, settings))
                for product, level in page.items]
        return computed_on, Page(rows, page.next_cursor)

    def needing_keys(self, *, actor: Actor, tenant_id: str) -> tuple[date | None, list[tuple[Any, StockOutlook]]]:
        """The shop's first products (up to 100) ordered by urgency: what to reorder first."""
        computed_on, page = self.stock(actor=actor, tenant_id=tenant_id, limit=100)
        rows = [(p, o) for p, o in page.items if not p.archived]
        return computed_on, sorted(rows, key=lambda row: urgency(row[1]))

    def product(self, *, actor: Actor, tenant_id: str, product_id: str) -> ProductForecast:
        actor.require(Permission.VIEW)
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)  # 404 for another shop's
        computed_on, outlooks = self._store.load(tenant_id)
        levels = self._levels.stock_many(tenant_id=tenant_id, products=[(product.id, product.shards)])
        level = levels.get(product.id)
        available = int(level.available) if level is not None else 0
        today = self._today(tenant_id)
        found = outlooks.get(product.id)
        settings = self._settings.settings(tenant_id)
        return ProductForecast(product, available, outlook_of(product.id, available, found, today, settings),
                               found.from_day(today) if found else None, found.recent if found else (), computed_on)

    def _today(self, tenant_id: str) -> date:
        return bucket(self._clock.now(), self._tenants.get(tenant_id=tenant_id).zone).day
