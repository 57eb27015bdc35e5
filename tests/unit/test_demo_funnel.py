"""The demo shop's funnel: thirty seeded days of storefront visits around the history's paid orders, with the leak
the Funnel page should name (mobile buyers leaving at the payment step), written as one addition per funnel row."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.insights.domain.funnel import (
    CHECKOUT,
    NO_PRODUCT,
    PAID,
    PAY,
    PRODUCT,
    SHOP,
    FunnelCounts,
    from_row,
    merge,
)
from chalicelib.insights.domain.funnel_report import report
from devstack import demo_funnel
from devstack.demo_funnel import Count, Sale, funnel_counts, paid_sales, rows, write
from devstack.demo_history import ACCELERATOR, DEMAND, ZONE, history_csv

NOW = 1_765_000_000  # a fixed moment: 2025-12-06 13:46 in the shop's zone
TODAY = datetime.fromtimestamp(NOW, tz=UTC).astimezone(ZONE).date()
PRODUCTS = {name: (f"prod_{n}", 500) for n, name in enumerate([*DEMAND, ACCELERATOR])}
PRODUCT_IDS = [pid for pid, _ in PRODUCTS.values()]
FLOW = (SHOP, PRODUCT, CHECKOUT, PAY, PAID)


@pytest.fixture(scope="module")
def sales() -> list[Sale]:
    return paid_sales(history_csv(PRODUCTS, NOW), TODAY)


@pytest.fixture(scope="module")
def counts(sales: list[Sale]) -> list[Count]:
    return funnel_counts(sales, PRODUCT_IDS, TODAY)


def _steps(counts: list[Count], **match: str) -> dict[str, int]:
    totals = dict.fromkeys(FLOW, 0)
    for c in counts:
        if all(getattr(c, field) == value for field, value in match.items()):
            totals[c.step] += c.n
    return totals


def _read_back(counts: list[Count]) -> FunnelCounts:
    return merge([from_row(values) for values in rows(counts).values()])


def test_the_paid_orders_are_the_historys_last_thirty_days_only() -> None:
    history = ("order_id,created_at,product,quantity,amount,currency,email,status\n"
               "D1,2025-12-06 09:00:00+08:00,p1,1,5.00,usd,a@x.test,paid\n"  # today: not in the window
               "D2,2025-12-05 23:59:59+08:00,p1,1,5.00,usd,a@x.test,paid\n"
               "D3,2025-12-05 21:10:00+08:00,p2,1,5.00,usd,a@x.test,expired\n"  # never paid
               "D4,2025-11-06 00:00:00+08:00,p2,2,10.00,usd,a@x.test,paid\n"  # thirty days back: the first day
               "D5,2025-11-05 23:59:59+08:00,p2,1,5.00,usd,a@x.test,paid\n")
    assert paid_sales(history, date(2025, 12, 6)) == [Sale(date(2025, 11, 6), 0, "p2"),
                                                      Sale(date(2025, 12, 5), 23, "p1")]


def test_the_same_seed_makes_the_same_funnel_and_another_seed_another(sales: list[Sale],
                                                                       counts: list[Count]) -> None:
    assert funnel_counts(sales, PRODUCT_IDS, TODAY) == counts
    assert funnel_counts(sales, list(reversed(PRODUCT_IDS)), TODAY) == counts
    other = funnel_counts(sales, PRODUCT_IDS, TODAY, seed=7)
    assert other != counts
    assert _steps(other)[PAID] == _steps(counts)[PAID] == len(sales)  # the paid step is the history, any seed


def test_each_paid_order_of_the_history_is_counted_once_in_its_own_hour(sales: list[Sale],
                                                                         counts: list[Count]) -> None:
    paid = Counter[tuple[date, int, str]]()
    for c in counts:
        if c.step == PAID:
            paid[(c.day, c.hour, c.product_id)] += c.n
    assert paid == Counter((s.day, s.hour, s.product_id) for s in sales)
    assert len(sales) == 709
    assert {c.day for c in counts} == {TODAY - timedelta(days=back) for back in range(1, 31)}


def test_the_steps_never_grow_down_the_funnel_per_day_channel_and_device(counts: list[Count]) -> None:
    cells: dict[tuple[date, str, str], Counter[str]] = {}
    for c in counts:
        cells.setdefault((c.day, c.channel, c.device), Counter())[c.step] += c.n
    assert len(cells) == 30 * 5 * 2
    for cell, steps in cells.items():
        numbers = [steps[s] for s in FLOW]
        assert numbers == sorted(numbers, reverse=True), (cell, steps)
    assert all(c.n > 0 for c in counts)


def test_the_thirty_days_in_numbers(counts: list[Count]) -> None:
    totals = _steps(counts)
    assert totals == {SHOP: 18729, PRODUCT: 10996, CHECKOUT: 1287, PAY: 1048, PAID: 709}
    # believable shares: views far above product views, a few in ten product viewers check out
    assert 1.5 < totals[SHOP] / totals[PRODUCT] < 2.0
    assert 0.10 < totals[CHECKOUT] / totals[PRODUCT] < 0.14
    assert 0.75 < totals[PAY] / totals[CHECKOUT] < 0.85
    assert 0.60 < totals[PAID] / totals[PAY] < 0.75
    assert sorted({c.channel for c in counts}) == ["bilibili", "direct", "google.com", "qq", "telegram"]
    assert _steps(counts, device="mobile")[PRODUCT] == 6584  # six in ten product views are on a phone


def test_mobile_buyers_leave_at_the_payment_step_and_the_report_says_so(counts: list[Count]) -> None:
    mobile, desktop = _steps(counts, device="mobile"), _steps(counts, device="desktop")
    assert (mobile[PAY], mobile[PAID], desktop[PAY], desktop[PAID]) == (557, 250, 491, 459)
    found = report(_read_back(counts), TODAY - timedelta(days=30), TODAY)
    assert [(leak.who, leak.kind, leak.step, round(leak.leave, 3), round(leak.overall, 3), leak.entrants)
            for leak in found.leaks] == [("mobile", "device", PAY, 0.551, 0.323, 557),
                                         ("qq", "channel", PAY, 0.575, 0.323, 146),
                                         ("bilibili", "channel", PAY, 0.432, 0.323, 125)]
    # desktop buyers who start paying nearly all pay
    assert [round(s.leave or 0, 3) for s in found.devices[1].steps] == [0.866, 0.171, 0.065, 0.0]


def test_weekends_and_evenings_are_busier_as_in_the_history(counts: list[Count]) -> None:
    by_weekday, by_hour = Counter[int](), Counter[int]()
    for c in counts:
        if c.step == PRODUCT:
            by_weekday[c.day.weekday()] += c.n
            by_hour[c.hour] += c.n
    days = Counter(day.weekday() for day in {c.day for c in counts})
    a_day = {weekday: round(by_weekday[weekday] / days[weekday]) for weekday in range(7)}
    assert a_day == {0: 287, 1: 261, 2: 312, 3: 342, 4: 451, 5: 500, 6: 397}  # Friday and Saturday lead
    assert by_hour.most_common(1)[0][0] in (20, 21, 22)
    assert by_hour[21] > 10 * by_hour[3]


def test_a_product_that_sold_nothing_lately_is_still_looked_at(counts: list[Count]) -> None:
    promo = PRODUCTS["Spring promo code"][0]  # the history stopped selling it 45 days ago
    assert _steps(counts, product_id=promo) == {SHOP: 0, PRODUCT: 65, CHECKOUT: 0, PAY: 0, PAID: 0}


class _Table:
    """DynamoDB's put-if-absent and ADD on one table, in memory."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, int]] = {}
        self.requests: list[tuple[str, str]] = []

    def put_item(self, **kwargs: Any) -> Any:
        item = kwargs["Item"]
        key = (item["pk"]["S"], item["sk"]["S"])
        self.requests.append(("put", kwargs["TableName"]))
        if key in self.items and kwargs["ConditionExpression"] == "attribute_not_exists(pk)":
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")
        self.items[key] = {name: int(v["N"]) for name, v in item.items() if "N" in v}

    def update_item(self, **kwargs: Any) -> Any:
        key = (kwargs["Key"]["pk"]["S"], kwargs["Key"]["sk"]["S"])
        self.requests.append(("update", kwargs["TableName"]))
        assert kwargs["UpdateExpression"].startswith("ADD #a0 :v0")
        row = self.items.setdefault(key, {})
        for i, alias in enumerate(kwargs["ExpressionAttributeNames"]):
            name = kwargs["ExpressionAttributeNames"][alias]
            row[name] = row.get(name, 0) + int(kwargs["ExpressionAttributeValues"][f":v{i}"]["N"])


