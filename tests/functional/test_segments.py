"""The nightly per-shop job: segments and co-purchase rules from the buyer aggregates the sales counted, kept once per
shop day, read through the API (sizes, members as pages and CSV, rules) and shown on the buyer pages; one shop's
run never reads another's buyers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.insights.domain.rollups import REFUND, SALE, Fact, bucket
from tests.fakes import FakeMailer, FakeQueue, FixedClock
from tests.support import shop

NOW = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp())  # a Friday in the middle of November


def _at(day: str) -> int:
    return int(datetime.fromisoformat(f"{day}T10:00:00+00:00").timestamp())


@pytest.fixture()
def env(settings: Any) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    clock = FixedClock(NOW)
    c = wiring.Container(settings, clock=clock, mailer=FakeMailer(), queue=FakeQueue())
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "client": client, "clock": clock}
    wiring.use(None)


class Shop:
    """A UTC shop selling a game card, an accelerator and a gift card, with sales counted straight into the rollups
    (as the outbox consumer counts them)."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.c, self.client = env["c"], env["client"]
        merchant = shop.sign_up(self.client)
        self.key, self.tenant_id, self.slug = merchant["key"], merchant["tenant"]["id"], merchant["slug"]
        self.products = {}
        for name in ("game", "accel", "gift"):
            self.products[name] = shop.product(self.client, self.key, name=f"{name.title()} card", price=1000)["id"]
            shop.import_keys(self.client, self.key, self.products[name], shop.new_keys(3, prefix=name.upper()))
        self._n = 0

    def sale(self, email: str, product: str, day: str, amount: int = 1000) -> str:
        self._n += 1
        order_id = f"ord_seg_{self.tenant_id[-6:]}_{self._n}"
        buyer = f"cus_{email.split('@')[0]}"
        fact = Fact(SALE, order_id, self.products[product], _at(day), 1, amount, "usd", buyer=buyer, email=email)
        assert self.c.insights.rollup_store.record(self.tenant_id, fact, bucket(fact.at, "UTC"))
        return order_id

    def refund(self, order_id: str, email: str, product: str, day: str, sold_day: str, amount: int = 1000) -> None:
        fact = Fact(REFUND, order_id, self.products[product], _at(day), 1, amount, "usd",
                    buyer=f"cus_{email.split('@')[0]}", sold_month=sold_day[:7])
        assert self.c.insights.rollup_store.record(self.tenant_id, fact, bucket(fact.at, "UTC"))

    def get(self, path: str, accept: str | None = None) -> Any:
        return shop.call(self.client, "GET", path, key=self.key, headers={"Accept": accept} if accept else None)


def _planted(env: dict[str, Any]) -> Shop:
    """21 buyers: 10 game-card buyers of whom 6 also bought the accelerator, 5 accelerator-only buyers and 6 gift-card
    buyers; their first and last sales place them in each lifecycle, one of them a whale."""
    s = Shop(env)
    for n in range(10):  # game-card buyers, regulars since September, last seen this month
        s.sale(f"g{n}@example.com", "game", "2026-09-05")
        s.sale(f"g{n}@example.com", "game", "2026-11-10")
        if n < 6:
            s.sale(f"g{n}@example.com", "accel", "2026-11-11")
    for n in range(5):  # accelerator only, new this month
        s.sale(f"a{n}@example.com", "accel", "2026-11-15")
    for n in range(3):  # gift cards last month only, silent for 20 days: at risk of churning
        s.sale(f"r{n}@example.com", "gift", "2026-10-31")
    s.sale("d0@example.com", "gift", "2026-09-01")  # dormant since September
    order = s.sale("w0@example.com", "gift", "2026-11-18", amount=600_000)  # a whale this month...
    s.sale("w0@example.com", "gift", "2026-11-19", amount=2_000)
    s.refund(order, "w0@example.com", "gift", "2026-11-19", "2026-11-18", amount=600_000)  # ...until refunded
    s.sale("w1@example.com", "gift", "2026-11-19", amount=520_000)
    return s


