"""Slow-moving stock: products with keys on sale and no sale for 30 days, each with what to try — promote it (it
never sold since it was listed), discount it (it sold, then stopped), or delist it (idle three months)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .rollups import DayTotals

IDLE_DAYS = 30
STALE_DAYS = 90
PROMOTE, DISCOUNT, DELIST = "promote", "discount", "delist"


@dataclass(frozen=True)
class Listed:
    """A product on sale with its stock, as the weekly check reads it."""

    product_id: str
    name: str
    available: int
    listed_on: date  # the shop day it was created


@dataclass(frozen=True)
class SlowMover:
    product_id: str
    name: str
    available: int
    last_sale: date | None  # None: no sale in the days read
    idle_days: int  # days without a sale (since it was listed, if it never sold)
    suggestion: str


def last_sales(product_days: Sequence[DayTotals]) -> dict[str, date]:
    """Each product's latest day with a sale."""
    found: dict[str, date] = {}
    for row in product_days:
        if row.product_id and row.units > 0 and row.day > found.get(row.product_id, date.min):
            found[row.product_id] = row.day
    return found


def slow_movers(listed: Sequence[Listed], sold: Mapping[str, date], today: date) -> list[SlowMover]:
    """The products with stock idle IDLE_DAYS or more, longest idle first."""
    found = []
    for p in listed:
        if p.available <= 0:
            continue
        last = sold.get(p.product_id)
        idle = (today - (last or p.listed_on)).days
        if idle < IDLE_DAYS:
            continue
        if idle >= STALE_DAYS:
            suggestion = DELIST  # three months without a buyer: the keys are better returned or the page retired
        elif last is None:
            suggestion = PROMOTE  # never sold: buyers have not found it (or its price)
        else:
            suggestion = DISCOUNT  # it sold, then stopped: the price no longer meets demand
        found.append(SlowMover(p.product_id, p.name, p.available, last, idle, suggestion))
    return sorted(found, key=lambda m: (-m.idle_days, m.name, m.product_id))


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
