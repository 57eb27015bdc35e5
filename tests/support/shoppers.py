"""Seeded synthetic buyers of one shop: known lifecycle cohorts and a planted "game card → accelerator" rule."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.insights.domain.buyers import BuyerSummary

GAME, ACCEL = "prod_game", "prod_accel"
NOISE = tuple(f"prod_n{i:02d}" for i in range(20))
GAME_SHARE = 0.25  # of all buyers, bought the game card
ACCEL_WITH_GAME = 0.32  # of game buyers, also bought the accelerator (the rule to find)
ACCEL_WITHOUT_GAME = 0.05  # of the others, bought the accelerator anyway: P(accel) is not zero, so lift means something
REFUND_SHARE = 0.05  # of non-whale buyers with two sales or more, had one refunded in full

COHORTS = ("dormant", "churn_risk", "new", "regular", "whale")


@dataclass(frozen=True)
class Population:
    """The buyers, and which cohort each was made as (ids per cohort) and for which products."""

    today: date
    zone: str
    buyers: list[BuyerSummary]
    cohorts: dict[str, frozenset[str]]
    game_buyers: int
    game_and_accel: int


def sale_at(day: date, hour: int, zone: str, minute: int = 0) -> int:
    """Epoch seconds of a wall-clock time of the shop's zone."""
    return int(datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).timestamp())


def summary_of(buyer: str, sales: Sequence[tuple[int, int, str]], zone: str, currency: str = "usd",
               refunds: Sequence[tuple[int, int]] = ()) -> BuyerSummary:
    """A buyer's aggregate as the store keeps it, from sales (at, amount, product) and refunds (the refunded
    sale's time, amount): a refund takes its spend back from the month its sale counted in."""
    tz = ZoneInfo(zone)

    def month(at: int) -> str:
        local = datetime.fromtimestamp(at, tz=tz)
        return f"{local.year:04d}-{local.month:02d}"

    monthly: dict[str, int] = {}
    active: set[str] = set()
    for at, amount, _ in sales:
        key = month(at)
        monthly[key] = monthly.get(key, 0) + amount
        active.add(key)
    for at, amount in refunds:
        key = month(at)
        monthly[key] = monthly.get(key, 0) - amount
    times = [at for at, _, _ in sales]
    return BuyerSummary(buyer=buyer, first_at=min(times), last_at=max(times), orders=len(sales), currency=currency,
                        spent=sum(a for _, a, _ in sales) - sum(a for _, a in refunds), monthly=monthly,
                        months_active=frozenset(active), products=frozenset(p for _, _, p in sales))


def _months_back(today: date, n: int) -> date:
    """The first day of the calendar month `n` months before today's."""
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def population(size: int = 4_000, seed: int = 7, today: date = date(2024, 6, 20),
               zone: str = "Asia/Shanghai") -> Population:
    """`size` buyers over six months of history to `today` (best mid-month: a dormant buyer's last sale is then
    surely 30+ days back): 20 % dormant (last sale 2–5 calendar months ago), 15 % churn risk (last sale last month, 14–29 days ago),
    15 % new (every sale this month, small), a few whales (over 5,000.00 this month), the rest regulars (first sale
    60+ days ago, a sale this month). Exactly round(25 % × size) buyers bought GAME, exactly round(32 %) of those
    ACCEL too, and round(5 %) of the others ACCEL alone; every buyer may also buy one or two NOISE products."""
    rng = random.Random(seed)
    start, this_month, previous = _months_back(today, 5), today.replace(day=1), _months_back(today, 1)
    whales = max(3, size // 200)
    dormant, churn, new = size * 20 // 100, size * 15 // 100, size * 15 // 100
    counts = {"dormant": dormant, "churn_risk": churn, "new": new, "whale": whales,
              "regular": size - dormant - churn - new - whales}
    kinds = [kind for kind in COHORTS for _ in range(counts[kind])]
    ids = [f"cus_{i:05d}" for i in range(size)]
    game = set(rng.sample(ids, round(size * GAME_SHARE)))
    others = [i for i in ids if i not in game]
    accel = set(rng.sample(sorted(game), round(len(game) * ACCEL_WITH_GAME)))
    accel |= set(rng.sample(others, round(len(others) * ACCEL_WITHOUT_GAME)))
    buyers: list[BuyerSummary] = []
    cohorts: dict[str, set[str]] = {kind: set() for kind in COHORTS}
    for buyer, kind in zip(ids, kinds, strict=True):
        products = [p for p, bought in ((GAME, buyer in game), (ACCEL, buyer in accel)) if bought]
        if rng.random() < 0.7:
            products += rng.sample(NOISE, rng.randint(1, 2))
        if not products:
            products = [rng.choice(NOISE)]
        days = _days(rng, kind, today, start, this_month, previous, max(len(products), 1))
        big = kind == "whale"
        sales = []
        for n, day in enumerate(days):
            amount = rng.randrange(200_000, 400_001, 100) if big and day >= this_month else (
                rng.randrange(500, 3_001, 100) if kind == "new" else rng.randrange(500, 20_001, 100))
            sales.append((sale_at(day, rng.randint(0, 23), zone, rng.randint(0, 59)), amount,
                          products[n % len(products)]))
        refunds = []
        if not big and len(sales) > 1 and rng.random() < REFUND_SHARE:
            at, amount, _ = rng.choice(sales)
            refunds.append((at, amount))
        buyers.append(summary_of(buyer, sales, zone, refunds=refunds))
        cohorts[kind].add(buyer)
    return Population(today, zone, buyers, {k: frozenset(v) for k, v in cohorts.items()}, len(game),
                      len(game & accel))


def _days(rng: random.Random, kind: str, today: date, start: date, this_month: date, previous: date,
          at_least: int) -> list[date]:
    """The days of one buyer's sales, by cohort; at least `at_least` of them (one per product to buy)."""
    if kind == "dormant":
        back = rng.randint(2, 5)
        last = _day(rng, _months_back(today, back), _months_back(today, back - 1) - timedelta(days=1))
        return [last] + [_day(rng, start, last) for _ in range(max(at_least, rng.randint(1, 4)) - 1)]
    if kind == "churn_risk":  # last month, silent 14–29 days
        last = _day(rng, max(previous, today - timedelta(days=29)),
                    min(this_month - timedelta(days=1), today - timedelta(days=14)))
        return [last] + [_day(rng, start, last) for _ in range(max(at_least, rng.randint(1, 4)) - 1)]
    if kind == "new":
        return [_day(rng, this_month, today) for _ in range(max(at_least, rng.randint(1, 2)))]
    first = _day(rng, start, today - timedelta(days=60))
    last = _day(rng, this_month, today)
    if kind == "whale":
        return [first] + [_day(rng, this_month, today) for _ in range(max(at_least, rng.randint(3, 5)))]
    middle = max(at_least, rng.randint(2, 8)) - 2
    return [first, last] + [_day(rng, first, last) for _ in range(middle)]