def test_the_nightly_run_segments_the_shops_buyers_once_a_day(env: dict[str, Any]) -> None:
    # given a shop with planted cohorts, and another shop with a buyer of its own
    s = _planted(env)
    other = Shop(env)
    other.sale("g0@example.com", "game", "2026-11-19")
    # when the nightly job runs for the first shop, and again the same day
    first = env["c"].insights.nightly.run(s.tenant_id)
    again = env["c"].insights.nightly.run(s.tenant_id)
    # then it made the segments once, from that shop's 21 buyers only
    assert (first.ran, first.day, first.buyers, again.ran) == (True, "2026-11-20", 21, False)
    body = json.loads(s.get("/v1/segments").body)
    assert (body["computed_on"], body["currency"]) == ("2026-11-20", "usd")
    assert body["thresholds"] == {"whale_monthly": 500_000, "regular_monthly": 50_000, "dormant_days": 30,
                                  "new_days": 30}
    assert {x["id"]: x["size"] for x in body["segments"]} == {
        "new": 6, "regular": 10, "vip": 1, "dormant": 1, "churn_risk": 3,
        "whale": 1, "regular_spender": 0, "casual": 20}
    assert body["history"] == [{"day": "2026-11-20", "sizes": {x["id"]: x["size"] for x in body["segments"]}}]
    # and the whale is listed with its exact figures; the refunded one is casual again
    page = json.loads(s.get("/v1/segments/whale/customers").body)
    assert (page["total"], page["has_more"], page["next_cursor"]) == (1, False, None)
    assert page["data"] == [{"buyer_id": "cus_w1", "email": "w1@example.com", "lifecycle": "vip", "tier": "whale",
                             "r": "5", "f": "1", "m": "5", "orders": "1", "spent": "5200.00", "currency": "usd",
                             "first_purchase": "2026-11-19", "last_purchase": "2026-11-19"}]
    # and the other shop, not run yet, has none
    assert other.get("/v1/segments/whale/customers").status_code == 404


def test_a_segment_pages_with_a_cursor_and_exports_whole_as_csv(env: dict[str, Any]) -> None:
    # given a shop's nightly run
    s = _planted(env)
    env["c"].insights.nightly.run(s.tenant_id)
    # when the regulars are read 4 at a time
    seen, cursor = [], None
    while True:
        r = s.get("/v1/segments/regular/customers?limit=4" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.body
        page = json.loads(r.body)
        seen += [m["email"] for m in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # then every regular comes once, biggest spenders (those who also bought the accelerator) first
    assert seen == [f"g{n}@example.com" for n in range(6)] + [f"g{n}@example.com" for n in range(6, 10)]
    # and the CSV holds the same buyers under the header
    r = s.get("/v1/segments/regular/customers", accept="text/csv")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="regular-2026-11-20.csv"'
    rows = list(csv.reader(io.StringIO(r.body.decode())))
    assert rows[0][:4] == ["buyer_id", "email", "lifecycle", "tier"] and [row[1] for row in rows[1:]] == seen
    assert rows[1][7:10] == ["3", "30.00", "usd"]


def test_segments_answer_clearly_before_a_run_and_for_bad_requests(env: dict[str, Any]) -> None:
    s = Shop(env)
    body = json.loads(s.get("/v1/segments").body)
    assert (body["computed_on"], body["thresholds"], body["history"], {x["size"] for x in body["segments"]}) == (
        None, None, [], {0})
    r = s.get("/v1/segments/vip/customers")
    assert (r.status_code, json.loads(r.body)["error"]["message"]) == (
        404, "no segments yet: they are computed each night from the shop's sales")
    env["c"].insights.nightly.run(s.tenant_id)
    r = s.get("/v1/segments/big_spenders/customers")
    assert r.status_code == 404 and "the segments are new, regular, vip" in json.loads(r.body)["error"]["message"]
    for query, param in (("limit=0", "limit"), ("limit=many", "limit"), ("cursor=abc", "cursor"),
                         ("cursor=2026-11-19.4", "cursor")):
        r = s.get(f"/v1/segments/vip/customers?{query}")
        assert (r.status_code, json.loads(r.body)["error"]["param"]) == (400, param), query


def test_the_rules_find_what_sells_together_and_the_buyer_pages_show_it(env: dict[str, Any]) -> None:
    # given the planted shop after its nightly run: 6 of the 10 game-card buyers also bought the accelerator
    s = _planted(env)
    report = env["c"].insights.nightly.run(s.tenant_id)
    assert report.rules == 2
    game, accel = s.products["game"], s.products["accel"]
    # when the rules for the game card are read
    body = json.loads(s.get(f"/v1/insights/recommendations?product_id={game}").body)
    # then the accelerator is its rule: 6 of 21 buyers bought both, 6 of the 10 game buyers, 11 of 21 bought it
    assert body == {"object": "recommendations", "computed_on": "2026-11-20", "data": [
        {"product_id": game, "also_bought": [{"product_id": accel, "support": 0.2857, "confidence": 0.6,
                                              "lift": 1.145, "buyers": 6}]}]}
    every = json.loads(s.get("/v1/insights/recommendations").body)["data"]
    assert [(d["product_id"], [r["product_id"] for r in d["also_bought"]]) for d in every] == sorted(
        [(game, [accel]), (accel, [game])])
    # and the game card's page tells its buyers about the accelerator
    page = s.client.http.get(f"/s/{s.slug}/p/{game}").body.decode()
    assert 'id="also-bought"' in page and f'<a href="/s/{s.slug}/p/{accel}">Accel card</a>' in page
    gift = s.client.http.get(f"/s/{s.slug}/p/{s.products['gift']}").body.decode()
    assert 'id="also-bought"' not in gift
