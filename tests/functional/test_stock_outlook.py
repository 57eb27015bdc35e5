"""What will run out and when: the nightly forecasts of each product from the rollups, read against the live stock
through the API (stock list and a product's forecast with its backtest)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from tests.fakes import FakeMailer, FakeQueue, FixedClock
from tests.support import shop

NOW = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp())
DAY = 86400


@pytest.fixture()
def env(settings: Any) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    c = wiring.Container(settings, clock=FixedClock(NOW), mailer=FakeMailer(), queue=FakeQueue())
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "client": client}
    wiring.use(None)


def _sell(c: Any, tenant_id: str, product_id: str, per_day: list[int]) -> None:
    """per_day[-1] sold yesterday, per_day[-2] the day before, and so on (counted as the outbox would)."""
    for back, units in enumerate(reversed(per_day), start=1):
        if units:
            at = NOW - back * DAY
            fact = Fact(SALE, f"ord_so_{product_id[-6:]}_{back}", product_id, at, units, 500 * units, "usd")
            assert c.insights.rollup_store.record(tenant_id, fact, bucket(at, "UTC"))


def _shop(env: dict[str, Any]) -> dict[str, Any]:
    """A UTC shop: a steady card selling 3 a day for 8 weeks with 30 keys left; a card that never sold."""
    client, c = env["client"], env["c"]
    merchant = shop.sign_up(client)
    made = {"key": merchant["key"], "tenant_id": merchant["tenant"]["id"]}
    for name, keys in (("steady", 30), ("unsold", 5)):
        made[name] = shop.product(client, merchant["key"], name=f"{name.title()} card")["id"]
        shop.import_keys(client, merchant["key"], made[name], shop.new_keys(keys, prefix=name.upper()))
    _sell(c, made["tenant_id"], made["steady"], [3] * 56)
    return made


def _get(env: dict[str, Any], made: dict[str, Any], path: str) -> Any:
    r = shop.call(env["client"], "GET", path, key=made["key"])
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def test_the_stock_list_says_what_runs_out_when_and_what_to_reorder(env: dict[str, Any]) -> None:
    # given a shop whose nightly run has forecast its products
    made = _shop(env)
    before = _get(env, made, "/v1/insights/stock")
    assert before["computed_on"] is None and {d["forecast_method"] for d in before["data"]} == {"none"}
    report = env["c"].insights.nightly.run(made["tenant_id"])
    assert report.forecasts == 1
    # when the stock outlook is read
    body = _get(env, made, "/v1/insights/stock")
    # then the steady card runs out in 10 days (30 keys at 3 a day) and needs 12 keys for 14 days
    assert body["computed_on"] == "2026-11-20"
    rows = {d["name"]: d for d in body["data"]}
    steady = rows["Steady card"]
    assert {k: steady[k] for k in ("available", "average_daily_units", "safety_line", "days_of_cover",
                                   "stockout_date", "reorder_7_days", "reorder_14_days", "warning",
                                   "forecast_method")} == {
        "available": 30, "average_daily_units": 3.0, "safety_line": 21, "days_of_cover": 10.0,
        "stockout_date": "2026-11-30", "reorder_7_days": 0, "reorder_14_days": 12, "warning": True,
        "forecast_method": "ets"}
    assert {k: rows["Unsold card"][k] for k in ("available", "average_daily_units", "days_of_cover",
                                                "stockout_date", "warning", "forecast_method")} == {
        "available": 5, "average_daily_units": 0.0, "days_of_cover": None, "stockout_date": None,
        "warning": False, "forecast_method": "none"}


def test_a_products_forecast_comes_with_its_backtest_and_history(env: dict[str, Any]) -> None:
    made = _shop(env)
    env["c"].insights.nightly.run(made["tenant_id"])
    body = _get(env, made, f"/v1/insights/forecast/{made['steady']}")
    assert (body["method"], body["demand_class"], body["available"]) == ("ets", "smooth", 30)
    assert [d["date"] for d in body["days"]][:2] == ["2026-11-20", "2026-11-21"] and len(body["days"]) == 14
    assert {d["units"] for d in body["days"]} == {3.0}
    assert body["backtest"] == {"mase": 0.0, "baseline_mase": 0.0, "mae": 0.0}
    assert body["recent"][-1] == {"date": "2026-11-19", "units": 3} and len(body["recent"]) == 56
    # and a product with no sales has no forecast; an unknown one is 404
    unsold = _get(env, made, f"/v1/insights/forecast/{made['unsold']}")
    assert (unsold["method"], unsold["days"], unsold["recent"]) == ("none", [], [])
    r = shop.call(env["client"], "GET", "/v1/insights/forecast/prd_nothing", key=made["key"])
    assert r.status_code == 404
