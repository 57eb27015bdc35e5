"""Outbound webhooks end to end: a sale's events to a real receiver on 127.0.0.1 that fails, times out and
recovers; signatures verified by the receiver with `standardwebhooks`; the retry schedule under a fake clock;
410 disabling; replays; secret rotation; 5-day disabling; SSRF refusal in production mode."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.webhook_sender import HttpWebhookSender
from chalicelib.wiring import jobs as tasks
from tests.fakes import FakeMailer, FakeQueue, FixedClock
from tests.fakes_webhooks import Receiver
from tests.support import shop

T0 = int(time.time()) // 60 * 60


@pytest.fixture(scope="module")
def hooks(settings: Any) -> Iterator[dict[str, Any]]:
    clock, queue, mailer = FixedClock(T0), FakeQueue(), FakeMailer()
    c = wiring.Container(settings, clock=clock, queue=queue, mailer=mailer,
                         webhook_sender=HttpWebhookSender(production=False, timeout=0.5))
    receiver = Receiver()
    yield {"c": c, "clock": clock, "queue": queue, "mailer": mailer, "receiver": receiver}
    receiver.stop()
    wiring.use(None)


@pytest.fixture()
def api(hooks: dict[str, Any]) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    wiring.use(hooks["c"])
    with Client(app) as client:
        yield client


def drain(queue: FakeQueue) -> int:
    """What the SQS handler does, for every message queued so far (messages queued meanwhile included)."""
    n = 0
    while queue.sent:
        body = queue.sent.pop(0)
        tasks.handle_queue_body(json.dumps(body))
        n += 1
    return n


def new_endpoint(api: Any, key: str, url: str, events: list[str]) -> dict[str, Any]:
    r = shop.call(api, "POST", "/v1/webhook_endpoints", {"url": url, "events": events}, key=key)
    assert r.status_code == 201, r.body
    return dict(json.loads(r.body))


def deliveries(api: Any, key: str, endpoint_id: str) -> list[dict[str, Any]]:
    r = shop.call(api, "GET", f"/v1/webhook_endpoints/{endpoint_id}/deliveries?limit=100", key=key)
    assert r.status_code == 200, r.body
    return list(json.loads(r.body)["data"])


def test_a_sale_is_announced_through_failures_timeouts_and_recovery_on_schedule(api, hooks, settings):
    clock, queue, receiver = hooks["clock"], hooks["queue"], hooks["receiver"]
    # given a shop with 11 keys (threshold 10) and an endpoint on every event, whose receiver answers 500
    merchant = shop.sign_up(api)
    product = shop.product(api, merchant["key"])
    shop.import_keys(api, merchant["key"], product["id"], shop.new_keys(11))
    created = new_endpoint(api, merchant["key"], receiver.url, ["*"])
    assert created["secret"].startswith("whsec_") and created["enabled"] is True
    receiver.secrets = [created["secret"]]
    receiver.mode = "500"
    # when a buyer checks out and pays, and the queue's messages are handled
    r = shop.checkout(api, merchant["slug"], product["id"])
    assert r.status_code == 201, r.body
    order_id = json.loads(r.body)["order_id"]
    intent_id = json.loads(r.body)["payment"]["client_secret"].split("_secret_")[0]
    shop.pay(settings, intent_id)
    payload, signature = shop.stripe_event(settings, intent_id)
    assert json.loads(shop.post_event(api, payload, signature).body)["result"] == "delivered"
    drain(queue)
    # then four events were recorded and each was tried once, at T0, and answered 500
    types = ["order.created", "order.delivered", "order.paid", "stock.low"]
    assert sorted(r.body["type"] for r in receiver.received) == types
    assert {r.body["data"]["id"] for r in receiver.received if r.body["type"].startswith("order.")} == {order_id}
    stock_low = receiver.of_type("stock.low")[0].body
    assert stock_low["data"] == {"object": "stock", "product_id": product["id"], "product_name": "Game card",
                                 "available": 10, "low_stock_threshold": 10}
    assert all(r.body["api_version"] == "2026-11-01" and r.body["tenant_id"] == merchant["tenant"]["id"]
               for r in receiver.received)
    listed = deliveries(api, merchant["key"], created["id"])
    assert sorted(d["event_type"] for d in listed) == types
    assert all(d["status"] == "pending" and d["next_attempt_at"] == T0 + 5 for d in listed)
    # when the schedule runs through timeouts (T0+5), 429s (T0+305) and then the receiver recovers (T0+2105)
    clock.advance(4)
    assert tasks.deliver_webhooks().get("due", 0) == 0  # nothing is due before its time
    for mode, wait in (("timeout", 1), ("429", 300), ("ok", 1800)):
        receiver.mode = mode
        clock.advance(wait)
        assert tasks.deliver_webhooks()["due"] == 4
    # then every event is delivered once, signed with the endpoint's secret, after attempts on the schedule
    ok = [r for r in receiver.received if r.answered == "ok"]
    assert sorted(r.body["type"] for r in ok) == types
    assert all(r.verified_by == (created["secret"],) for r in receiver.received)
    listed = deliveries(api, merchant["key"], created["id"])
    for d in listed:
        assert d["status"] == "delivered" and d["delivered_at"] == T0 + 2105 and d["next_attempt_at"] is None
        assert [a["at"] for a in d["attempts"]] == [T0, T0 + 5, T0 + 305, T0 + 2105]
        assert [a["status_code"] for a in d["attempts"]] == [500, None, 429, 200]
        assert [a["outcome"] for a in d["attempts"]] == ["retry", "retry", "retry", "delivered"]
        assert d["attempts"][1]["error"] == "timeout after 0.5 s"
    # every attempt of one delivery carries the same webhook-id (receivers deduplicate on it)
    assert {r.webhook_id for r in receiver.received} == {d["id"] for d in listed}
    # and the endpoint is healthy again; nothing else is due
    endpoint = json.loads(shop.call(api, "GET", f"/v1/webhook_endpoints/{created['id']}", key=merchant["key"]).body)
    assert (endpoint["enabled"], endpoint["failing_since"]) == (True, None)
    assert tasks.deliver_webhooks().get("due", 0) == 0


def test_410_disables_the_endpoint_and_tells_the_owner_then_replay_delivers_what_it_missed(api, hooks):
    c, clock, queue, receiver, mailer = (hooks[k] for k in ("c", "clock", "queue", "receiver", "mailer"))
    merchant = shop.sign_up(api)
    created = new_endpoint(api, merchant["key"], receiver.url, ["order.created"])
    receiver.secrets = [created["secret"]]
    receiver.received.clear()
    # given a receiver that answers 410 Gone
    receiver.mode = "gone"
    # when a test event is sent
    r = shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=merchant["key"])
    # then the delivery failed at once (no retry), the endpoint is disabled and the owner told
    assert r.status_code == 200, r.body
    delivery = json.loads(r.body)
    assert (delivery["status"], delivery["event_type"], delivery["next_attempt_at"]) == ("failed", "webhook.test", None)
    assert [(a["status_code"], a["outcome"]) for a in delivery["attempts"]] == [(410, "gone")]
    endpoint = json.loads(shop.call(api, "GET", f"/v1/webhook_endpoints/{created['id']}", key=merchant["key"]).body)
    assert (endpoint["enabled"], endpoint["disabled_reason"]) == (False, "gone")
    notices = [m for m in mailer.sent if created["id"] in m["subject"]]
    assert len(notices) == 1 and notices[0]["to"] == f"owner@{merchant['slug']}.example.com"
    # and new events are not addressed to a disabled endpoint
    c.integrations.events.publish(tenant_id=merchant["tenant"]["id"], type="order.created", data={"id": "ord_x"},
                     dedupe_key="order.created:ord_x")
    drain(queue)
    assert len(receiver.received) == 1
    # when the merchant re-enables it and replays everything undelivered since before the test
    receiver.mode = "ok"
    clock.advance(60)
    r = shop.call(api, "PATCH", f"/v1/webhook_endpoints/{created['id']}", {"enabled": True}, key=merchant["key"])
    assert json.loads(r.body)["enabled"] is True and json.loads(r.body)["disabled_reason"] is None
    r = shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/replay", {"since": T0 - 60},
                  key=merchant["key"])
    assert (r.status_code, json.loads(r.body)) == (200, {"object": "replay", "requeued": 1})
    drain(queue)
    # then the missed message arrives, with the same webhook-id, verified
    assert [(x.answered, x.webhook_id, x.verified_by) for x in receiver.received[1:]] == [
        ("ok", delivery["id"], (created["secret"],))]
    # and replaying one event re-sends even a delivered message
    r = shop.call(api, "POST", f"/v1/events/{delivery['event_id']}/replay", key=merchant["key"])
    assert json.loads(r.body)["requeued"] == 1
    drain(queue)
    assert len(receiver.received) == 3 and receiver.received[2].webhook_id == delivery["id"]
    event = json.loads(shop.call(api, "GET", f"/v1/events/{delivery['event_id']}", key=merchant["key"]).body)
    assert [len(d["attempts"]) for d in event["deliveries"]] == [3]


def test_a_rotated_secret_signs_alongside_the_new_one_until_the_overlap_ends(api, hooks):
    clock, receiver = hooks["clock"], hooks["receiver"]
    merchant = shop.sign_up(api)
    created = new_endpoint(api, merchant["key"], receiver.url, ["*"])
    receiver.mode, receiver.secrets = "ok", [created["secret"]]
    # when the secret is rotated with a one-hour overlap
    r = shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/rotate_secret", {"overlap_seconds": 3600},
                  key=merchant["key"])
    rotated = json.loads(r.body)
    assert rotated["secret"] != created["secret"] and rotated["previous_secret_expires_at"] == hooks["clock"].now() + 3600
    receiver.secrets = [created["secret"], rotated["secret"]]
    receiver.received.clear()
    shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=merchant["key"])
    # then both secrets verify the message (two v1 signatures)
    first = receiver.received[-1]
    assert len(first.signatures) == 2 and set(first.verified_by) == {created["secret"], rotated["secret"]}
    # and after the overlap only the new one signs
    clock.advance(3601)
    shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=merchant["key"])
    assert receiver.received[-1].verified_by == (rotated["secret"],) and len(receiver.received[-1].signatures) == 1


def test_an_endpoint_failing_for_five_days_is_disabled_and_the_owner_emailed(api, hooks):
    clock, receiver, mailer = hooks["clock"], hooks["receiver"], hooks["mailer"]
    merchant = shop.sign_up(api)
    created = new_endpoint(api, merchant["key"], receiver.url, ["*"])
    receiver.mode = "500"
    started = clock.now()
    shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=merchant["key"])
    # when it still fails just before five days, it stays enabled
    clock.advance(5 * 86400 - 1)
    tasks.deliver_webhooks()
    shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=merchant["key"])
    endpoint = json.loads(shop.call(api, "GET", f"/v1/webhook_endpoints/{created['id']}", key=merchant["key"]).body)
    assert (endpoint["enabled"], endpoint["failing_since"]) == (True, started)
    # then the first failure at five days disables it, and the owner gets one e-mail
    clock.advance(1)
    shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=merchant["key"])
    endpoint = json.loads(shop.call(api, "GET", f"/v1/webhook_endpoints/{created['id']}", key=merchant["key"]).body)
    assert (endpoint["enabled"], endpoint["disabled_reason"]) == (False, "failing")
    assert len([m for m in mailer.sent if created["id"] in m["subject"]]) == 1


def test_production_refuses_private_and_loopback_urls_at_creation_and_at_send_time(api, hooks, settings):
    merchant = shop.sign_up(api)
    dev_endpoint = new_endpoint(api, merchant["key"], hooks["receiver"].url, ["*"])  # allowed outside production
    prod = wiring.Container(dataclasses.replace(settings, stage="prod"), clock=hooks["clock"], queue=hooks["queue"],
                            mailer=hooks["mailer"])
    wiring.use(prod)
    try:
        for url in ("https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest",
                    "https://[::1]/hook", "https://localhost/hook", "http://example.com/hook"):
            r = shop.call(api, "POST", "/v1/webhook_endpoints", {"url": url, "events": ["*"]}, key=merchant["key"])
            assert r.status_code == 400, (url, r.body)
            assert json.loads(r.body)["error"]["param"] == "url"
        listed = json.loads(shop.call(api, "GET", "/v1/webhook_endpoints", key=merchant["key"]).body)
        assert [e["id"] for e in listed["data"]] == [dev_endpoint["id"]]  # nothing was created
        # an endpoint that resolves to loopback is refused when sending, without a connection
        hooks["receiver"].received.clear()
        r = shop.call(api, "POST", f"/v1/webhook_endpoints/{dev_endpoint['id']}/test", key=merchant["key"])
        attempt = json.loads(r.body)["attempts"][0]
        assert (attempt["status_code"], attempt["error"]) == (None, "refused: 127.0.0.1 resolves to a loopback address")
        assert hooks["receiver"].received == []
    finally:
        wiring.use(hooks["c"])


def test_another_tenants_endpoints_and_events_answer_404_and_stay_unchanged(api, hooks):
    owner, other = shop.sign_up(api), shop.sign_up(api)
    hooks["receiver"].mode = "ok"
    created = new_endpoint(api, owner["key"], hooks["receiver"].url, ["*"])
    r = shop.call(api, "POST", f"/v1/webhook_endpoints/{created['id']}/test", key=owner["key"])
    event_id = json.loads(r.body)["event_id"]
    for method, path, body in (
        ("GET", f"/v1/webhook_endpoints/{created['id']}", None),
        ("PATCH", f"/v1/webhook_endpoints/{created['id']}", {"enabled": False}),
        ("DELETE", f"/v1/webhook_endpoints/{created['id']}", None),
        ("POST", f"/v1/webhook_endpoints/{created['id']}/rotate_secret", {}),
        ("POST", f"/v1/webhook_endpoints/{created['id']}/test", None),
        ("POST", f"/v1/webhook_endpoints/{created['id']}/replay", {"since": 0}),
        ("GET", f"/v1/webhook_endpoints/{created['id']}/deliveries", None),
        ("GET", f"/v1/events/{event_id}", None),
        ("POST", f"/v1/events/{event_id}/replay", None),
    ):
        r = shop.call(api, method, path, body, key=other["key"])
        assert r.status_code == 404, (method, path, r.body)
    assert json.loads(shop.call(api, "GET", "/v1/events", key=other["key"]).body)["data"] == []
    mine = json.loads(shop.call(api, "GET", f"/v1/webhook_endpoints/{created['id']}", key=owner["key"]).body)
    assert mine == {k: v for k, v in created.items() if k != "secret"}
