"""The console dashboard's peak hours: the heatmap's strongest windows, in words, in the shop's own hours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from tests.support.console import ConsoleEnv, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def test_the_dashboard_names_the_peak_hour_under_the_heatmap(web: Any, env: ConsoleEnv) -> None:
    # given a shop with 5 orders counted in one hour of today, and none elsewhere
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    now = env.clock.now()
    for n in range(5):
        fact = Fact(SALE, f"ord_peak_{n}", "prd_peak", now, 1, 500, "usd")
        assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(now, tenant.zone))
    # when the owner opens the console home
    page = owner.get("/console").body.decode()
    # then the peak window is named: that hour, 167 times the mean hour of the week (5 / 168) above it
    hour = bucket(now, tenant.zone).hour
    peaks = re.search(r'<ul id="peaks"[^>]*>(.*?)</ul>', page, re.S)
    assert peaks is not None, "no peak hours on the dashboard"
    items = re.findall(r"<li>(.*?)</li>", peaks.group(1))
    assert len(items) == 1
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[bucket(now, tenant.zone).day.weekday()]
    assert items == [f"{weekday} {hour}–{hour + 1} h: +16700 % over the weekly mean (5 orders)"]


def test_a_shop_without_sales_shows_no_peak_hours(web: Any, env: ConsoleEnv) -> None:
    owner, _, _ = owner_of_new_shop(web, env)
    assert 'id="peaks"' not in owner.get("/console").body.decode()
