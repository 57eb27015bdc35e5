"""The console's stock outlook (products most urgent first with when they run out and what to reorder, one
product's chart of recent sales and forecast) and its reports page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, owner_of_new_shop, serve

DAY = 86400


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def test_the_stock_outlook_puts_what_runs_out_first_and_charts_its_forecast(web: Any, env: ConsoleEnv) -> None:
    # given a shop with a card selling 3 a day for 8 weeks (30 keys left) and a card with plenty and no sales
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    ids = {}
    for name, keys in (("Plenty card", 40), ("Steady card", 30)):
        ids[name] = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
            "name": name, "price": 500, "currency": "usd"}).id
        env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=ids[name],
                                               body={"keys": shop.new_keys(keys, prefix="CS")},
                                               content_type="application/json")
    now = env.clock.now()
    for back in range(1, 57):
        at = now - back * DAY
        fact = Fact(SALE, f"ord_cst_{tenant_id[-6:]}_{back}", ids["Steady card"], at, 3, 1500, "usd")
        assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(at, tenant.zone))
    env.c.insights.nightly.run(tenant_id)
    # when the owner opens the stock outlook
    page = owner.get("/console/insights/stock").body.decode()
    # then the steady card comes first, running out in 10 days, 12 keys to import for two weeks
    rows = re.findall(r'<tr data-product="([^"]+)">(.*?)</tr>', page, re.S)
    assert [pid for pid, _ in rows] == [ids["Steady card"], ids["Plenty card"]]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1], re.S)]
    today = bucket(now, tenant.zone).day
    assert cells == ["Steady card", "Reorder", "30", "3.0", "10.0 d", (today + timedelta(days=10)).isoformat(),
                     "0", "12"]
    assert "No sales" in rows[1][1]
    # and its page charts 56 days of sales and the forecast, and links to the keys
    chart = owner.get(f"/console/insights/stock/{ids['Steady card']}").body.decode()
    assert len(re.findall(r"<rect ", chart)) == 56 and "<polyline points=" in chart
    assert f'href="/console/products/{ids["Steady card"]}/keys">Import 12 keys</a>' in chart
    assert "exponential smoothing" in chart
    assert owner.get("/console/insights/stock/prd_missing").status_code == 404


def test_the_reports_page_shows_a_period_and_keeps_the_members_mail_choice(web: Any, env: ConsoleEnv) -> None:
    # given a shop that sold 2 keys yesterday
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
        "name": "Report card", "price": 500, "currency": "usd"}).id
    at = env.clock.now() - DAY
    fact = Fact(SALE, f"ord_crp_{tenant_id[-6:]}", product, at, 2, 1000, "usd")
    assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(at, tenant.zone))
    # when the owner opens the reports
    page = owner.get("/console/insights/reports")
    text = page.body.decode()
    # then yesterday's report shows its figures and product line
    yesterday = bucket(at, tenant.zone).day.isoformat()
    assert f'<h2 id="period">{yesterday}</h2>' in text
    assert re.search(r'id="kpi-orders"><div class="muted">Orders</div><div class="n">1</div>', text)
    row = re.search(rf'<tr data-product="{product}">(.*?)</tr>', text, re.S)
    assert row and [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))][:3] == [
        "Report card", "1", "2"]
    # when they ask for the weekly and monthly reports by e-mail
    r = owner.post("/console/insights/reports/subscribe", {"mail_weekly": "1", "mail_monthly": "1"},
                   csrf=csrf_of(page))
    assert (r.status_code, r.headers["Location"]) == (303, "/console/insights/reports?saved=1")
    again = owner.get("/console/insights/reports?saved=1").body.decode()
    assert "Your report e-mails are saved." in again
    assert re.findall(r'name="mail_(\w+)" value="1"( checked)?', again) == [
        ("daily", ""), ("weekly", " checked"), ("monthly", " checked")]
    # and the CSV is the same report
    export = owner.get("/console/insights/reports/export")
    assert export.headers["Content-Disposition"] == f'attachment; filename="daily-report-{yesterday}.csv"'
