"""The whole sale through HTTP: sign up, product, import, checkout, pay, webhook, order page."""

from __future__ import annotations

import json

from tests.support import shop


def test_a_paid_checkout_delivers_the_reserved_key_once(client, settings):
    # given a shop with one product and three keys
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=1299)
    keys = shop.new_keys(3)
    assert shop.import_keys(client, merchant["key"], product["id"], keys)["imported"] == 3
    # when a buyer checks out and pays
    r = shop.checkout(client, merchant["slug"], product["id"])
    assert r.status_code == 201, r.body
    started = json.loads(r.body)
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 2, "reserved": 1, "sold": 0}
    shop.pay(settings, intent_id)
    payload, signature = shop.stripe_event(settings, intent_id)
    first = shop.post_event(client, payload, signature)
    again = shop.post_event(client, payload, signature)
    # then the order is delivered once, with one of the imported keys, and stock moved to sold
    assert (first.status_code, json.loads(first.body)["result"]) == (200, "delivered")
    assert (again.status_code, json.loads(again.body)["result"]) == (200, "duplicate")
    page = client.http.get(f"/s/{merchant['slug']}/orders/{started['order_id']}?token={started['order_token']}",
                           headers={"Accept": "application/json"})
    body = json.loads(page.body)
    assert body["order"]["status"] == "delivered"
    assert len(body["keys"]) == 1 and body["keys"][0] in keys
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 2, "reserved": 0, "sold": 1}
