"""Coupons: set up through the API, typed at checkout, priced by the one pricing function with their line in the
breakdown, refused with a reason the buyer can act on, caps held under 100 checkouts at once, a use given back
when the order ends without keys; one shop's coupons are not another's."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.kernel.errors import DomainError
from tests.support import shop

LATER = 10 * 3600


def _shop(client: Any, keys: int = 10, price: int = 1000) -> tuple[dict[str, Any], dict[str, Any]]:
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=price, name="Coupon card")
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(keys, prefix="CPN"))
    return merchant, product


def _coupon(client: Any, merchant: dict[str, Any], **body: Any) -> Any:
    return shop.call(client, "POST", "/v1/coupons", {"code": "SPRING", "kind": "percent", "value": 1500, **body},
                     key=merchant["key"])


def _checkout(client: Any, merchant: dict[str, Any], product: dict[str, Any], coupon: str,
              email: str = "buyer@example.com", quantity: int = 1) -> Any:
    return shop.call(client, "POST", f"/s/{merchant['slug']}/checkout", {
        "product_id": product["id"], "quantity": quantity, "email": email, "coupon": coupon})


def test_a_coupon_is_created_listed_and_changed_and_bad_ones_are_refused_by_name(client: Any) -> None:
    merchant, product = _shop(client)
    r = _coupon(client, merchant, code="spring-15", total_cap=100, per_buyer_cap=1, product_ids=[product["id"]])
    assert r.status_code == 201, r.body
    made = json.loads(r.body)
    assert {k: made[k] for k in ("code", "kind", "value", "total_cap", "per_buyer_cap", "product_ids", "uses",
                                 "active")} == {"code": "SPRING-15", "kind": "percent", "value": 1500,
                                                "total_cap": 100, "per_buyer_cap": 1,
                                                "product_ids": [product["id"]], "uses": 0, "active": True}
    assert _coupon(client, merchant, code="SPRING-15").status_code == 409
    for body, param, says in (({"code": "x"}, "code", "code must be 3 to 32"),
                              ({"code": "BIG", "value": 20000}, "value", "a percent coupon's value is in basis points"),
                              ({"code": "FIX", "kind": "fixed", "value": 100}, "currency", "a fixed coupon needs"),
                              ({"code": "WIN", "starts_at": 200, "ends_at": 100}, "ends_at", "ends_at must be after"),
                              ({"code": "CAP", "total_cap": 2, "per_buyer_cap": 3}, "per_buyer_cap", "per_buyer_cap cannot be above")):
        bad = _coupon(client, merchant, **body)
        error = json.loads(bad.body)["error"]
        assert (bad.status_code, error["param"]) == (400, param) and error["message"].startswith(says), error
    off = shop.call(client, "PATCH", "/v1/coupons/spring-15", {"active": False}, key=merchant["key"])
    assert (off.status_code, json.loads(off.body)["active"]) == (200, False)
    listed = json.loads(shop.call(client, "GET", "/v1/coupons", key=merchant["key"]).body)["data"]
    assert [c["code"] for c in listed] == ["SPRING-15"]


def test_a_coupon_at_checkout_is_priced_with_its_line_and_counted(client: Any, settings: Any) -> None:
    merchant, product = _shop(client)
    assert _coupon(client, merchant, total_cap=10).status_code == 201
    # when a buyer types it in lower case with 2 keys at 10.00
    r = _checkout(client, merchant, product, "spring", quantity=2)
    started = json.loads(r.body)
    # then 15 % comes off, the breakdown says so, and Stripe is asked for the rest
    assert (r.status_code, started["amount"]) == (201, 1700)
    assert started["pricing"]["lines"] == [{"kind": "list", "amount": 2000, "ref": None},
                                           {"kind": "coupon", "amount": -300, "ref": "SPRING"}]
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    assert shop.stripe_client(settings).v1.payment_intents.retrieve(intent_id).amount == 1700
    got = json.loads(shop.call(client, "GET", "/v1/coupons/SPRING", key=merchant["key"]).body)
    assert got["uses"] == 1


@pytest.mark.parametrize(("body", "typed", "code"), [
    ({}, "NOPE", "coupon_not_found"),
    ({"active": False}, "SPRING", "coupon_inactive"),
    ({"starts_at": int(time.time()) + 3600}, "SPRING", "coupon_not_started"),
    ({"ends_at": int(time.time()) - 1, "starts_at": 0}, "SPRING", "coupon_ended"),
    ({"product_ids": ["prd_other"]}, "SPRING", "coupon_other_product"),
    ({"kind": "fixed", "value": 100, "currency": "eur"}, "SPRING", "coupon_currency"),
    ({"emails": ["vip@example.com"]}, "SPRING", "coupon_not_for_you"),
    ({"min_amount": 5000}, "SPRING", "coupon_below_minimum"),
])
def test_a_coupon_that_does_not_apply_says_why_and_holds_nothing(client: Any, body: dict[str, Any], typed: str,
                                                                 code: str) -> None:
    merchant, product = _shop(client)
    assert _coupon(client, merchant, **body).status_code == 201
    r = _checkout(client, merchant, product, typed)
    error = json.loads(r.body)["error"]
    assert (r.status_code, error["code"], error["param"]) == (400, code, "coupon")
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 10, "reserved": 0, "sold": 0}


def test_caps_hold_under_100_checkouts_at_once_and_a_lapsed_order_gives_its_use_back(client: Any,
                                                                                     container: Any) -> None:
    # given a coupon for 3 uses in all and one per buyer
    merchant, product = _shop(client, keys=120)
    assert _coupon(client, merchant, total_cap=3, per_buyer_cap=1).status_code == 201

    def buy(i: int) -> str:
        try:
            container.sales.checkout.start(slug=merchant["slug"], body={
                "product_id": product["id"], "email": f"rush{i}@example.com", "coupon": "SPRING"})
        except DomainError as exc:
            return exc.code
        return "reserved"

    # when 100 buyers use it at once
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(buy, range(100)))
    # then exactly 3 get it, 97 are told it is used up, and no other key stays reserved
    assert (results.count("reserved"), results.count("coupon_used_up")) == (3, 97)
    assert shop.stock(client, merchant["key"], product["id"])["reserved"] == 3
    # when the reservations lapse, then the uses come back, once however often the sweep runs
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    assert json.loads(shop.call(client, "GET", "/v1/coupons/SPRING", key=merchant["key"]).body)["uses"] == 0
    # and a buyer gets it once, not twice
    first_buyer = f"rush{results.index('reserved')}@example.com"
    assert _checkout(client, merchant, product, "SPRING", email=first_buyer).status_code == 201
    again = _checkout(client, merchant, product, "SPRING", email=first_buyer)
    assert (again.status_code, json.loads(again.body)["error"]["code"]) == (409, "coupon_already_used")


def test_one_shops_coupon_is_not_anothers(client: Any) -> None:
    merchant_a, _ = _shop(client)
    merchant_b, product_b = _shop(client)
    assert _coupon(client, merchant_a).status_code == 201
    assert shop.call(client, "GET", "/v1/coupons/SPRING", key=merchant_b["key"]).status_code == 404
    assert shop.call(client, "PATCH", "/v1/coupons/SPRING", {"active": False},
                     key=merchant_b["key"]).status_code == 404
    r = _checkout(client, merchant_b, product_b, "SPRING")
    assert json.loads(r.body)["error"]["code"] == "coupon_not_found"
