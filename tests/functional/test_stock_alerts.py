"""The per-shop stock alert job: safety lines from the rollups, levels told by webhook and e-mail, a 24 h
cooldown unless worse, nothing told twice when run twice or retried, one shop's run never touching another's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from tests.fakes import FakeMailer, FakeQueue, FixedClock, RecordingEvents
from tests.support import shop

DAY = 86400


@pytest.fixture()
def env(settings: Any) -> Iterator[dict[str, Any]]:
    import time

    from chalice.test import Client

    from app import app

    parts = {"clock": FixedClock(int(time.time())), "mailer": FakeMailer(), "queue": FakeQueue(),
             "events": RecordingEvents()}
    c = wiring.Container(settings, **parts)
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "client": client, "settings": settings, **parts}
    wiring.use(None)


def _selling(c: Any, tenant_id: str, product_id: str, per_day: int, now: int) -> None:
    """`per_day` keys sold each day from 19 days before today to 2 days after (counted into the rollups as if
    sold then), so the 14-day window stays full while the tests move the clock a day on."""
    for day in range(-2, 20):
        at = now - day * DAY
        fact = Fact(SALE, f"ord_{product_id}_{day}", product_id, at, per_day, 500 * per_day, "usd")
        assert c.insights.rollup_store.record(tenant_id, fact, bucket(at, "UTC"))


def _shop(env: dict[str, Any]) -> dict[str, Any]:
    """A shop (UTC) with: A, 10 keys selling 3 a day (line 21: critical); B, its only key sold (out); C, 100 keys
    selling 1 a day (line 7: fine); D, 5 keys and no sales (fine); E, archived, 1 key selling 3 a day."""
    client, c, now = env["client"], env["c"], env["clock"].now()
    merchant = shop.sign_up(client)
    key, tenant_id = merchant["key"], merchant["tenant"]["id"]
    assert shop.call(client, "PATCH", "/v1/tenant", {"timezone": "UTC"}, key=key).status_code == 200
    made = {}
    for name, keys in (("A", 10), ("B", 1), ("C", 100), ("D", 5), ("E", 1)):
        made[name] = shop.product(client, key, name=f"Card {name}")
        shop.import_keys(client, key, made[name]["id"], shop.new_keys(keys, prefix=f"AL{name}"))
    _selling(c, tenant_id, made["A"]["id"], 3, now)
    _selling(c, tenant_id, made["C"]["id"], 1, now)
    _selling(c, tenant_id, made["E"]["id"], 3, now)
    assert shop.call(client, "POST", f"/v1/products/{made['E']['id']}/archive", key=key).status_code == 200
    shop.delivered_order(client, env["settings"], merchant["slug"], made["B"]["id"], email="last@example.com")
    env["queue"].sent.clear()
    return {"merchant": merchant, "tenant_id": tenant_id, "products": made}


def _events(env: dict[str, Any], tenant_id: str) -> list[tuple[str, str, str]]:
    return [(e["type"], e["data"]["product_name"], e["data"]["level"]) for e in env["events"].published
            if e["tenant_id"] == tenant_id]


def test_a_run_tells_the_low_and_the_out_once_by_webhook_and_one_email(env: dict[str, Any]) -> None:
    # given a shop with one product far below its safety line, one sold out and the rest fine
    s = _shop(env)
    # when its alert job runs, and runs again
    first = env["c"].insights.stock_alerts.check(s["tenant_id"])
    second = env["c"].insights.stock_alerts.check(s["tenant_id"])
    # then the first run told both, by one webhook each and one e-mail; the second told nothing
    assert (first.products, first.told, first.webhooks, first.mails) == (4, 2, 2, 1)
    assert (second.told, second.webhooks, second.mails) == (0, 0, 0)
    assert sorted(_events(env, s["tenant_id"])) == [("stock.low", "Card A", "critical"), ("stock.out", "Card B", "out")]
    low = next(e["data"] for e in env["events"].published if e["type"] == "stock.low")
    assert {k: low[k] for k in ("available", "safety_line", "daily_units", "days_left", "cover_days")} == {
        "available": 10, "safety_line": 21, "daily_units": 3.0, "days_left": 3.3, "cover_days": 7}
    [mail] = env["mailer"].sent
    assert mail["to"] == s["merchant"]["tenant"]["email"]
    assert mail["subject"] == "Stock alert: 2 product(s) need keys"
    assert mail["text"].split("\n\n")[1:3] == [
        "Card B: out of stock — buyers cannot buy it now.",
        "Card A: 10 left, about 3.3 days of sales (safety line 21)."]


def test_the_same_level_is_told_again_only_after_24_hours_and_a_worse_one_at_once(env: dict[str, Any]) -> None:
    s = _shop(env)
    c, client, key = env["c"], env["client"], s["merchant"]["key"]
    c.insights.stock_alerts.check(s["tenant_id"])
    # when C falls below its line (93 of its 100 keys voided: 7 left, line 7 is not below; 6 left is)
    keys = json.loads(shop.call(client, "GET", f"/v1/products/{s['products']['C']['id']}/keys?limit=100",
                                key=key).body)["data"]
    for k in keys[:94]:
        assert shop.call(client, "POST", f"/v1/keys/{k['id']}/void", key=key).status_code == 200
    env["clock"].advance(3600)
    later = c.insights.stock_alerts.check(s["tenant_id"])
    # then C is told at once (low: 6 left against 7) while A and B, told an hour ago, are not
    assert (later.told, later.mails) == (1, 1)
    assert _events(env, s["tenant_id"])[-1] == ("stock.low", "Card C", "low")
    # when a day has passed since A and B were told (C: half an hour less), and nothing changed
    env["clock"].advance(DAY - 1800)
    day_after = c.insights.stock_alerts.check(s["tenant_id"])
    # then A and B are told again, C not yet
    assert day_after.told == 2
    assert sorted(_events(env, s["tenant_id"])[-2:]) == [("stock.low", "Card A", "critical"),
                                                         ("stock.out", "Card B", "out")]


def test_a_failed_email_is_sent_by_the_next_run_and_the_webhooks_are_not_repeated(env: dict[str, Any]) -> None:
    s = _shop(env)
    # given the e-mail service down during the run
    env["mailer"].fail = True
    with pytest.raises(Exception) as failed:
        env["c"].insights.stock_alerts.check(s["tenant_id"])
    assert failed.value.code == "email_unavailable"  # type: ignore[attr-defined]
    # when the queue retries the message with the e-mail service back
    env["mailer"].fail = False
    retry = env["c"].insights.stock_alerts.check(s["tenant_id"])
    # then the e-mail goes once, and each webhook event exists once
    assert (retry.told, retry.mails) == (0, 1) and len(env["mailer"].sent) == 1
    assert sorted(_events(env, s["tenant_id"])) == [("stock.low", "Card A", "critical"), ("stock.out", "Card B", "out")]


def test_the_job_fans_out_one_message_per_shop_and_a_shops_run_tells_only_its_own(env: dict[str, Any]) -> None:
    from chalicelib.wiring.jobs import fan_out, handle_queue_bodies

    s = _shop(env)
    other = shop.sign_up(env["client"])
    # when the hourly schedule fans the job out
    sent = fan_out("stock_alerts")
    messages = [m for m in env["queue"].sent if m.get("kind") == "tenant_job"]
    # then every shop has one message, ours and the other among them
    assert sent == len(messages) and len({m["tenant_id"] for m in messages}) == sent
    ours = [m for m in messages if m["tenant_id"] in (s["tenant_id"], other["tenant"]["id"])]
    assert sorted(m["tenant_id"] for m in ours) == sorted([s["tenant_id"], other["tenant"]["id"]])
    # when the other shop's message is handled, then ours
    assert handle_queue_bodies([json.dumps(m) for m in ours if m["tenant_id"] == other["tenant"]["id"]]) == []
    assert _events(env, s["tenant_id"]) == [] and env["mailer"].sent == []
    assert handle_queue_bodies([json.dumps(m) for m in ours if m["tenant_id"] == s["tenant_id"]]) == []
    # then only our shop's products were told, to our shop's address
    assert {e["tenant_id"] for e in env["events"].published} == {s["tenant_id"]}
    assert [m["to"] for m in env["mailer"].sent] == [s["merchant"]["tenant"]["email"]]
