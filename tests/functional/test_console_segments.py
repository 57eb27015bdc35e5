"""The console's segments and bought-together pages (sizes with what to do, a segment's customers and its CSV, a
recompute that the merchant starts, the rules with the products' names) and the history import page."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support.console import ConsoleEnv, csrf_of, owner_of_new_shop, serve

DAY = 86400


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _shop_with_buyers(web: Any, env: ConsoleEnv) -> tuple[Any, str, dict[str, str]]:
    """6 buyers who bought a game card and an accelerator today, 3 who bought a gift card today, 2 who bought a game
    card 100 days ago."""
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    ids = {name: env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
        "name": name, "price": 1000, "currency": "usd"}).id for name in ("Game card", "Accelerator", "Gift card")}
    now, n = env.clock.now(), 0
    for buyer, products, at in [(f"b{i}", ("Game card", "Accelerator"), now) for i in range(6)] + [
            (f"g{i}", ("Gift card",), now) for i in range(3)] + [
            (f"d{i}", ("Game card",), now - 100 * DAY) for i in range(2)]:
        for name in products:
            n += 1
            fact = Fact(SALE, f"ord_cs_{tenant_id[-6:]}_{n}", ids[name], at, 1, 1000, "usd", buyer=f"cus_{buyer}",
                        email=f"{buyer}@example.com")
            assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(at, tenant.zone))
    return owner, tenant_id, ids


def _size(page: str, segment: str) -> str:
    found = re.search(rf'<section class="seg" data-segment="{segment}".*?<div class="n">(\d+)</div>', page, re.S)
    assert found, segment
    return found.group(1)


def test_the_merchant_recomputes_sees_the_sizes_and_exports_a_segment(web: Any, env: ConsoleEnv) -> None:
    # given a shop with sales and no nightly run yet
    owner, _, _ = _shop_with_buyers(web, env)
    page = owner.get("/console/insights/segments")
    assert "Not computed yet" in page.body.decode() and _size(page.body.decode(), "new") == "0"
    # when the owner presses "Recompute now"
    r = owner.post("/console/insights/segments/recompute", {}, csrf=csrf_of(page))
    assert (r.status_code, r.headers["Location"]) == (303, "/console/insights/segments?done=recomputed")
    page = owner.get(r.headers["Location"]).body.decode()
    # then each segment shows its size, with what it means and what to do
    assert {s: _size(page, s) for s in ("new", "regular", "vip", "dormant", "churn_risk", "whale",
                                        "regular_spender", "casual")} == {
        "new": "9", "regular": "0", "vip": "0", "dormant": "2", "churn_risk": "0", "whale": "0",
        "regular_spender": "0", "casual": "11"}
    assert "Segments and bought-together rules recomputed." in page
    assert "Win them back with an offer" in page
    # and the dormant customers are listed, and downloadable as CSV
    listed = owner.get("/console/insights/segments/dormant").body.decode()
    assert re.findall(r'<tr data-buyer="([^"]+)">', listed) == ["cus_d0", "cus_d1"]
    assert 'id="total">2<' in listed
    export = owner.get("/console/insights/segments/dormant/export")
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.body.decode().lstrip("\ufeff"))))
    assert [r[:3] for r in rows] == [["buyer_id", "email", "lifecycle"], ["cus_d0", "d0@example.com", "dormant"],
                                     ["cus_d1", "d1@example.com", "dormant"]]
    assert owner.get("/console/insights/segments/whales").status_code == 404


def test_bought_together_names_the_products_and_their_lift(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, ids = _shop_with_buyers(web, env)
    assert "Not computed yet" in owner.get("/console/insights/together").body.decode()
    env.c.insights.nightly.run(tenant_id)
    page = owner.get("/console/insights/together").body.decode()
    # 6 of 11 buyers bought both: every accelerator buyer bought the card (100 %, 8 of 11 bought it: lift 1.375),
    # 6 of the 8 card buyers the accelerator (75 %, 6 of 11 bought it: lift 1.375)
    rows = re.findall(r'<tr data-rule="([^"]+)"><td>([^<]+)</td><td>([^<]+)</td><td class="num">(\d+)</td>'
                      r'<td class="num">([^<]+)</td><td class="num">([^<]+)</td>', page)
    game, accel = ids["Game card"], ids["Accelerator"]
    assert rows == [(f"{accel}:{game}", "Accelerator", "Game card", "6", "100.0 %", "× 1.38"),
                    (f"{game}:{accel}", "Game card", "Accelerator", "6", "75.0 %", "× 1.38")]
    # and a shop whose buyers share nothing says so
    other, other_id, _ = owner_of_new_shop(web, env)
    env.c.insights.nightly.run(other_id)
    assert "No pair of products sells together often enough yet" in other.get("/console/insights/together").body.decode()


def test_the_history_page_imports_a_file_and_lists_it(web: Any, env: ConsoleEnv) -> None:
    # given a shop with a product, and the history page's CSRF token
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={"name": "Game card", "price": 1000,
                                                                           "currency": "usd"})
    page = owner.get("/console/insights/history")
    assert "No import yet." in page.body.decode()
    day = datetime.fromtimestamp(env.clock.now() - 10 * DAY, tz=UTC).strftime("%Y-%m-%d 10:00:00")
    headers = {"Content-Type": "application/json", "X-CSRF-Token": csrf_of(page)}
    # when the page's script sends a file with one good and one bad line
    bad = {"csv": f"order_id,created_at,product,amount,status\nA1,{day},Game card,10.00,paid\nA2,{day},Game card,"
                  f"lots,paid\n", "preset": "kamidrop", "currency": "usd"}
    r = owner.client.http.post("/console/insights/history", headers=owner._headers(headers), body=json.dumps(bad))
    # then the line is named and nothing is imported
    assert r.status_code == 400
    assert json.loads(r.body)["error"]["errors"] == [{"line": 3, "message": "amount 'lots' is not an amount"}]
    # when the fixed file is sent, its import is listed
    good = dict(bad, csv=bad["csv"].replace("lots", "12.00"))
    r = owner.client.http.post("/console/insights/history", headers=owner._headers(headers), body=json.dumps(good))
    assert r.status_code == 202 and json.loads(r.body)["orders"] == 2
    listed = owner.get("/console/insights/history").body.decode()
    assert re.findall(r'<tr data-import="[^"]+">.*?<td class="num">(\d+)</td>', listed, re.S) == ["2"]
    assert "Counting (0/1)" in listed
