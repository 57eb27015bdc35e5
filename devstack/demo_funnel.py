"""Thirty days of believable storefront traffic for the demo shop's funnel, built around its history's paid orders.

Imported history carries no visits, and its orders no channel or device, so they never reach the funnel's paid
step. This module makes up the visits (seeded, so every fresh stack shows the same shape) and gives each paid
order of the history's last thirty days a channel and a device: the funnel's paid step then counts exactly the
orders the dashboard shows for those days. Weekdays, holidays and the evening peak follow the history's; mobile
buyers leave at the payment step far more often than desktop ones (the shop offers no wallet they use there).
The counts are written as the funnel store's own rows: one write per shop day and product, never one per visit.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.funnel import CHECKOUT, NO_PRODUCT, PAID, PAY, PRODUCT, SHOP, Touch, touch_counters
from devstack.demo_history import HOLIDAYS, HOURS, WEEKDAY, ZONE

DAYS = 30  # the thirty shop days before today (the history has no orders today)
SEED = 20261205

# channel → (share of product views, share of them on a phone, how readily they check out against the shop's mean)
CHANNELS: dict[str, tuple[float, float, float]] = {
    "direct": (0.30, 0.50, 1.10),  # regulars who know the address and what they want
    "google.com": (0.25, 0.35, 1.20),  # searched for the card by name
    "bilibili": (0.20, 0.80, 0.55),  # video viewers browse more than they buy
    "qq": (0.15, 0.90, 1.00),  # links shared in group chats, opened on the phone
    "telegram": (0.10, 0.70, 1.00),
}
# device → (product view → checkout, checkout → payment started, payment started → paid)
RATES: dict[str, tuple[float, float, float]] = {
    "desktop": (0.12, 0.85, 0.93),
    "mobile": (0.11, 0.80, 0.50),  # the leak: half the phone buyers give up at the card form
}
# storefront views beyond one per product view, per product view: buyers from search land on the product itself
SHOP_EXTRA: dict[str, float] = {"direct": 0.6, "google.com": 0.2, "bilibili": 1.5, "qq": 0.7, "telegram": 0.7}
FLOOR_VIEWS = 2.0  # product views a day even of a product that sold nothing lately (buyers still look)


@dataclass(frozen=True, order=True)
class Sale:
    """A paid order of the history, in the shop's own day and hour."""

    day: date
    hour: int
    product_id: str


@dataclass(frozen=True, order=True)
class Count:
    """How many buyers reached one step in one shop hour, on one product, from one channel, on one device."""

    day: date
    hour: int
    product_id: str  # NO_PRODUCT for the shop's own pages
    channel: str
    device: str
    step: str
    n: int


Segment = tuple[str, str]  # (channel, device)


def paid_sales(history: str, today: date, days: int = DAYS) -> list[Sale]:
    """The paid orders of the history file (kamidrop columns, the shop's times) in the `days` days before `today`."""
    first = today - timedelta(days=days)
    found = []
    for row in csv.DictReader(io.StringIO(history)):
        at = datetime.fromisoformat(row["created_at"]).astimezone(ZONE)
        if row["status"] == "paid" and first <= at.date() < today:
            found.append(Sale(at.date(), at.hour, row["product"]))
    return sorted(found)


def segments() -> list[Segment]:
    return [(channel, device) for channel in CHANNELS for device in RATES]


def view_share(segment: Segment) -> float:
    share, mobile, _ = CHANNELS[segment[0]]
    return share * (mobile if segment[1] == "mobile" else 1 - mobile)


def step_rates(segment: Segment) -> tuple[float, float, float]:
    """(product view → checkout, checkout → pay, pay → paid) of the segment."""
    checkout, pay, paid = RATES[segment[1]]
    return checkout * CHANNELS[segment[0]][2], pay, paid


def paid_share(segment: Segment) -> float:
    """The segment's share of the paid orders: its views times its conversion, against every segment's."""
    def weight(s: Segment) -> float:
        return view_share(s) * math.prod(step_rates(s))
    return weight(segment) / sum(weight(s) for s in segments())


def lift(day: date) -> float:
    """The day's traffic against an ordinary day: the history's weekday pattern and its holiday lift."""
    return WEEKDAY[day.weekday()] * (1.6 if (day.month, day.day) in HOLIDAYS else 1.0)


def funnel_counts(sales: list[Sale], product_ids: Iterable[str], today: date, seed: int = SEED) -> list[Count]:
    """Every step's counts for the `DAYS` days before `today`: each sale is a paid buyer of a drawn channel and
    device, and the buyers who left before paying are drawn around the sales each product makes on such a day."""
    rng = random.Random(seed)
    days = [today - timedelta(days=back) for back in range(DAYS, 0, -1)]
    weights = {day: lift(day) / sum(lift(d) for d in days) for day in days}
    sold = _assign(rng, sales)
    counts: list[Count] = []
    for product_id in sorted(set(product_ids)):
        total = sum(1 for s in sales if s.product_id == product_id)
        for day in days:
            for segment in segments():
                expected = total * weights[day] * paid_share(segment)
                floor = FLOOR_VIEWS * lift(day) * view_share(segment)
                counts += _product_day(rng, day, product_id, segment, sold.get((day, product_id, segment), []),
                                       expected, floor)
    return counts + _shop_views(rng, counts)


