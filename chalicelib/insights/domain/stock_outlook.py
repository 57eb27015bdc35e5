"""What will run out and when: each product's nightly outlook (its demand forecast and recent sales) met with the stock
available now — average daily units, safety line, days of cover, forecast stock-out day, reorder for 7 and 14 days."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from .forecast import Forecast, reorder_quantity, stockout_date, stockout_warning
from .rollups import DayTotals
from .settings import InsightSettings

HISTORY_DAYS = 182  # six months of daily units feed a forecast
SHOWN_DAYS = 56  # history kept with the outlook, for the forecast chart


@dataclass(frozen=True)
class Outlook:
    """One product's forecast as the nightly run made it, with its recent daily units (oldest first)."""

    product_id: str
    recent: tuple[int, ...]  # up to SHOWN_DAYS closed days ending the day before the forecast starts
    forecast: Forecast

    def avg_daily(self, days: int) -> float:
        """Average units over the last `days` closed days (the shop's safety window; days before the first sale
        count as none sold)."""
        window = self.recent[-days:]
        return sum(window) / days if window else 0.0

    def from_day(self, today: date) -> Forecast:
        """The forecast seen from `today`: a run a day or two old is moved on by its own weekly pattern."""
        offset = (today - self.forecast.start).days
        if offset <= 0:
            return self.forecast
        horizon = len(self.forecast.daily)
        moved = []
        for i in range(horizon):
            source = i + offset
            while source >= horizon:
                source -= 7  # the same weekday a week before: the forecasts carry weekly seasonality
            moved.append(self.forecast.daily[max(source, 0)])
        return replace(self.forecast, start=today, daily=tuple(moved))


@dataclass(frozen=True)
class StockOutlook:
    """A product's stock against its demand, as the API and the console show it."""

    product_id: str
    available: int
    avg_daily: float
    safety_line: int
    days_of_cover: float | None  # None when nothing sells
    stockout_on: date | None  # within the forecast's 14 days, else None
    reorder_7: int
    reorder_14: int
    warning: bool  # stock short of the 14 days' demand plus safety stock
    method: str  # the forecast's method, "none" without sales


def outlook_of(product_id: str, available: int, found: Outlook | None, today: date,
               settings: InsightSettings | None = None) -> StockOutlook:
    """`settings`: the shop's safety window and days of cover (the defaults when None)."""
    if found is None:
        return StockOutlook(product_id, available, 0.0, 0, None, None, 0, 0, False, "none")
    settings = settings or InsightSettings()
    fc = found.from_day(today)
    avg = found.avg_daily(settings.safety_window_days)
    return StockOutlook(product_id, available, round(avg, 2), settings.safety_line(avg),
                        round(available / avg, 1) if avg > 0 else None, stockout_date(fc, available),
                        reorder_quantity(fc, available, 7), reorder_quantity(fc, available, 14),
                        stockout_warning(fc, available), fc.method)


def urgency(o: StockOutlook) -> tuple[int, str, float, str]:
    """Sort key: warned products first, soonest stock-out first, then the fewest days of cover."""
    return (0 if o.warning else 1, o.stockout_on.isoformat() if o.stockout_on else "9999",
            o.days_of_cover if o.days_of_cover is not None else float("inf"), o.product_id)


def daily_units(product_days: Sequence[DayTotals], last: date) -> dict[str, list[int]]:
    """Each product's units per day from its first sale (at most HISTORY_DAYS back) to `last`, zeros filled in."""
    first_allowed = last - timedelta(days=HISTORY_DAYS - 1)
    by_product: dict[str, dict[date, int]] = {}
    for row in product_days:
        if row.product_id and first_allowed <= row.day <= last and row.units:
            days = by_product.setdefault(row.product_id, {})
            days[row.day] = days.get(row.day, 0) + row.units
    series: dict[str, list[int]] = {}
    for product_id, days in by_product.items():
        start = min(days)
        series[product_id] = [days.get(start + timedelta(days=i), 0) for i in range((last - start).days + 1)]
    return series


def encode(day: date, outlooks: Sequence[Outlook]) -> bytes:
    body = {"day": day.isoformat(), "products": {
        o.product_id: [list(o.recent), o.forecast.start.isoformat(), [round(v, 4) for v in o.forecast.daily],
                       o.forecast.method, o.forecast.mase, o.forecast.baseline_mase, o.forecast.mae,
                       o.forecast.demand_class] for o in outlooks}}
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 6)


def decode(raw: bytes) -> tuple[date, dict[str, Outlook]]:
    body = json.loads(zlib.decompress(raw))
    found = {}
    for pid, (recent, start, daily, method, mase, baseline, mae, kind) in body["products"].items():
        found[pid] = Outlook(pid, tuple(recent), Forecast(date.fromisoformat(start), tuple(daily), method, mase,
                                                          baseline, mae, kind))
    return date.fromisoformat(body["day"]), found
