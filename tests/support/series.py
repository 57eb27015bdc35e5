"""Seeded synthetic daily demand (smooth, trending, intermittent, flash sale) and stock histories, deterministic."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

LAST_DAY = date(2025, 9, 30)
DAYS = 182  # 26 weeks: the six months a product's history reaches back
KINDS = ("smooth", "trending", "intermittent", "flash_sale")
DISPERSION = 20.0  # gamma shape of the day-to-day demand rate: a little more spread than Poisson, as real sales have


@dataclass(frozen=True)
class Series:
    """One product's units per day (oldest first, the last on last_day) and the holidays of its shop."""

    kind: str
    values: tuple[int, ...]
    last_day: date
    holidays: frozenset[date]


@dataclass(frozen=True)
class StockHistory:
    """What buyers wanted, what they got (the stock allowing) and the stock left at each day's close."""

    demand: tuple[int, ...]
    sales: tuple[int, ...]
    available: tuple[int, ...]
    last_day: date
    holidays: frozenset[date]

    @property
    def stockouts(self) -> list[int]:
        """Days the stock fell to 0."""
        return [d for d in range(1, len(self.available)) if self.available[d] == 0 and self.available[d - 1] > 0]


def poisson(rng: random.Random, rate: float) -> int:
    """Knuth's Poisson draw (rates here stay far below where exp(-rate) underflows)."""
    threshold, count, product = math.exp(-rate), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def weekly_profile(rng: random.Random, amplitude: float) -> tuple[float, ...]:
    """Factors by date.weekday() with mean 1: a weekend lift of about `amplitude`, a little jitter on each day."""
    raw = [1 + (amplitude if day >= 4 else 0.0) + rng.uniform(-0.08, 0.08) for day in range(7)]
    mean = sum(raw) / 7
    return tuple(r / mean for r in raw)


def holiday_dates(rng: random.Random, first: date, days: int) -> frozenset[date]:
    """Two three-day festivals and two single holidays, anywhere in the history or the fortnight after it."""
    starts = [rng.randrange(0, days + 11) for _ in range(2)]
    singles = [rng.randrange(0, days + 14) for _ in range(2)]
    offsets = {s + k for s in starts for k in range(3)} | set(singles)
    return frozenset(first + timedelta(days=o) for o in offsets)


def holiday_lift(rng: random.Random) -> float:
    """A shop's holidays either lift demand (gifting) or lower it (people away), the same way on each holiday."""
    return rng.uniform(1.5, 2.0) if rng.random() < 0.6 else rng.uniform(0.4, 0.7)


def draw(rng: random.Random, rates: list[float]) -> tuple[int, ...]:
    """Units per day from expected rates, with gamma-distributed day-to-day spread (negative binomial)."""
    return tuple(poisson(rng, r * rng.gammavariate(DISPERSION, 1 / DISPERSION)) if r > 0 else 0 for r in rates)


def calendar_rates(rng: random.Random, levels: list[float], amplitude: float,
                   days: int) -> tuple[list[float], frozenset[date]]:
    """Levels times a weekday profile and a holiday lift, and the holidays used."""
    first = LAST_DAY - timedelta(days=days - 1)
    profile, holidays, lift = weekly_profile(rng, amplitude), holiday_dates(rng, first, days), holiday_lift(rng)
    rates = [level * profile[(first + timedelta(days=i)).weekday()]
             * (lift if first + timedelta(days=i) in holidays else 1.0) for i, level in enumerate(levels)]
    return rates, holidays


def smooth(seed: int, days: int = DAYS) -> Series:
    """A steady level (6 to 20 a day) with a weekly pattern."""
    rng = random.Random(f"smooth-{seed}")
    level = rng.uniform(6, 20)
    rates, holidays = calendar_rates(rng, [level] * days, rng.uniform(0.2, 0.6), days)
    return Series("smooth", draw(rng, rates), LAST_DAY, holidays)


