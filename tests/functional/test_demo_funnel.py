"""The demo shop's funnel, written the way `make run` seeds it, read back through the merchant API: every step
counted as generated, and the mobile payment leak in words."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.insights.domain.funnel import from_row, merge
from chalicelib.insights.domain.funnel_report import report
from devstack import demo_funnel
from devstack.demo_history import ZONE, history_csv
from devstack.seed import DEMO_PRODUCTS, HISTORY_PRODUCTS, seed_funnel
from tests.support import shop


def _stack_env(settings: Any) -> dict[str, str]:
    return {"KAMIDROP_AWS_ENDPOINT": settings.aws_endpoint_url, "KAMIDROP_TABLE": settings.table_name,
            "AWS_REGION": settings.region, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def test_the_seeded_demo_funnel_reads_back_with_its_mobile_leak(client: Any, settings: Any, container: Any) -> None:
    # given a shop in the demo's zone with the demo's products, and the history the demo imports
    merchant = shop.sign_up(client)
    key, tenant_id = merchant["key"], merchant["tenant"]["id"]
    assert shop.call(client, "PATCH", "/v1/tenant", {"timezone": "Asia/Shanghai"}, key=key).status_code == 200
    bodies = [body for _, body in DEMO_PRODUCTS] + [body for _, _, body in HISTORY_PRODUCTS]
    priced = {b["name"]: (shop.product(client, key, name=b["name"], price=b["price"])["id"], b["price"])
              for b in bodies}
    now = container.platform.clock.now()
    history = history_csv(priced, now)
    # when the seed adds the demo funnel
    writes = seed_funnel(_stack_env(settings), tenant_id=tenant_id, history=history, now=now,
                         product_ids=[pid for pid, _ in priced.values()])
    # then one write per shop day and product at most
    assert 0 < writes <= demo_funnel.DAYS * (len(priced) + 1)
    # and the funnel of the last 30 days holds exactly what was generated for those days
    r = shop.call(client, "GET", "/v1/insights/funnel?days=30", key=key)
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    expected = _expected(history, list(priced), priced, now, date.fromisoformat(body["from"]),
                         date.fromisoformat(body["to"]))
    assert body["storefront_views"] == expected.shop_views > 0
    assert [s["count"] for s in body["overall"]["steps"]] == [s.count for s in expected.overall.steps]
    counts = [s["count"] for s in body["overall"]["steps"]]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 500
    # and the first leak is the phone buyers leaving at the payment step, said in words
    first = body["leaks"][0]
    assert (first["who"], first["kind"], first["step"]) == ("mobile", "device", "pay")
    assert first["leave_rate"] - first["overall_leave_rate"] > 0.15
    assert first["summary"] == (f"{round(first['leave_rate'] * 100)} % leave at the payment step on mobile "
                                f"({round(first['overall_leave_rate'] * 100)} % overall)")
    assert [c["who"] for c in body["channels"]] == [expected_flow.who for expected_flow in expected.channels]


def _expected(history: str, names: list[str], priced: dict[str, tuple[str, int]], now: int, first: date,
              last: date) -> Any:
    today = datetime.fromtimestamp(now, tz=UTC).astimezone(ZONE).date()
    counts = demo_funnel.funnel_counts(demo_funnel.paid_sales(history, today), [priced[n][0] for n in names], today)
    kept = [from_row(values) for (day, _), values in demo_funnel.rows(counts).items() if first <= day <= last]
    return report(merge(kept), first, last)
