"""A queue batch of outbox messages is handled together, and a bad message in it fails alone."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib import wiring
from chalicelib.wiring import jobs
from tests.fakes import FakeMailer, FakeQueue
from tests.support import shop


@pytest.fixture()
def world(settings: Any) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    queue = FakeQueue()
    c = wiring.Container(settings, queue=queue, mailer=FakeMailer())
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "queue": queue, "api": client}
    wiring.use(None)


def _requests(moto_url: str) -> Counter[str]:
    return Counter(requests.get(f"{moto_url}/_devstack/requests", timeout=10).json())


def _events(api: Any, key: str) -> list[str]:
    r = shop.call(api, "GET", "/v1/events?limit=100", key=key)
    return sorted(e["type"] + ":" + (e["data"].get("id") or e["data"]["product_id"]) for e in json.loads(r.body)["data"])


def _one_checkout(api: Any, queue: FakeQueue) -> tuple[dict[str, Any], str, str]:
    """A shop with one key, a checkout of it, and the order.created message it queued."""
    m = shop.sign_up(api)
    p = shop.product(api, m["key"])
    shop.import_keys(api, m["key"], p["id"], shop.new_keys(1))
    order_id = json.loads(shop.checkout(api, m["slug"], p["id"]).body)["order_id"]
    [good] = [json.dumps(b) for b in queue.sent if b["kind"] == "order_created"]
    return m, order_id, good


def test_a_batch_of_order_created_messages_costs_a_few_requests_and_announces_each(world, moto_server) -> None:
    api, queue = world["api"], world["queue"]
    # given two shops with three fresh checkouts between them, their order.created messages on the queue
    shops = [shop.sign_up(api), shop.sign_up(api)]
    orders: dict[str, list[str]] = {}
    for m, count in zip(shops, (2, 1), strict=True):
        p = shop.product(api, m["key"])
        shop.import_keys(api, m["key"], p["id"], shop.new_keys(2))
        orders[m["key"]] = [json.loads(shop.checkout(api, m["slug"], p["id"], email=f"b{n}@example.com").body)
                            ["order_id"] for n in range(count)]
    bodies = [json.dumps(b) for b in queue.sent if b["kind"] == "order_created"]
    assert len(bodies) == 3
    # when the worker hands them over as one batch
    before = _requests(moto_server.url)
    failed = jobs.handle_queue_bodies(bodies)
    spent = _requests(moto_server.url) - before
    # then each order is announced once, the outbox is clear, and it took one order read, one endpoint read and
    # one event write per shop, and one clearing write
    assert failed == []
    for m in shops:
        assert _events(api, m["key"]) == sorted(f"order.created:{o}" for o in orders[m["key"]])
    assert world["c"].platform.outbox.pending(older_than=2**40, limit=10) == []
    assert dict(spent) == {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 2, "dynamodb:TransactWriteItems": 3}
    # and the same batch again announces nothing twice
    assert jobs.handle_queue_bodies(bodies) == []
    for m in shops:
        assert len(_events(api, m["key"])) == len(orders[m["key"]])


def test_a_bad_message_in_a_batch_fails_alone(world) -> None:
    api, queue = world["api"], world["queue"]
    # given one good order.created message and two bad ones around it
    m, order_id, good = _one_checkout(api, queue)
    # when they come as one batch
    failed = jobs.handle_queue_bodies(["not json", good, json.dumps({"kind": "order_created"})])
    # then only the two bad ones are reported failed (left on the queue), and the good one is announced
    assert [index for index, _ in failed] == [0, 2]
    assert _events(api, m["key"]) == [f"order.created:{order_id}"]


def test_two_sales_of_one_product_in_a_batch_announce_each_sale_and_the_stock_line_once(world, settings) -> None:
    api, queue, c = world["api"], world["queue"], world["c"]
    # given a product with 3 keys and a low-stock line at 5, and two of its orders delivered
    m = shop.sign_up(api)
    p = shop.product(api, m["key"], low_stock_threshold=5)
    shop.import_keys(api, m["key"], p["id"], shop.new_keys(3))
    sold = [shop.delivered_order(api, settings, m["slug"], p["id"], email=f"b{n}@example.com")["order_id"]
            for n in range(2)]
    bodies = [json.dumps(b) for b in queue.sent]
    assert sorted(json.loads(b)["kind"] for b in bodies) == ["order_created"] * 2 + ["order_delivered"] * 2
    # when all four messages come as one batch
    failed = jobs.handle_queue_bodies(bodies)
    # then each sale is announced, the stock line once, each buyer has the e-mail and the outbox is clear
    assert failed == []
    expected = sorted([f"{t}:{o}" for o in sold for t in ("order.created", "order.paid", "order.delivered")])
    events = _events(api, m["key"])
    assert [e for e in events if not e.startswith("stock.")] == expected
    assert [e.split(":")[0] for e in events if e.startswith("stock.")] == ["stock.low"]
    assert sorted(mail["to"] for mail in c.platform.mailer.sent) == ["b0@example.com", "b1@example.com"]
    assert c.platform.outbox.pending(older_than=2**40, limit=10) == []


def test_a_lambda_batch_with_a_failure_deletes_what_it_handled_and_brings_back_the_rest(world) -> None:
    api, queue = world["api"], world["queue"]
    # given a good order.created message, the same message again, and a bad one, as Lambda hands them over
    m, order_id, good = _one_checkout(api, queue)
    records = [(good, "rh-good"), (good, "rh-again"), ("{}", "rh-bad")]
    # when the handler runs
    with pytest.raises(KeyError):
        jobs.handle_queue_batch(records)
    # then the handled ones were deleted (their work is not repeated), the bad one comes back, and the order
    # was announced once although its message came twice
    assert queue.acknowledged == ["rh-good", "rh-again"]
    assert _events(api, m["key"]) == [f"order.created:{order_id}"]