def test_the_rows_are_written_once_each_as_the_funnel_store_keys_them(counts: list[Count]) -> None:
    # given the thirty days as rows
    table, made = _Table(), rows(counts)
    assert len(made) == 206 <= demo_funnel.DAYS * (len(PRODUCT_IDS) + 1)  # never one write per visit
    # when they are written to a shop's new funnel
    assert write(made, tenant_id="ten_1", table="main", client=table) == 206
    # then each row is one put, keyed and named as the funnel store keys and names its counters
    assert table.requests == [("put", "main")] * 206
    assert min(table.items) == ("T#ten_1#RU#M#2025-11", "V#06#-")
    assert {sk.split("#", 2)[2] for _, sk in table.items} == {*PRODUCT_IDS, NO_PRODUCT}
    assert merge([from_row(values) for values in table.items.values()]) == _read_back(counts)
    assert sum(_read_back(counts).hours.values()) == sum(c.n for c in counts)


def test_rows_there_already_are_added_to_never_overwritten(counts: list[Count]) -> None:
    # given a shop whose funnel rows hold counts already
    table, made = _Table(), rows(counts)
    write(made, tenant_id="ten_1", table="main", client=table)
    before = merge([from_row(values) for values in table.items.values()])
    # when the same rows are written again
    assert write(made, tenant_id="ten_1", table="main", client=table) == 2 * 206
    # then each row was tried as new, refused, and added to with the store's ADD: every count doubled
    assert table.requests[206:] == [("put", "main"), ("update", "main")] * 206
    after = merge([from_row(values) for values in table.items.values()])
    assert after.by == {key: 2 * n for key, n in before.by.items()}
    assert after.hours == {key: 2 * n for key, n in before.hours.items()}
