"""Reservations that lapse, payments that fail, and payments that arrive after their keys went back."""

from __future__ import annotations

import json
import time

from chalicelib.sales.domain.models import OrderStatus
from tests.support import shop

LATER = 10 * 3600  # well past any reservation


def _start(client, merchant, product, email="late@example.com"):
    r = shop.checkout(client, merchant["slug"], product["id"], email=email)
    assert r.status_code == 201, r.body
    started = json.loads(r.body)
    return started, started["payment"]["client_secret"].split("_secret_")[0]


def _order(container, merchant, started):
    return container.sales.order_store.get(tenant_id=merchant["tenant"]["id"], order_id=started["order_id"])


def test_expiry_returns_keys_and_a_late_payment_claims_fresh_ones(client, settings, container):
    # given a reservation that lapsed and was swept back into the pool
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(2))
    started, intent_id = _start(client, merchant, product)
    report = container.sales.reservations.expire(now=int(time.time()) + LATER)
    assert report.keys_released >= 1 and report.orders_expired >= 1
    assert _order(container, merchant, started).status == OrderStatus.EXPIRED
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 2, "reserved": 0, "sold": 0}
    # when the payment arrives after all
    shop.pay(settings, intent_id)
    r = shop.post_event(client, *shop.stripe_event(settings, intent_id))
    # then fresh keys are claimed and delivered
    assert json.loads(r.body)["result"] == "delivered"
    order = _order(container, merchant, started)
    assert order.status == OrderStatus.DELIVERED and len(order.keys) == 1
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 1, "reserved": 0, "sold": 1}


def test_late_payment_with_nothing_left_is_refunded_and_the_buyer_told(client, settings, container):
    # given the only key went back to the pool and was sold to someone else
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(1))
    late, late_intent = _start(client, merchant, product)
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    _, other_intent = _start(client, merchant, product, email="quick@example.com")
    shop.pay(settings, other_intent)
    assert json.loads(shop.post_event(client, *shop.stripe_event(settings, other_intent)).body)["result"] == "delivered"
    # when the first buyer's payment lands
    shop.pay(settings, late_intent)
    r = shop.post_event(client, *shop.stripe_event(settings, late_intent))
    # then the order is refunded through Stripe, nothing is oversold, and a refund mail is queued
    assert json.loads(r.body)["result"] == "refunded"
    order = _order(container, merchant, late)
    assert (order.status, order.failure_reason) == (OrderStatus.REFUNDED, "out_of_stock_after_payment")
    refunds = shop.stripe_client(settings).v1.refunds.list(params={"payment_intent": late_intent})
    assert [(rf.amount, rf.status) for rf in refunds.data] == [(order.amount, "succeeded")]
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 0, "reserved": 0, "sold": 1}
    pending = container.platform.outbox.pending(older_than=int(time.time()) + 3600, limit=1000)
    assert "order_refunded" in {m.kind for m in pending if m.order_id == order.id}
    # and the same event again changes nothing
    again = shop.post_event(client, *shop.stripe_event(settings, late_intent))
    assert json.loads(again.body)["result"] == "duplicate"


def test_failed_payment_releases_the_keys(client, settings, container):
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(2))
    started, intent_id = _start(client, merchant, product)
    assert shop.stock(client, merchant["key"], product["id"])["reserved"] == 1
    r = shop.post_event(client, *shop.stripe_event(settings, intent_id, kind="payment_intent.payment_failed"))
    assert json.loads(r.body)["result"] == "released"
    order = _order(container, merchant, started)
    assert (order.status, order.failure_reason) == (OrderStatus.FAILED, "payment_failed")
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 2, "reserved": 0, "sold": 0}
    # a retry with another card on the same intent still delivers
    shop.pay(settings, intent_id)
    assert json.loads(shop.post_event(client, *shop.stripe_event(settings, intent_id)).body)["result"] == "delivered"


def test_the_buyer_returning_before_the_webhook_gets_the_key(client, settings, container):
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    keys = shop.new_keys(1)
    shop.import_keys(client, merchant["key"], product["id"], keys)
    started, intent_id = _start(client, merchant, product)
    shop.pay(settings, intent_id)
    page = client.http.get(f"/s/{merchant['slug']}/orders/{started['order_id']}?token={started['order_token']}",
                           headers={"Accept": "application/json"})
    assert json.loads(page.body)["keys"] == keys
    # the webhook that follows is a duplicate
    assert json.loads(shop.post_event(client, *shop.stripe_event(settings, intent_id)).body)["result"] == "duplicate"
