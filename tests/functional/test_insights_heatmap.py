"""The weekday × hour heatmap and its peaks through the API: counted from the rollups in the shop's own zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from tests.support import shop


def _count(container: Any, tenant_id: str, at: datetime, n: int, tag: str) -> None:
    for i in range(n):
        fact = Fact(SALE, f"ord_{tag}_{i}", "prd_heat", int(at.timestamp()), 1, 500, "usd")
        assert container.insights.rollup_store.record(tenant_id, fact, bucket(fact.at, "Asia/Shanghai"))


def test_the_heatmap_counts_whole_weeks_in_the_shops_zone_and_names_its_peak(client: Any, container: Any) -> None:
    # given a shop in Shanghai time that sold 4 orders at 20:xx on today's weekday in each of the last 4 weeks,
    # one order at 09:xx each day for 28 days, and 50 orders 5 weeks ago (outside the window)
    merchant = shop.sign_up(client)
    key, tenant_id = merchant["key"], merchant["tenant"]["id"]
    assert shop.call(client, "PATCH", "/v1/tenant", {"timezone": "Asia/Shanghai"}, key=key).status_code == 200
    zone_now = datetime.fromtimestamp(container.platform.clock.now(), tz=UTC) + timedelta(hours=8)
    today = zone_now.date()
    for week in range(4):
        evening = datetime(today.year, today.month, today.day, 12, 10, tzinfo=UTC) - timedelta(weeks=week)
        _count(container, tenant_id, evening, 4, f"eve{week}")  # 12:10 UTC is 20:10 in Shanghai
    for day in range(28):
        morning = datetime(today.year, today.month, today.day, 1, 0, tzinfo=UTC) - timedelta(days=day)
        _count(container, tenant_id, morning, 1, f"mor{day}")  # 09:00 in Shanghai
    _count(container, tenant_id, datetime(today.year, today.month, today.day, 12, tzinfo=UTC) - timedelta(weeks=5),
           50, "old")
    # when the heatmap of the last 4 weeks is read
    r = shop.call(client, "GET", "/v1/insights/heatmap", key=key)
    # then it counts the window's orders in the shop's hours, and names the evening as the peak
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    wd = today.weekday()
    assert (body["timezone"], body["weeks"], body["orders"]) == ("Asia/Shanghai", 4, 16 + 28)
    assert (body["from"], body["to"]) == ((today - timedelta(days=27)).isoformat(), today.isoformat())
    assert body["cells"][wd][20] == 16 and [body["cells"][d][9] for d in range(7)] == [4] * 7
    # the mean hour is 44 / 168 = 0.262; the evening sells 16 (+6,009 %), the mornings 4 (+1,427 %)
    weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[wd]
    assert body["peaks"][0] == {"weekday": wd, "start_hour": 20, "end_hour": 21, "orders": 16, "lift_percent": 6009,
                                "summary": f"{weekday} 20–21 h: +6009 % over the weekly mean"}
    assert [(p["weekday"], p["start_hour"], p["lift_percent"]) for p in body["peaks"][1:]] == [
        (d, 9, 1427) for d in range(7) if d != wd][:2]
    # and a longer window takes in the older orders
    r = shop.call(client, "GET", "/v1/insights/heatmap?weeks=6", key=key)
    assert (r.status_code, json.loads(r.body)["orders"]) == (200, 16 + 28 + 50)


def test_the_heatmap_refuses_a_window_it_cannot_count(client: Any) -> None:
    merchant = shop.sign_up(client)
    for weeks in ("0", "14", "four", "-1"):
        r = shop.call(client, "GET", f"/v1/insights/heatmap?weeks={weeks}", key=merchant["key"])
        assert r.status_code == 400, weeks
        assert json.loads(r.body)["error"]["param"] == "weeks"
        assert json.loads(r.body)["error"]["message"] == "weeks must be a whole number from 1 to 13"


def test_an_empty_shop_has_an_empty_map_and_no_peaks(client: Any) -> None:
    merchant = shop.sign_up(client)
    body = json.loads(shop.call(client, "GET", "/v1/insights/heatmap", key=merchant["key"]).body)
    assert (body["orders"], body["peaks"], body["cells"]) == (0, [], [[0] * 24 for _ in range(7)])
