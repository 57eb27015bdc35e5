"""Stripe events replayed out of order, and events that must never deliver."""

from __future__ import annotations

import json
import random
import time

from chalicelib.sales.domain.models import OrderStatus
from tests.support import shop


def _orders(client, settings, merchant, product, n):
    out = []
    for i in range(n):
        r = shop.checkout(client, merchant["slug"], product["id"], email=f"replay{i}@example.com")
        assert r.status_code == 201, r.body
        started = json.loads(r.body)
        intent_id = started["payment"]["client_secret"].split("_secret_")[0]
        out.append((started, intent_id))
    return out


def test_every_event_of_50_orders_replayed_5_times_shuffled_delivers_once(client, settings, container):
    # given 50 paid orders, each with a succeeded event (and a stray failure event before it)
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(60, prefix="REPLAY"))
    orders = _orders(client, settings, merchant, product, 50)
    events = []
    for _, intent_id in orders:
        shop.pay(settings, intent_id)
        events.append(shop.stripe_event(settings, intent_id))
    # when every event arrives 5 times in shuffled order
    deliveries = events * 5
    random.Random(7).shuffle(deliveries)
    results = [json.loads(shop.post_event(client, p, s).body)["result"] for p, s in deliveries]
    # then each order is delivered exactly once
    assert results.count("delivered") == 50
    assert results.count("duplicate") == 200
    for started, _ in orders:
        order = container.sales.order_store.get(tenant_id=merchant["tenant"]["id"], order_id=started["order_id"])
        assert order.status == OrderStatus.DELIVERED and len(order.keys) == 1
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 10, "reserved": 0, "sold": 50}


def _one_paid_order(client, settings):
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=900)
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(3))
    (started, intent_id), = _orders(client, settings, merchant, product, 1)
    shop.pay(settings, intent_id)
    return merchant, product, started, intent_id


def _unchanged(client, container, merchant, product, started):
    order = container.sales.order_store.get(tenant_id=merchant["tenant"]["id"], order_id=started["order_id"])
    assert order.status == OrderStatus.PENDING and order.delivered_at is None
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 2, "reserved": 1, "sold": 0}


def test_bad_signature_is_rejected_and_delivers_nothing(client, settings, container):
    merchant, product, started, intent_id = _one_paid_order(client, settings)
    payload, _ = shop.stripe_event(settings, intent_id)
    _, forged = shop.stripe_event(settings, intent_id, secret="whsec_not_the_real_one")
    r = shop.post_event(client, payload, forged)
    assert r.status_code == 400
    assert json.loads(r.body)["error"] == {"type": "invalid_request", "code": "invalid_signature",
                                           "message": "the Stripe signature is missing, wrong or too old"}
    assert shop.post_event(client, payload, "").status_code == 400
    _unchanged(client, container, merchant, product, started)


def test_stale_timestamp_is_rejected(client, settings, container):
    merchant, product, started, intent_id = _one_paid_order(client, settings)
    payload, signature = shop.stripe_event(settings, intent_id, timestamp=int(time.time()) - 3600)
    r = shop.post_event(client, payload, signature)
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (400, "invalid_signature")
    _unchanged(client, container, merchant, product, started)


def test_unknown_event_type_is_acknowledged_and_ignored(client, settings, container):
    merchant, product, started, intent_id = _one_paid_order(client, settings)
    payload, signature = shop.stripe_event(settings, intent_id, kind="payment_intent.created")
    r = shop.post_event(client, payload, signature)
    assert (r.status_code, json.loads(r.body)) == (200, {"received": True, "result": "ignored"})
    _unchanged(client, container, merchant, product, started)


def test_amount_or_currency_mismatch_never_delivers(client, settings, container):
    for override in ({"amount": 1}, {"currency": "eur"}):
        merchant, _, started, intent_id = _one_paid_order(client, settings)
        payload, signature = shop.stripe_event(settings, intent_id, overrides=override)
        r = shop.post_event(client, payload, signature)
        assert (r.status_code, json.loads(r.body)["result"]) == (200, "mismatch")
        order = container.sales.order_store.get(tenant_id=merchant["tenant"]["id"], order_id=started["order_id"])
        assert (order.status, order.failure_reason, order.delivered_at) == (OrderStatus.FAILED, "payment_mismatch",
                                                                            None)
        page = client.http.get(f"/s/{merchant['slug']}/orders/{started['order_id']}?token={started['order_token']}",
                               headers={"Accept": "application/json"})
        assert json.loads(page.body)["keys"] == []
