"""Customers: totals per buyer from delivered orders, counted once however often the message comes."""

from __future__ import annotations

import json

from chalicelib.sales.domain.orders import customer_id
from tests.functional.test_refunds import _delivered
from tests.support import shop


def test_totals_first_and_last_order_and_the_customers_orders(client, settings, container):
    # given a buyer with two delivered orders and one unpaid checkout, and another buyer
    m = shop.sign_up(client)
    t = m["tenant"]["id"]
    product = shop.product(client, m["key"], price=250)
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(5))
    first = _delivered(client, settings, m, product["id"], "Cat@example.com")
    second = _delivered(client, settings, m, product["id"], "cat@example.com")
    unpaid = json.loads(shop.checkout(client, m["slug"], product["id"], email="cat@example.com").body)["order_id"]
    other = _delivered(client, settings, m, product["id"], "dog@example.com")

    # when each delivery message is handled, the first one three times (queue retries, sweeper)
    for order_id in (first, first, second, other, first):
        container.sales.customers.count_delivery(tenant_id=t, order_id=order_id)

    # then the buyer's totals count each paid order once
    cus = customer_id(t, "cat@example.com")
    body = json.loads(shop.call(client, "GET", f"/v1/customers/{cus}", key=m["key"]).body)
    orders = {o: container.sales.order_store.get(tenant_id=t, order_id=o) for o in (first, second)}
    assert body == {"id": cus, "object": "customer", "email": "cat@example.com", "orders": 2,
                    "total_spent": {"usd": 500}, "total_refunded": {}, "refunds": 0,
                    "first_order_at": orders[first].created_at, "last_order_at": orders[second].created_at}
    # and the list holds both buyers, newest first
    listed = json.loads(shop.call(client, "GET", "/v1/customers?limit=1", key=m["key"]).body)
    rest = json.loads(shop.call(client, "GET", f"/v1/customers?limit=1&cursor={listed['next_cursor']}",
                                key=m["key"]).body)
    assert {listed["data"][0]["email"], rest["data"][0]["email"]} == {"cat@example.com", "dog@example.com"}
    assert (listed["has_more"], rest["has_more"]) == (True, False)
    # and the buyer's orders are all three of the e-mail, the unpaid one included, newest first
    mine = json.loads(shop.call(client, "GET", f"/v1/customers/{cus}/orders", key=m["key"]).body)
    assert [o["id"] for o in mine["data"]] == [unpaid, second, first]


def test_unknown_and_foreign_customers_are_the_same_404(client, settings, container):
    # given a buyer of one shop
    m = shop.sign_up(client)
    product = shop.product(client, m["key"])
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(1))
    order_id = _delivered(client, settings, m, product["id"], "eve@example.com")
    container.sales.customers.count_delivery(tenant_id=m["tenant"]["id"], order_id=order_id)
    cus = customer_id(m["tenant"]["id"], "eve@example.com")
    other = shop.sign_up(client)

    # when another shop asks for that customer (by id and e-mail) and its orders, and anyone for nonsense
    answers = [shop.call(client, "GET", path, key=other["key"]) for path in (
        f"/v1/customers/{cus}", "/v1/customers/eve%40example.com", f"/v1/customers/{cus}/orders",
        "/v1/customers/cus_nobody", "/v1/customers/nothing-like-an-id")]

    # then every answer is the same 404
    assert {a.status_code for a in answers} == {404}
    assert len({json.dumps(json.loads(a.body)) for a in answers}) == 1
