"""The console's funnel page: the steps with the share leaving each, the leaks in the merchant's words with what to
try, and the figures by device and channel, for the period chosen."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.insights.domain.funnel import CHECKOUT, PAID, PAY, PRODUCT, SHOP, Touch
from chalicelib.insights.domain.rollups import bucket
from tests.support.console import ConsoleEnv, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _touch(env: ConsoleEnv, tenant_id: str, step: str, device: str, channel: str, n: int, at: int) -> None:
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    for _ in range(n):
        env.c.insights.funnel_store.add(tenant_id, Touch(step, "-" if step == SHOP else "prd_f", channel, device, at),
                                        bucket(at, tenant.zone))


def _cells(page: str, table: str, who: str) -> list[str]:
    row = re.search(rf'<table class="data" id="table-{table}">.*?<tr data-who="{re.escape(who)}">(.*?)</tr>', page,
                    re.S)
    assert row is not None, f"no {who} row in the {table} table"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]


def test_the_funnel_page_names_the_leak_and_what_to_try(web: Any, env: ConsoleEnv) -> None:
    # given a shop whose mobile buyers (from a newsletter) leave at the payment step far more than desktop ones
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    now = env.clock.now()
    _touch(env, tenant_id, SHOP, "mobile", "newsletter", 30, now)
    for device, channel, paid in (("mobile", "newsletter", 16), ("desktop", "direct", 36)):
        for step, n in ((PRODUCT, 100), (CHECKOUT, 50), (PAY, 40), (PAID, paid)):
            _touch(env, tenant_id, step, device, channel, n, now)
    # when the owner opens the funnel for the last 7 days
    page = owner.get("/console/insights?days=7").body.decode()
    # then each step shows its count and the share leaving it
    steps = re.findall(r'<li data-step="(\w+)"><span>[^<]*</span>.*?<span class="n">(\d+)</span>', page, re.S)
    assert steps == [("product", "200"), ("checkout", "100"), ("pay", "80"), ("paid", "52")]
    assert re.findall(r"↓ (\d+) % leave here", page) == ["50", "20", "35"]
    assert 'id="shop-views">30<' in page and 'id="conversion">26.0 %<' in page
    # and the leak is said in words with a suggestion, by device and then by channel (the same buyers)
    leaks = re.findall(r'<div class="leak" data-who="([^"]+)" data-step="(\w+)">\s*<p><strong>(.*?)</strong>', page,
                       re.S)
    assert leaks == [
        ("mobile", "pay", "60 % leave at the payment step on Mobile (35 % across the shop)."),
        ("newsletter", "pay", "60 % of buyers from newsletter leave at the payment step (35 % across the shop).")]
    assert "Offer the payment methods these buyers use" in page
    # and the tables break the steps down
    assert _cells(page, "device", "mobile") == ["Mobile", "100", "50", "40", "16", "16.0 %"]
    assert _cells(page, "channel", "direct") == ["Direct (no referrer)", "100", "50", "40", "36", "36.0 %"]


def test_a_new_shop_sees_an_empty_funnel_and_how_to_tag_its_links(web: Any, env: ConsoleEnv) -> None:
    owner, _, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/insights?days=400").body.decode()  # an unknown period falls back to 7 days
    assert 'id="funnel-empty"' in page and "?utm_source=newsletter" in page
    assert re.search(r'<a href="/console/insights\?days=7" aria-current="page">7 days</a>', page)
    assert "No device or channel leaves a step far more often" in page


def test_the_cockpit_shows_today_and_refreshes_from_its_json(web: Any, env: ConsoleEnv) -> None:
    # given a shop that sold 3 keys of one card in one order today, and whose funnel counted two product views
    from chalicelib.insights.domain.rollups import SALE, Fact

    owner, tenant_id, _ = owner_of_new_shop(web, env)
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    now = env.clock.now()
    fact = Fact(SALE, f"ord_cockpit_{tenant_id[-6:]}", "prd_cockpit", now, 3, 1500, "usd")
    assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(now, tenant.zone))
    _touch(env, tenant_id, PRODUCT, "mobile", "direct", 2, now)
    # when the owner opens the cockpit
    page = owner.get("/console/cockpit").body.decode()
    # then today's figures are on it, and the hour of the sale has the tallest bar
    assert 'id="c-orders">1<' in page and 'id="c-units">3<' in page and 'id="c-revenue">$15.00<' in page
    heights = re.findall(r'<span title="(\d+):00 · (\d+)" style="height:(\d+)%">', page)
    hour = bucket(now, tenant.zone).hour
    assert [(int(h), int(n), int(p)) for h, n, p in heights if int(n)] == [(hour, 1, 100)]
    assert '<div data-step="product"><span>Product views</span><b>2</b></div>' in page
    # and the page's script reads the same figures as JSON
    live = owner.get("/console/cockpit/live", headers={"Accept": "application/json"})
    body = json.loads(live.body)
    assert (live.status_code, body["orders"], body["units"], body["revenue"], body["funnel"]["product"]) == (
        200, 1, 3, "$15.00", 2)
    assert body["top"] == [{"name": "prd_cockpit", "units": 3, "revenue": "$15.00"}]
