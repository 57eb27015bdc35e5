"""Sales rollups: counters per shop and per product, per day and hour of the shop's own time zone, each currency
apart. A delivery adds a sale, a refund adds a refund; each order counts once per kind (the store sees to it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SALE, REFUND = "sale", "refund"
_CURRENCY = re.compile(r"^[a-z]{3}$")


@dataclass(frozen=True)
class Bucket:
    """Where a moment falls in the shop's zone: the month partition, the day, the hour."""

    day: date
    hour: int

    @property
    def month(self) -> str:
        return f"{self.day.year:04d}-{self.day.month:02d}"


def bucket(at: int, zone: str) -> Bucket:
    local = datetime.fromtimestamp(at, tz=UTC).astimezone(ZoneInfo(zone))
    return Bucket(day=local.date(), hour=local.hour)


@dataclass(frozen=True)
class Fact:
    """One thing to count: an order delivered (a sale) or refunded, with what it was worth."""

    kind: str  # SALE or REFUND
    order_id: str
    product_id: str
    at: int
    quantity: int
    amount: int
    currency: str
    cost: int | None = None  # what its keys cost (batch cost per key), None when unknown
    buyer: str = ""  # the buyer's customer id (distinct buyers per day, the buyer's aggregate)
    new_buyer: bool = False  # this order is the buyer's first paid order in the shop
    email: str = ""  # the buyer's e-mail, kept on their aggregate for a segment's export
    sold_month: str = ""  # a refund: the month (yyyy-mm, shop zone) its sale counted in, whose spend it takes back
    source: str = ""  # a storefront sale's channel and device: counted as the funnel's paid step
    device: str = ""

    def __post_init__(self) -> None:
        if self.kind not in (SALE, REFUND) or not _CURRENCY.fullmatch(self.currency):
            raise ValueError(f"not a countable fact: {self.kind} in {self.currency!r}")


def counters(fact: Fact, hour: int) -> tuple[dict[str, int], dict[str, int]]:
    """The shop-day and the product-day increments of one fact (attribute name → amount to add)."""
    cur = fact.currency
    if fact.kind == REFUND:
        both = {"refunds": 1, f"refunded_{cur}": fact.amount}
        return dict(both), dict(both)
    both = {"orders": 1, "units": fact.quantity, f"revenue_{cur}": fact.amount}
    if fact.new_buyer:
        # per order, so the order's own marker makes it exact (unlike `buyers`, which is per buyer and day)
        both["new_buyers"] = 1
    if fact.cost is not None:
        # margin is only honest over sales whose cost is known: count those apart
        both.update({f"cost_{cur}": fact.cost, f"costed_revenue_{cur}": fact.amount})
    # orders and keys per hour of the shop's day: the weekday × hour map and the peak windows read them
    shop = {**both, f"orders_h{hour:02d}": 1, f"units_h{hour:02d}": fact.quantity}
    return shop, dict(both)


def month_counters(fact: Fact, day: date) -> dict[str, int]:
    """A product's month row: each day's orders, units and revenue as `<name>_dNN` (what the dashboard ranks and
    forecasts from, one small item per product and month). Refunds stay in the day rows."""
    if fact.kind != SALE:
        return {}
    dd = f"d{day.day:02d}"
    return {f"orders_{dd}": 1, f"units_{dd}": fact.quantity, f"revenue_{fact.currency}_{dd}": fact.amount}


_MONTH_NAME = re.compile(r"^(orders|units|revenue_(?P<cur>[a-z]{3}))_d(?P<day>\d\d)$")


def from_month(month: str, product_id: str, values: dict[str, int]) -> list[DayTotals]:
    """A product's month row back into one DayTotals per day it sold (orders, units, revenue)."""
    year, mon = (int(x) for x in month.split("-"))
    days: dict[int, dict[str, Any]] = {}
    for name, value in values.items():
        found = _MONTH_NAME.fullmatch(name)
        if found is None:
            continue
        into = days.setdefault(int(found["day"]), {"orders": 0, "units": 0, "revenue": {}})
        if found["cur"]:
            into["revenue"][found["cur"]] = value
        else:
            into[found[1]] = value
    return [DayTotals(day=date(year, mon, n), product_id=product_id, orders=d["orders"], units=d["units"],
                      revenue=d["revenue"]) for n, d in sorted(days.items())]


@dataclass(frozen=True)
class DayTotals:
    """One day of a shop (or of one product: `product_id` set), as counted."""

    day: date
    product_id: str | None = None
    orders: int = 0
    units: int = 0
    refunds: int = 0
    buyers: int = 0
    new_buyers: int = 0
    revenue: dict[str, int] = field(default_factory=dict)
    refunded: dict[str, int] = field(default_factory=dict)
    cost: dict[str, int] = field(default_factory=dict)
    costed_revenue: dict[str, int] = field(default_factory=dict)
    hours: tuple[int, ...] = (0,) * 24  # orders per hour of the day (shop rows only)


def from_counters(day: date, product_id: str | None, values: dict[str, int]) -> DayTotals:
    """A stored counter item back into a DayTotals (unknown attributes ignored)."""
    money: dict[str, dict[str, int]] = {"revenue": {}, "refunded": {}, "cost": {}, "costed_revenue": {}}
    hours = [0] * 24
    for name, value in values.items():
        prefix, _, cur = name.rpartition("_")
        if prefix in money and _CURRENCY.fullmatch(cur):
            money[prefix][cur] = value
        elif name.startswith("orders_h") and name[8:].isdigit() and int(name[8:]) < 24:
            hours[int(name[8:])] = value
    return DayTotals(day=day, product_id=product_id, orders=values.get("orders", 0), units=values.get("units", 0),
                     refunds=values.get("refunds", 0), buyers=values.get("buyers", 0),
                     new_buyers=values.get("new_buyers", 0), revenue=money["revenue"], refunded=money["refunded"],
                     cost=money["cost"], costed_revenue=money["costed_revenue"], hours=tuple(hours))


def months_covering(first: date, last: date) -> list[str]:
    """The month partitions a day range reads, oldest first."""
    months: list[str] = []
    day = first.replace(day=1)
    while day <= last:
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = (day + timedelta(days=32)).replace(day=1)
    return months
