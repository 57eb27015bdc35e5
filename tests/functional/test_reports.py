"""The shop's reports through the API (JSON and CSV), with an anomaly said in words; and the nightly telling: each
closed period e-mailed to the members who opted in and announced by report.ready, once."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from chalicelib.kernel.errors import InvalidRequest
from tests.fakes import FakeMailer, FakeQueue, FixedClock, RecordingEvents
from tests.support import shop

WEDNESDAY = int(datetime(2026, 11, 18, 12, tzinfo=UTC).timestamp())
DAY = 86400


@pytest.fixture()
def env(settings: Any) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    parts = {"clock": FixedClock(WEDNESDAY), "mailer": FakeMailer(), "queue": FakeQueue(), "events": RecordingEvents()}
    c = wiring.Container(settings, **parts)
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "client": client, **parts}
    wiring.use(None)


def _shop(env: dict[str, Any]) -> dict[str, Any]:
    """A UTC shop selling a card (5.00, keys costing 3.00) 2 a day for 9 weeks, and 12 yesterday (a Tuesday)."""
    c, client = env["c"], env["client"]
    merchant = shop.sign_up(client)
    made = {"key": merchant["key"], "tenant_id": merchant["tenant"]["id"], "slug": merchant["slug"]}
    made["card"] = shop.product(client, merchant["key"], name="Card", price=500)["id"]
    shop.import_keys(client, merchant["key"], made["card"], shop.new_keys(7, prefix="RPT"))
    for back in range(1, 64):
        at = WEDNESDAY - back * DAY
        for n in range(12 if back == 1 else 2):
            fact = Fact(SALE, f"ord_rpt_{made['card'][-6:]}_{back}_{n}", made["card"], at, 1, 500, "usd", cost=300,
                        buyer=f"cus_{n}", new_buyer=back == 63)
            assert c.insights.rollup_store.record(made["tenant_id"], fact, bucket(at, "UTC"))
    return made


def _get(env: dict[str, Any], made: dict[str, Any], path: str, accept: str | None = None) -> Any:
    return shop.call(env["client"], "GET", path, key=made["key"], headers={"Accept": accept} if accept else None)


def test_yesterdays_report_has_its_figures_and_calls_the_spike_out(env: dict[str, Any]) -> None:
    made = _shop(env)
    r = _get(env, made, "/v1/reports/daily")
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert (body["from"], body["to"], body["closed"], body["currency"]) == ("2026-11-17", "2026-11-17", True, "usd")
    assert (body["orders"], body["units"], body["revenue"], body["margin"]) == (12, 12, {"usd": 6000}, {"usd": 2400})
    assert body["previous"] == {"from": "2026-11-16", "to": "2026-11-16", "orders": 2, "units": 2,
                                "revenue": {"usd": 1000}, "orders_change_percent": 500.0}
    assert [(a["metric"], a["direction"], a["value"]) for a in body["anomalies"]] == [
        ("orders", "high", 12), ("units", "high", 12), ("revenue_usd", "high", 6000)]
    assert body["anomalies"][0]["summary"] == "Tue 2026-11-17: orders 12, above the 2 seen on each of the last 8 Tuesdays"
    assert [(p["name"], p["units"], p["available"]) for p in body["top_products"]] == [("Card", 12, 7)]
    # the week before, as CSV
    r = _get(env, made, "/v1/reports/weekly", accept="text/csv")
    assert r.status_code == 200 and r.headers["Content-Disposition"] == (
        'attachment; filename="weekly-report-2026-11-09.csv"')
    rows = list(csv.reader(io.StringIO(r.body.decode().lstrip("\ufeff"))))
    assert rows[:3] == [["report", "weekly"], ["first", "2026-11-09"], ["last", "2026-11-15"]]
    assert ["orders", "14"] in rows
    # a month that is still running is not closed; a bad or future day is refused
    assert json.loads(_get(env, made, "/v1/reports/monthly?date=2026-11-02").body)["closed"] is False
    for query, message in (("date=17-11-2026", "date must be a day as YYYY-MM-DD"),
                           ("date=2026-12-01", "date must be a shop day from three years ago to today")):
        r = _get(env, made, f"/v1/reports/daily?{query}")
        assert (r.status_code, json.loads(r.body)["error"]["message"]) == (400, message)


def test_the_nightly_run_tells_each_closed_report_once_to_those_who_opted_in(env: dict[str, Any]) -> None:
    made = _shop(env)
    c, mailer, events = env["c"], env["mailer"], env["events"]
    owner = c.tenancy.staff.list(actor=_system(), tenant_id=made["tenant_id"])[0]
    c.insights.reports.subscribe(actor=_system(), tenant_id=made["tenant_id"], user_id=owner.user_id,
                                 kinds={"daily"})
    # when the nightly run is made, then forced again the same day
    c.insights.nightly.run(made["tenant_id"])
    c.insights.nightly.run(made["tenant_id"], force=True)
    # then yesterday's daily report went once to the owner, and report.ready once (a Wednesday: no weekly)
    mails = [m for m in mailer.sent if "daily report" in m["subject"]]
    assert [(m["to"], m["subject"]) for m in mails] == [(owner.email, f"Shop {made['slug']}: daily report for "
                                                                       "2026-11-17")]
    assert "Orders: 12" in mails[0]["text"] and "far above" not in mails[0]["text"]
    assert "above the 2 of each of the last 8 Tuesdays" in mails[0]["text"]
    ready = [e for e in events.published if e["type"] == "report.ready"]
    assert [(e["data"]["kind"], e["data"]["from"], e["data"]["orders"], e["data"]["anomalies"]) for e in ready] == [
        ("daily", "2026-11-17", 12, 3)]


def _system() -> Any:
    from chalicelib.tenancy.domain.roles import SYSTEM

    return SYSTEM


def test_a_member_who_opts_out_gets_no_report_and_a_removed_member_none_at_all(env: dict[str, Any]) -> None:
    # given a shop whose owner opted in to the daily report, then out again
    made = _shop(env)
    c, mailer = env["c"], env["mailer"]
    owner = c.tenancy.staff.list(actor=_system(), tenant_id=made["tenant_id"])[0]
    for kinds in ({"daily", "weekly"}, set()):
        c.insights.reports.subscribe(actor=_system(), tenant_id=made["tenant_id"], user_id=owner.user_id, kinds=kinds)
    assert c.insights.reports.subscribed(actor=_system(), tenant_id=made["tenant_id"], user_id=owner.user_id) == set()
    # and a subscription left by someone who is not (or no longer) on the staff
    c.insights.report_subscriptions.save(made["tenant_id"], "usr_gone", {"daily"})
    # when the nightly run tells yesterday's report
    c.insights.nightly.run(made["tenant_id"])
    # then the webhook is told, and nobody is e-mailed
    assert [e["data"]["kind"] for e in env["events"].published if e["type"] == "report.ready"] == ["daily"]
    assert [m for m in mailer.sent if "report" in m["subject"]] == []
    # and an unknown kind is refused
    with pytest.raises(InvalidRequest, match="reports are daily, weekly, monthly"):
        c.insights.reports.subscribe(actor=_system(), tenant_id=made["tenant_id"], user_id=owner.user_id,
                                     kinds={"hourly"})
