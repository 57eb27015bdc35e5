"""The dashboard's numbers, computed from day rollups only: today against yesterday and the same weekday last week,
30 days of revenue, top products, stock below its safety line, new and returning buyers, the weekday × hour map."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .heatmap import Peak, grid_of, peaks
from .heatmap import window as heatmap_window
from .rollups import DayTotals
from .settings import InsightSettings

SERIES_DAYS = 30
HEATMAP_WEEKS = 4
SAFETY_WINDOW_DAYS = InsightSettings().safety_window_days  # average daily units over this many days (the default)
TOP = 10


@dataclass(frozen=True)
class Compared:
    """A figure today with the same figure yesterday and on the same weekday last week."""

    today: int
    yesterday: int
    last_week: int

    @staticmethod
    def change(now: int, before: int) -> float | None:
        """The change in percent, None when there is nothing to compare with."""
        return None if before == 0 else round((now - before) * 100 / before, 1)

    @property
    def vs_yesterday(self) -> float | None:
        return self.change(self.today, self.yesterday)

    @property
    def vs_last_week(self) -> float | None:
        return self.change(self.today, self.last_week)


@dataclass(frozen=True)
class ProductLine:
    product_id: str
    orders: int
    units: int
    revenue: dict[str, int]


@dataclass(frozen=True)
class StockWarning:
    product_id: str
    available: int
    safety_line: int
    daily_units: float  # average over the window

    @property
    def days_left(self) -> float | None:
        return None if self.daily_units <= 0 else round(self.available / self.daily_units, 1)


@dataclass(frozen=True)
class Dashboard:
    today: date
    currencies: tuple[str, ...]  # the ones seen in the last 30 days, most revenue first
    revenue: dict[str, Compared]
    orders: Compared
    units: Compared
    refunds: Compared
    series: list[tuple[date, dict[str, int], int]]  # day, revenue per currency, orders; oldest first
    top_products: list[ProductLine]
    stock_warnings: list[StockWarning]
    new_buyers: int  # over the 30 days: buyers whose first paid order it was
    returning_orders: int  # orders from buyers who had paid before
    heatmap: list[list[int]] = field(default_factory=list)  # [weekday 0=Mon][hour] orders over 4 weeks
    peaks: list[Peak] = field(default_factory=list)  # the heatmap's peak windows, strongest first


@dataclass(frozen=True)
class ProductSums:
    """A product's sales over the dashboard's windows: orders, units and revenue over the 30 days, units over the
    shop's safety window (14 days unless the shop chose another). Sums add up, so closed days and today can be
    counted apart."""

    orders: int = 0
    units: int = 0
    revenue: dict[str, int] = field(default_factory=dict)
    recent_units: int = 0

    def plus(self, other: ProductSums) -> ProductSums:
        revenue = dict(self.revenue)
        for cur, amount in other.revenue.items():
            revenue[cur] = revenue.get(cur, 0) + amount
        return ProductSums(self.orders + other.orders, self.units + other.units, revenue,
                           self.recent_units + other.recent_units)


def product_sums(product_days: Sequence[DayTotals], today: date,
                 window: int = SAFETY_WINDOW_DAYS) -> dict[str, ProductSums]:
    """Each product's sums over the windows ending `today` (`window`: the safety window's days, at most the 30),
    from its day rows (rows outside them are ignored)."""
    first, recent = today - timedelta(days=SERIES_DAYS - 1), today - timedelta(days=min(window, SERIES_DAYS) - 1)
    sums: dict[str, ProductSums] = {}
    for row in product_days:
        if row.product_id is None or not first <= row.day <= today:
            continue
        day = ProductSums(row.orders, row.units, dict(row.revenue), row.units if row.day >= recent else 0)
        sums[row.product_id] = sums[row.product_id].plus(day) if row.product_id in sums else day
    return sums


def merged(*parts: Mapping[str, ProductSums]) -> dict[str, ProductSums]:
    out: dict[str, ProductSums] = {}
    for part in parts:
        for pid, sums in part.items():
            out[pid] = out[pid].plus(sums) if pid in out else sums
    return out


def build(*, today: date, days: Sequence[DayTotals], products: Mapping[str, ProductSums],
          stock: Mapping[str, int], settings: InsightSettings | None = None) -> Dashboard:
    """`days`: the shop's day rows, `products`: each product's sums (`product_sums`, over the safety window of
    `settings`); `stock`: available keys per product id."""
    by_day = {d.day: d for d in days}
    empty = DayTotals(day=today)

    def on(day: date) -> DayTotals:
        return by_day.get(day, empty)

    now, yesterday, last_week = on(today), on(today - timedelta(days=1)), on(today - timedelta(days=7))
    window = [today - timedelta(days=n) for n in range(SERIES_DAYS - 1, -1, -1)]
    totals: dict[str, int] = defaultdict(int)
    for day in window:
        for cur, amount in on(day).revenue.items():
            totals[cur] += amount
    currencies = tuple(sorted(totals, key=lambda c: (-totals[c], c)))
    revenue = {cur: Compared(now.revenue.get(cur, 0), yesterday.revenue.get(cur, 0), last_week.revenue.get(cur, 0))
               for cur in currencies}
    series = [(day, dict(on(day).revenue), on(day).orders) for day in window]
    in_window = [on(day) for day in window]
    grid = grid_of(days, *heatmap_window(today, HEATMAP_WEEKS))
    return Dashboard(
        today=today, currencies=currencies, revenue=revenue,
        orders=Compared(now.orders, yesterday.orders, last_week.orders),
        units=Compared(now.units, yesterday.units, last_week.units),
        refunds=Compared(now.refunds, yesterday.refunds, last_week.refunds),
        series=series, top_products=_top(products, currencies),
        stock_warnings=_warnings(products, stock, settings or InsightSettings()),
        new_buyers=sum(d.new_buyers for d in in_window),
        returning_orders=sum(d.orders - d.new_buyers for d in in_window),
        heatmap=grid, peaks=peaks(grid))


def _top(products: Mapping[str, ProductSums], currencies: tuple[str, ...]) -> list[ProductLine]:
    main = currencies[0] if currencies else ""

    def rank(pid: str) -> tuple[int, int, str]:
        return (-products[pid].revenue.get(main, 0), -products[pid].units, pid)

    return [ProductLine(pid, products[pid].orders, products[pid].units, dict(products[pid].revenue))
            for pid in sorted(products, key=rank)[:TOP] if products[pid].units > 0]


def _warnings(products: Mapping[str, ProductSums], stock: Mapping[str, int],
              settings: InsightSettings) -> list[StockWarning]:
    warnings = []
    for pid, sums in products.items():
        daily = settings.daily_units(sums.recent_units)
        line = settings.safety_line(daily)
        available = stock.get(pid, 0)
        if sums.recent_units > 0 and available < line:
            warnings.append(StockWarning(pid, available, line, round(daily, 2)))
    return sorted(warnings, key=lambda w: (w.available / w.daily_units if w.daily_units else 0, w.product_id))
