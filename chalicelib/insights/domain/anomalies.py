"""Unusual days of a report: each day's orders, units, refunds and revenue against the same weekday's robust baseline.

A day is compared, per metric, with the same weekday of the baseline days before it (the report's 8 weeks), so a
Saturday is judged against Saturdays and the weekly rhythm is no anomaly. Robust z = (x − median) / (1.4826 × MAD):
the median and the median absolute deviation are not dragged by the very outliers being looked for (a past
promotion day does not hide the next one the way it would inflate a mean and a standard deviation).

When half or more of the baseline sits on the median the MAD is 0 (small shops: "0 refunds every Tuesday"), and the
usual fallback (Iglewicz and Hoaglin, as in IBM SPSS's modified z) divides by 1.2533 × the mean absolute deviation
from the median instead. When that is 0 too, every baseline day had the same value: there is no spread to scale a z
by, so a day is flagged only when it differs from that value by at least max(3, 50 % of it) for counts, and by at
least 50 % of a non-zero value for revenue (a first sale in a rarely used currency is not news; its order is counted,
and judged, as an order). Such an anomaly has `z` None.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .rollups import DayTotals
from .segments import money_text

COUNTS = ("orders", "units", "refunds")
REVENUE = "revenue_"  # + currency: revenue_usd
MAD_SCALE = 1.4826  # 1 / Φ⁻¹(3/4): makes the MAD estimate a normal distribution's standard deviation
MEAN_AD_SCALE = 1.2533  # √(π/2): the same for the mean absolute deviation
FLAT_MIN_STEP = 3  # with no spread at all, a count must move at least this much ...
FLAT_MIN_SHARE = 0.5  # ... and at least this share of the usual value
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HIGH, LOW = "high", "low"


@dataclass(frozen=True)
class Anomaly:
    """One day's metric far from its weekday's baseline. `value` and `expected` are counts, or minor units of the
    revenue's currency; `z` is the robust z, None when the baseline had no spread at all."""

    day: date
    metric: str  # "orders" | "units" | "refunds" | "revenue_<cur>"
    value: int
    expected: float  # the baseline's median
    z: float | None
    direction: str  # HIGH or LOW
    baseline_days: int  # how many same-weekday days the baseline had

    @property
    def currency(self) -> str:
        return self.metric[len(REVENUE):] if self.metric.startswith(REVENUE) else ""

    @property
    def key(self) -> str:
        """The message id a caller translates `params` with: report.anomaly.<high|low>[_flat]."""
        return f"report.anomaly.{self.direction}" + ("" if self.z is not None else "_flat")

    @property
    def params(self) -> dict[str, str]:
        """The message's values, already formatted (money in major units); `weekday` is 0 = Monday."""
        cur = self.currency
        return {"day": self.day.isoformat(), "weekday": str(self.day.weekday()),
                "weekday_name": WEEKDAYS[self.day.weekday()], "metric": "revenue" if cur else self.metric,
                "currency": cur, "value": _amount(self.value, cur), "median": _amount(self.expected, cur),
                "z": "" if self.z is None else f"{abs(self.z):.1f}", "n": str(self.baseline_days)}

    @property
    def text(self) -> str:
        """One line of English: "Tue 2026-11-17: orders 42, 3.4 robust z above the usual Tuesday (median 12)"."""
        p = self.params
        what = f"revenue {p['value']} {self.currency.upper()}" if self.currency else f"{self.metric} {p['value']}"
        side = "above" if self.direction == HIGH else "below"
        head = f"{p['weekday_name'][:3]} {p['day']}: {what}"
        if self.z is None:
            return f"{head}, {side} the {p['median']} seen on each of the last {p['n']} {p['weekday_name']}s"
        return f"{head}, {p['z']} robust z {side} the usual {p['weekday_name']} (median {p['median']})"


def _amount(value: float, currency: str) -> str:
    if currency:
        return money_text(round(value), currency)
    return f"{value:g}"  # a median of an even count of days may end in .5


def robust_z(value: float, baseline: Sequence[float]) -> float | None:
    """(value − median) / (1.4826 × MAD), or over 1.2533 × the mean absolute deviation when the MAD is 0; None
    when the baseline has no spread at all (every value the same) or is empty."""
    if not baseline:
        return None
    median = statistics.median(baseline)
    deviations = [abs(x - median) for x in baseline]
    mad = statistics.median(deviations)
    if mad > 0:
        return (value - median) / (MAD_SCALE * mad)
    mean_ad = sum(deviations) / len(deviations)
    if mean_ad > 0:
        return (value - median) / (MEAN_AD_SCALE * mean_ad)
    return None


def _flat_flags(value: float, median: float, money: bool) -> bool:
    """A baseline with no spread: only a move that is large in absolute and in relative terms counts."""
    if money:
        return median > 0 and abs(value - median) >= FLAT_MIN_SHARE * median
    return abs(value - median) >= max(FLAT_MIN_STEP, FLAT_MIN_SHARE * median)


def _value(day: DayTotals, metric: str) -> int:
    if metric.startswith(REVENUE):
        return day.revenue.get(metric[len(REVENUE):], 0)
    return int(getattr(day, metric))


def metrics_of(rows: Sequence[DayTotals]) -> list[str]:
    """The metrics compared: the counts, then revenue in each currency seen (alphabetical; never added up)."""
    currencies = sorted({cur for row in rows for cur in row.revenue})
    return [*COUNTS, *(REVENUE + cur for cur in currencies)]


def find_anomalies(days: Sequence[DayTotals], baseline_days: Sequence[DayTotals], *, threshold: float = 3.0,
                   min_baseline: int = 4) -> list[Anomaly]:
    """The unusual (day, metric) pairs of `days` (shop rows), by day then metric.

    Each day is compared with the shop rows of `baseline_days` on the same weekday and before it, when there are at
    least `min_baseline` of them; |robust z| > `threshold` flags (or the flat rule of the module docstring). A
    baseline day without a row is not counted: pass zero-filled rows for the days the shop was open and sold nothing.
    """
    shop_days = sorted((d for d in days if d.product_id is None), key=lambda d: d.day)
    baseline = [d for d in baseline_days if d.product_id is None]
    metrics = metrics_of([*shop_days, *baseline])
    found: list[Anomaly] = []
    for day in shop_days:
        same = [b for b in baseline if b.day.weekday() == day.day.weekday() and b.day < day.day]
        if len(same) < min_baseline:
            continue  # too few weeks to know what a usual such weekday is
        for metric in metrics:
            value, past = _value(day, metric), [_value(b, metric) for b in same]
            median = float(statistics.median(past))
            if value == median:
                continue
            z = robust_z(value, past)
            if z is None:
                if not _flat_flags(value, median, metric.startswith(REVENUE)):
                    continue
            elif abs(z) <= threshold:
                continue
            found.append(Anomaly(day=day.day, metric=metric, value=value, expected=median,
                                 z=z, direction=HIGH if value > median else LOW,
                                 baseline_days=len(same)))
    return found