def trending(seed: int, days: int = DAYS) -> Series:
    """A level growing (or, one time in three, shrinking) linearly by a factor of 2 to 3 over the history."""
    rng = random.Random(f"trending-{seed}")
    start, factor = rng.uniform(4, 10), rng.uniform(2.0, 3.0)
    end = start / factor * 1.5 if rng.random() < 1 / 3 else start * factor
    levels = [start + (end - start) * i / (days - 1) for i in range(days)]
    rates, holidays = calendar_rates(rng, levels, rng.uniform(0.2, 0.6), days)
    return Series("trending", draw(rng, rates), LAST_DAY, holidays)


def intermittent(seed: int, days: int = DAYS) -> Series:
    """A few sales a week: sale days one in two to one in five, one to three units each."""
    rng = random.Random(f"intermittent-{seed}")
    chance, size = rng.uniform(0.2, 0.5), rng.uniform(1.0, 1.8)
    first = LAST_DAY - timedelta(days=days - 1)
    profile, holidays, lift = weekly_profile(rng, rng.uniform(0.0, 0.5)), holiday_dates(rng, first, days), \
        holiday_lift(rng)
    values = []
    for i in range(days):
        day = first + timedelta(days=i)
        p = min(0.95, chance * profile[day.weekday()] * (lift if day in holidays else 1.0))
        values.append(1 + poisson(rng, size - 1) if rng.random() < p else 0)
    return Series("intermittent", tuple(values), LAST_DAY, holidays)


def flash_sale(seed: int, days: int = DAYS) -> Series:
    """A smooth series with one flash sale: two to four days at four to eight times the demand, in the last 10 weeks."""
    rng = random.Random(f"flash_sale-{seed}")
    level = rng.uniform(6, 20)
    rates, holidays = calendar_rates(rng, [level] * days, rng.uniform(0.2, 0.6), days)
    begin, length, boost = rng.randrange(days - 70, days - 14), rng.randint(2, 4), rng.uniform(4, 8)
    for i in range(begin, min(days, begin + length)):
        rates[i] *= boost
    return Series("flash_sale", draw(rng, rates), LAST_DAY, holidays)


GENERATORS: dict[str, Callable[[int], Series]] = {"smooth": smooth, "trending": trending,
                                                  "intermittent": intermittent, "flash_sale": flash_sale}


def stock_history(seed: int, days: int = DAYS) -> StockHistory:
    """Demand from a smooth, trending or intermittent generator, sold from a stock that runs out now and then.

    The stock starts at 15 to 35 days of demand. When it runs out, a restock of 15 to 35 days arrives 1 to 4 days
    later; when it is low (under 10 days), a restock comes early half of the time, 2 to 8 days later (before or
    after it runs out): the merchant sometimes notices in time."""
    rng = random.Random(f"stock-{seed}")
    series = (smooth, trending, intermittent)[seed % 3](seed + 1000, days)
    demand = series.values
    mean = max(0.3, sum(demand) / days)
    stock, noticed = round(rng.uniform(15, 35) * mean), False
    arrivals: dict[int, int] = {}
    sales: list[int] = []
    available: list[int] = []
    for day, wanted in enumerate(demand):
        if day in arrivals:
            stock, noticed = stock + arrivals.pop(day), False
        sold = min(wanted, stock)
        stock -= sold
        sales.append(sold)
        available.append(stock)
        if not arrivals and stock == 0:
            arrivals[day + rng.randint(1, 4)] = round(rng.uniform(15, 35) * mean)
        elif not arrivals and not noticed and stock < 10 * mean:
            noticed = True  # the merchant looks once per low spell, and acts half of the time
            if rng.random() < 0.5:
                arrivals[day + rng.randint(2, 8)] = round(rng.uniform(15, 35) * mean)
    return StockHistory(demand, tuple(sales), tuple(available), LAST_DAY, series.holidays)
