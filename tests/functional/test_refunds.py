"""POST /v1/orders/{order_id}/refund: money back once, keys voided, buyer totals corrected, safe to retry."""

from __future__ import annotations

import json
from typing import Any

from tests.support import shop


def _delivered(client: Any, settings: Any, merchant: dict[str, Any], product_id: str, email: str) -> str:
    return str(shop.delivered_order(client, settings, merchant["slug"], product_id, email=email)["order_id"])


def test_refund_voids_keys_corrects_the_customer_and_a_retry_answers_the_same(client, settings, container):
    # given a delivered order whose delivery was counted for its buyer
    m = shop.sign_up(client)
    product = shop.product(client, m["key"], price=700)
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(3))
    order_id = _delivered(client, settings, m, product["id"], "Ref@Example.com")
    assert container.sales.customers.count_delivery(tenant_id=m["tenant"]["id"], order_id=order_id) is True

    # when the merchant refunds it, twice
    first = shop.call(client, "POST", f"/v1/orders/{order_id}/refund", key=m["key"])
    again = shop.call(client, "POST", f"/v1/orders/{order_id}/refund", key=m["key"])

    # then both answer the same refunded order
    assert first.status_code == again.status_code == 200
    body = json.loads(first.body)
    assert (body["status"], body["failure_reason"], body["refunded_at"] is not None) == ("refunded", "merchant_refund", True)
    assert json.loads(again.body) == body
    # and the key is void (not sold, not available), and stock shows it nowhere
    order = container.sales.order_store.get(tenant_id=m["tenant"]["id"], order_id=order_id)
    stored = container.inventory.key_pool.read(tenant_id=m["tenant"]["id"], product_id=product["id"], refs=order.keys)
    assert [(k.status, k.order_id) for k in stored] == [("void", order_id)]
    assert shop.stock(client, m["key"], product["id"]) == {"available": 2, "reserved": 0, "sold": 1}
    # and Stripe holds exactly one refund of the intent
    refunds = shop.stripe_client(settings).v1.refunds.list(params={"payment_intent": order.payment_intent_id})
    assert [r["amount"] for r in refunds.data] == [700]
    # and the buyer's totals count the order as paid and refunded
    c = json.loads(shop.call(client, "GET", "/v1/customers/ref%40example.com", key=m["key"]).body)
    assert (c["orders"], c["total_spent"], c["total_refunded"], c["refunds"]) == (1, {"usd": 0}, {"usd": 700}, 1)
    # and a late redelivery of the delivery message counts nothing more
    assert container.sales.customers.count_delivery(tenant_id=m["tenant"]["id"], order_id=order_id) is False


def test_refund_before_the_delivery_was_counted_counts_it_once(client, settings, container):
    # given a delivered order whose outbox message was not handled yet
    m = shop.sign_up(client)
    product = shop.product(client, m["key"], price=300)
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(2))
    order_id = _delivered(client, settings, m, product["id"], "late@example.com")

    # when it is refunded, and then the delivery message arrives
    assert shop.call(client, "POST", f"/v1/orders/{order_id}/refund", key=m["key"]).status_code == 200
    counted = container.sales.customers.count_delivery(tenant_id=m["tenant"]["id"], order_id=order_id)

    # then the message counts nothing and the order is one paid, refunded order
    assert counted is False
    c = json.loads(shop.call(client, "GET", "/v1/customers/late%40example.com", key=m["key"]).body)
    assert (c["orders"], c["total_spent"], c["total_refunded"]) == (1, {"usd": 0}, {"usd": 300})


def test_a_pending_order_is_not_refundable_and_nothing_changes(client, settings, container):
    # given an order that was never paid
    m = shop.sign_up(client)
    product = shop.product(client, m["key"])
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(1))
    order_id = json.loads(shop.checkout(client, m["slug"], product["id"]).body)["order_id"]
    before = shop.call(client, "GET", f"/v1/orders/{order_id}", key=m["key"]).body

    # when the merchant refunds it
    r = shop.call(client, "POST", f"/v1/orders/{order_id}/refund", key=m["key"])

    # then it is a 409 with a clear code, and the order is untouched
    err = json.loads(r.body)["error"]
    assert (r.status_code, err["type"], err["code"]) == (409, "conflict", "order_not_refundable")
    assert shop.call(client, "GET", f"/v1/orders/{order_id}", key=m["key"]).body == before


def test_another_shops_order_is_not_found_and_stays_delivered(client, settings, container):
    # given a delivered order of one shop
    m = shop.sign_up(client)
    product = shop.product(client, m["key"])
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(1))
    order_id = _delivered(client, settings, m, product["id"], "x@example.com")
    other = shop.sign_up(client)

    # when another shop refunds it, or an unknown id
    foreign = shop.call(client, "POST", f"/v1/orders/{order_id}/refund", key=other["key"])
    missing = shop.call(client, "POST", "/v1/orders/ord_01jzzzzzzzzzzzzzzzzzzzzzzz/refund", key=other["key"])

    # then both are the same 404, and the order is still delivered
    assert foreign.status_code == missing.status_code == 404
    assert json.loads(foreign.body) == json.loads(missing.body)
    assert json.loads(shop.call(client, "GET", f"/v1/orders/{order_id}", key=m["key"]).body)["status"] == "delivered"


def test_the_buyer_is_told_the_shop_refunded_the_order(client, settings, container):
    # given a delivered order
    from chalicelib.kernel.ports import OutboxMessage
    from chalicelib.sales.service.notifications import NotificationService
    from tests.fakes import FakeMailer, FakeOutbox

    m = shop.sign_up(client)
    product = shop.product(client, m["key"], price=900)
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(1))
    order_id = _delivered(client, settings, m, product["id"], "told@example.com")
    # when the merchant refunds it and the refund message is handled
    assert shop.call(client, "POST", f"/v1/orders/{order_id}/refund", key=m["key"]).status_code == 200
    mailer = FakeMailer()
    notices = NotificationService(tenants=container.tenancy.tenant_store, orders=container.sales.order_store,
                                  order_service=container.sales.orders, outbox=FakeOutbox(), mailer=mailer,
                                  clock=container.platform.clock, public_base_url=settings.public_base_url)
    notices.deliver(OutboxMessage(m["tenant"]["id"], "obx_1", "order_refunded", order_id, 0))
    # then the mail says the shop refunded it, not that it sold out
    assert [(x["to"], x["text"]) for x in mailer.sent] == [(
        "told@example.com", f"Shop {m['slug']} refunded your order of Game card.\n"
                            "Your payment has been refunded in full; the keys of this order no longer work.\n")]
