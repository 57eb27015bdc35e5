"""Platform events: published once per dedupe key, never lost when the queue is down, stock alerts once per
crossing, order.failed from a failed payment, cursor pagination of events."""

from __future__ import annotations

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

T0 = int(time.time())


@pytest.fixture(scope="module")
def env(settings: Any) -> Iterator[dict[str, Any]]:
    clock, queue = FixedClock(T0), FakeQueue()
    c = wiring.Container(settings, clock=clock, queue=queue, mailer=FakeMailer(),
                         webhook_sender=HttpWebhookSender(production=False, timeout=0.5))
    receiver = Receiver()
    yield {"c": c, "clock": clock, "queue": queue, "receiver": receiver}
    receiver.stop()
    wiring.use(None)


@pytest.fixture()
def api(env: dict[str, Any]) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    wiring.use(env["c"])
    with Client(app) as client:
        yield client


def drain(queue: FakeQueue) -> None:
    while queue.sent:
        tasks.handle_queue_body(json.dumps(queue.sent.pop(0)))


def events_of(api: Any, key: str) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        r = shop.call(api, "GET", "/v1/events?limit=2" + (f"&cursor={cursor}" if cursor else ""), key=key)
        page = json.loads(r.body)
        out += page["data"]
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            return out


def test_publish_is_idempotent_on_its_dedupe_key_and_survives_a_queue_outage(api, env):
    c, clock, queue, receiver = env["c"], env["clock"], env["queue"], env["receiver"]
    merchant = shop.sign_up(api)
    tenant_id = merchant["tenant"]["id"]
    r = shop.call(api, "POST", "/v1/webhook_endpoints", {"url": receiver.url, "events": ["key.redeemed"]},
                  key=merchant["key"])
    endpoint = json.loads(r.body)
    receiver.mode, receiver.secrets = "ok", [endpoint["secret"]]
    receiver.received.clear()
    # given the queue is down
    queue.fail = True
    # when the same event is published twice
    first = c.integrations.events.publish(tenant_id=tenant_id, type="key.redeemed", data={"object": "redemption", "id": "red_1"},
                             dedupe_key="key.redeemed:red_1")
    again = c.integrations.events.publish(tenant_id=tenant_id, type="key.redeemed", data={"object": "redemption", "id": "red_1"},
                             dedupe_key="key.redeemed:red_1")
    queue.fail = False
    # then it is one event, not yet sent, and the schedule sends it once its grace period is over
    assert first == again and receiver.received == []
    assert tasks.deliver_webhooks().get("due", 0) == 0
    clock.advance(30)
    assert tasks.deliver_webhooks()["delivered"] == 1
    assert [(x.body["id"], x.body["type"], x.verified_by) for x in receiver.received] == [
        (first, "key.redeemed", (endpoint["secret"],))]
    assert [e["id"] for e in events_of(api, merchant["key"])] == [first]


def test_stock_alerts_fire_once_per_crossing_and_order_failed_is_announced(api, env, settings):
    queue, receiver = env["queue"], env["receiver"]
    merchant = shop.sign_up(api)
    product = shop.product(api, merchant["key"])
    shop.import_keys(api, merchant["key"], product["id"], shop.new_keys(12))
    r = shop.call(api, "POST", "/v1/webhook_endpoints",
                  {"url": receiver.url, "events": ["stock.low", "stock.out", "order.failed"]}, key=merchant["key"])
    receiver.mode, receiver.secrets = "ok", [json.loads(r.body)["secret"]]
    receiver.received.clear()

    def sell(quantity: int) -> None:
        started = json.loads(shop.checkout(api, merchant["slug"], product["id"], quantity=quantity).body)
        intent_id = started["payment"]["client_secret"].split("_secret_")[0]
        shop.pay(settings, intent_id)
        payload, signature = shop.stripe_event(settings, intent_id)
        assert json.loads(shop.post_event(api, payload, signature).body)["result"] == "delivered"
        drain(queue)

    # when sales take the stock from 12 to 11, 10, 9 and then to 0
    for quantity in (1, 1, 1, 9):
        sell(quantity)
    # then stock.low fired once (at 10) and stock.out once
    assert [(x.body["type"], x.body["data"]["available"]) for x in receiver.received] == [
        ("stock.low", 10), ("stock.out", 0)]
    # when a payment fails for a new order after a restock
    shop.import_keys(api, merchant["key"], product["id"], shop.new_keys(2))
    started = json.loads(shop.checkout(api, merchant["slug"], product["id"]).body)
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    payload, signature = shop.stripe_event(settings, intent_id, kind="payment_intent.payment_failed")
    shop.post_event(api, payload, signature)
    shop.post_event(api, payload, signature)
    drain(queue)
    # then order.failed is announced once with the order (never its keys)
    failed = receiver.of_type("order.failed")
    assert len(failed) == 1
    assert (failed[0].body["data"]["id"], failed[0].body["data"]["status"],
            failed[0].body["data"]["failure_reason"]) == (started["order_id"], "failed", "payment_failed")
    assert "keys" not in failed[0].body["data"]
    # and after the restock (a new supply level) the next sale below the threshold announces again
    sell(1)
    assert [(x.body["type"], x.body["data"].get("available")) for x in receiver.received][3:] == [("stock.low", 1)]
    assert [x.body["type"] for x in receiver.received].count("stock.low") == 2