def _assign(rng: random.Random, sales: list[Sale]) -> dict[tuple[date, str, Segment], list[int]]:
    """Each sale's channel and device, drawn by the segments' shares of paid orders: the hours sold per
    (day, product, segment)."""
    every = segments()
    shares = [paid_share(s) for s in every]
    sold: dict[tuple[date, str, Segment], list[int]] = defaultdict(list)
    for sale in sales:
        sold[(sale.day, sale.product_id, rng.choices(every, weights=shares)[0])].append(sale.hour)
    return sold


def _product_day(rng: random.Random, day: date, product_id: str, segment: Segment, paid_hours: list[int],
                 expected_paid: float, floor: float) -> list[Count]:
    """One product's day in one segment, from the paid step up: each step is the next one's buyers plus those
    who left at it, so the steps never grow down the funnel."""
    to_checkout, to_pay, to_paid = step_rates(segment)
    expected_pay = expected_paid / to_paid
    expected_checkout = expected_pay / to_pay
    left = {PAY: _poisson(rng, expected_pay - expected_paid),
            CHECKOUT: _poisson(rng, expected_checkout - expected_pay),
            PRODUCT: _poisson(rng, max(expected_checkout / to_checkout - expected_checkout, floor))}
    hours = {PAID: list(paid_hours)}
    hours[PAY] = hours[PAID] + _hours(rng, left[PAY])
    hours[CHECKOUT] = hours[PAY] + _hours(rng, left[CHECKOUT])
    hours[PRODUCT] = hours[CHECKOUT] + _hours(rng, left[PRODUCT])
    return [Count(day, hour, product_id, *segment, step, n)
            for step, at in hours.items() for hour, n in sorted(_tally(at).items())]


def _shop_views(rng: random.Random, counts: list[Count]) -> list[Count]:
    """The shop's own pages: every product viewer passed one, and some visitors looked no further."""
    viewed: dict[tuple[date, str, str], int] = defaultdict(int)
    for c in counts:
        if c.step == PRODUCT:
            viewed[(c.day, c.channel, c.device)] += c.n
    shop: list[Count] = []
    for (day, channel, device), n in sorted(viewed.items()):
        at = _hours(rng, n + _poisson(rng, n * SHOP_EXTRA[channel]))
        shop += [Count(day, hour, NO_PRODUCT, channel, device, SHOP, k) for hour, k in sorted(_tally(at).items())]
    return shop


def _hours(rng: random.Random, n: int) -> list[int]:
    return rng.choices(range(24), weights=HOURS, k=n) if n else []


def _tally(hours: list[int]) -> dict[int, int]:
    found: dict[int, int] = defaultdict(int)
    for hour in hours:
        found[hour] += 1
    return found


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method below 30, else the normal approximation (a day's views of a busy product)."""
    if mean <= 0:
        return 0
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def rows(counts: Iterable[Count]) -> dict[tuple[date, str], dict[str, int]]:
    """The counts as the funnel's rows: (shop day, product) → counter name → amount, named as a touch's are."""
    found: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in counts:
        # the touch's moment is not part of its counters' names: the shop day and hour are given here
        for name, one in touch_counters(Touch(c.step, c.product_id, c.channel, c.device, 0), c.hour).items():
            found[(c.day, c.product_id)][name] += one * c.n
    return {key: dict(values) for key, values in sorted(found.items())}


class Table(Protocol):
    """A DynamoDB client's two writes used here (boto3's low-level client has them)."""

    def put_item(self, **kwargs: Any) -> Any: ...
    def update_item(self, **kwargs: Any) -> Any: ...


def write(rows_by_day: Mapping[tuple[date, str], Mapping[str, int]], *, tenant_id: str, table: str,
          client: Table) -> int:
    """Writes the rows with the funnel store's own keys and counter names, one request per row: put where the row
    is new (the demo's days are before the shop existed), else added with the store's own ADD update, so counts
    already there are never lost. Returns the requests made."""
    from chalicelib.insights.domain.rollups import Bucket
    from chalicelib.insights.store.funnel import row_key

    made = 0
    for (day, product_id), values in rows_by_day.items():
        # only the product and the day name the row: any touch of them gives its key
        key = row_key(tenant_id, Touch(SHOP, product_id, "direct", "desktop", 0), Bucket(day, 0))
        made += 1
        if not _put_new(client, table, key, values):
            _add(client, table, key, values)
            made += 1
    return made


def _put_new(client: Table, table: str, key: tuple[str, str], values: Mapping[str, int]) -> bool:
    """The row as a series of the store's ADDs would leave it on a missing row. One put of a hundred counters
    costs the local emulator a twentieth of the same ADD update (it parses update expressions slowly)."""
    from botocore.exceptions import ClientError

    item = {"pk": {"S": key[0]}, "sk": {"S": key[1]}, **{name: {"N": str(n)} for name, n in values.items()}}
    try:
        client.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _add(client: Table, table: str, key: tuple[str, str], values: Mapping[str, int]) -> None:
    from chalicelib.adapters.dynamo.counters import add_counters

    client.update_item(**{**add_counters(*key, dict(values)), "TableName": table})
