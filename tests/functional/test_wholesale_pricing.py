"""Wholesale tiers priced by the one pricing function at checkout: the order and its PaymentIntent charge the
tier's price, the order records the breakdown it sold at, and tiers that make no sense are refused by name."""

from __future__ import annotations

import json
from typing import Any

from tests.support import shop


def _tiered(client: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=1000, name="Bulk card",
                           price_tiers=[{"min_quantity": 5, "unit_price": 900}, {"min_quantity": 10,
                                                                                 "unit_price": 800}])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(20, prefix="TIER"))
    return merchant, product


def test_a_quantity_that_reaches_a_tier_is_charged_the_tiers_price_with_its_breakdown(client: Any,
                                                                                     settings: Any) -> None:
    merchant, product = _tiered(client)
    assert product["price_tiers"] == [{"min_quantity": 5, "unit_price": 900}, {"min_quantity": 10, "unit_price": 800}]
    # when a buyer checks out 6 keys
    r = shop.checkout(client, merchant["slug"], product["id"], quantity=6)
    started = json.loads(r.body)
    # then the order costs 6 × 9.00, says why, and Stripe is asked for exactly that
    assert (r.status_code, started["amount"]) == (201, 5400)
    assert started["pricing"] == {"list_amount": 6000, "lines": [{"kind": "list", "amount": 6000, "ref": None},
                                                                 {"kind": "tier", "amount": -600, "ref": "5"}]}
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    assert shop.stripe_client(settings).v1.payment_intents.retrieve(intent_id).amount == 5400
    order = json.loads(shop.call(client, "GET", f"/v1/orders/{started['order_id']}", key=merchant["key"]).body)
    assert (order["amount"], order["pricing"]) == (5400, started["pricing"])
    # and a quantity below every tier pays the list price, with a one-line breakdown
    small = json.loads(shop.checkout(client, merchant["slug"], product["id"], quantity=2,
                                     email="small@example.com").body)
    assert (small["amount"], small["pricing"]["lines"]) == (2000, [{"kind": "list", "amount": 2000, "ref": None}])


def test_tiers_that_make_no_sense_are_refused_and_a_price_cut_below_a_tier_is_refused_too(client: Any) -> None:
    merchant, product = _tiered(client)
    for tiers, says in (([{"min_quantity": 5, "unit_price": 1000}], "the tier from 5 keys (1000) must be below"),
                        ([{"min_quantity": 5, "unit_price": 900}, {"min_quantity": 3, "unit_price": 800}],
                         "price_tiers[1] must be for more keys at a lower price"),
                        ([{"min_quantity": 1, "unit_price": 900}], "price_tiers[0].min_quantity must be")):
        r = shop.call(client, "PATCH", f"/v1/products/{product['id']}", {"price_tiers": tiers}, key=merchant["key"])
        error = json.loads(r.body)["error"]
        assert (r.status_code, error["param"]) == (400, "price_tiers") and error["message"].startswith(says)
    cut = shop.call(client, "PATCH", f"/v1/products/{product['id']}", {"price": 850}, key=merchant["key"])
    assert json.loads(cut.body)["error"]["message"].startswith("the tier from 5 keys (900) must be below the price")
    # removing the tiers is an empty list
    cleared = shop.call(client, "PATCH", f"/v1/products/{product['id']}", {"price_tiers": []}, key=merchant["key"])
    assert json.loads(cleared.body)["price_tiers"] == []


def test_the_product_page_lists_the_tiers_in_the_buyers_language(client: Any) -> None:
    merchant, product = _tiered(client)
    page = client.http.get(f"/s/{merchant['slug']}/p/{product['id']}?lang=en").body.decode()
    assert "<li>5 or more: $9.00 each</li><li>10 or more: $8.00 each</li>" in page
