"""Six months of believable order history for the demo shop, as a CSV the history import takes (kamidrop columns).

Seeded, so every fresh stack shows the same shape: weekly seasonality with busy Friday and Saturday evenings,
a lift on Chinese public holidays, a game card whose buyers take the accelerator 32 % of the time, a licence that
sells a few a week, a promo code that stopped selling, regulars and a few whales, and a cohort that went quiet."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAYS = 182
ZONE = ZoneInfo("Asia/Shanghai")
HOLIDAYS = {(1, 1), (2, 17), (2, 18), (2, 19), (4, 5), (5, 1), (5, 2), (6, 19), (9, 25), (10, 1), (10, 2), (10, 3)}
WEEKDAY = (0.8, 0.75, 0.85, 0.95, 1.3, 1.45, 1.1)  # Monday … Sunday
HOURS = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 7, 8, 10, 12, 14, 15, 12, 5]  # evening peak at 20–22 h

# name → (mean orders a day, first day it sold, last day it sold (days back), quantity choices)
DEMAND = {
    "Steam Wallet 50 USD": (9.0, DAYS, 1, (1, 1, 1, 2)),
    "Netflix 1 month": (5.0, DAYS, 1, (1,)),
    "Game gems 60": (7.0, DAYS, 1, (1, 1, 2)),
    "Office licence key": (0.35, DAYS, 1, (1,)),
    "Spring promo code": (2.0, DAYS, 45, (1,)),
}
ACCELERATOR = "Game accelerator 30 days"
ACCELERATOR_SHARE = 0.32


def history_csv(products: dict[str, tuple[str, int]], now: int, seed: int = 20261204) -> str:
    """The CSV: `products` maps each product's name to (id, price in cents); times are the shop's (Shanghai)."""
    rng = random.Random(seed)
    today = datetime.fromtimestamp(now, tz=UTC).astimezone(ZONE).date()
    regulars = [f"buyer{n:03d}@demo-buyers.test" for n in range(260)]
    whales = [f"whale{n}@demo-buyers.test" for n in range(2)]
    quiet = [f"quiet{n:02d}@demo-buyers.test" for n in range(60)]  # bought early on, then went quiet
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["order_id", "created_at", "product", "quantity", "amount", "currency", "email", "status"])
    n = 0
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        lift = WEEKDAY[day.weekday()] * (1.6 if (day.month, day.day) in HOLIDAYS else 1.0)
        for name, (mean, first, last, quantities) in DEMAND.items():
            if not last <= back <= first or name not in products:
                continue
            for _ in range(_poisson(rng, mean * lift)):
                n += 1
                buyer = _buyer(rng, back, regulars, whales, quiet)
                quantity = rng.choice(quantities) * (5 if buyer in whales else 1)
                at = _moment(rng, day)
                writer.writerow(_row(n, at, products[name], quantity, buyer, rng))
                if name == "Game gems 60" and ACCELERATOR in products and rng.random() < ACCELERATOR_SHARE:
                    n += 1
                    writer.writerow(_row(n, at + timedelta(minutes=rng.randint(1, 30)), products[ACCELERATOR], 1,
                                         buyer, rng))
    return out.getvalue()


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means of a day
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _buyer(rng: random.Random, back: int, regulars: list[str], whales: list[str], quiet: list[str]) -> str:
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(whales)
    if back > 100 and roll < 0.22:
        return rng.choice(quiet)
    if roll < 0.62:
        return rng.choice(regulars)
    return f"once{rng.randrange(10**6):06d}@demo-buyers.test"  # a one-off buyer


def _moment(rng: random.Random, day: date) -> datetime:
    hour = rng.choices(range(24), weights=HOURS)[0]
    return datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=ZONE)


def _row(n: int, at: datetime, product: tuple[str, int], quantity: int, buyer: str,
         rng: random.Random) -> list[str]:
    product_id, price = product
    status = "paid" if rng.random() > 0.04 else "expired"  # some checkouts were never paid
    cents = price * quantity
    return [f"D{n:06d}", at.isoformat(sep=" "), product_id, str(quantity),
            f"{cents // 100}.{cents % 100:02d}", "usd", buyer, status]
