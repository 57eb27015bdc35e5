"""Per-buyer limits held exactly: a product's keys per buyer per day, month and in all, counted in the checkout's own
transaction (100 parallel checkouts of one buyer never pass it), given back once when an order ends without keys,
taken again — or refunded — when a payment lands after that; set through the API and the console."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.kernel.errors import BuyerLimitReached
from chalicelib.sales.domain.models import OrderStatus
from tests.support import shop

LATER = 10 * 3600  # well past any reservation


def _limited(client: Any, limits: dict[str, int | None], keys: int = 10) -> tuple[dict[str, Any], dict[str, Any]]:
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], name="Limited card", max_per_buyer=limits)
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(keys, prefix="LIM"))
    return merchant, product


def _checkout(client: Any, merchant: dict[str, Any], product: dict[str, Any], email: str,
              quantity: int = 1) -> Any:
    r = client.http.post(f"/s/{merchant['slug']}/checkout", headers={"Content-Type": "application/json"},
                         body=json.dumps({"product_id": product["id"], "quantity": quantity, "email": email}))
    return r


def _intent(r: Any) -> str:
    return str(json.loads(r.body)["payment"]["client_secret"].split("_secret_")[0])


def test_the_limits_are_kept_on_the_product_and_checked_when_set(client: Any) -> None:
    merchant, product = _limited(client, {"day": 2, "lifetime": 5})
    assert product["max_per_buyer"] == {"day": 2, "month": None, "lifetime": 5}
    # when the month is set and the day lifted, the lifetime stays
    r = shop.call(client, "PATCH", f"/v1/products/{product['id']}", {"max_per_buyer": {"month": 4, "day": None}},
                  key=merchant["key"])
    assert r.status_code == 200 and json.loads(r.body)["max_per_buyer"] == {"day": None, "month": 4, "lifetime": 5}
    for body, says in (({"month": 9}, "max_per_buyer.month (9) is above max_per_buyer.lifetime (5)"),
                       ({"day": 0}, "max_per_buyer.day must be a whole number of keys from 1 to 10,000"),
                       ({"week": 1}, "max_per_buyer has day, month and lifetime, not week")):
        bad = shop.call(client, "PATCH", f"/v1/products/{product['id']}", {"max_per_buyer": body},
                        key=merchant["key"])
        error = json.loads(bad.body)["error"]
        assert (bad.status_code, error["param"]) == (400, "max_per_buyer") and error["message"].startswith(says)
    below = shop.call(client, "PATCH", f"/v1/products/{product['id']}", {"min_per_order": 5, "max_per_buyer":
                      {"month": 3}}, key=merchant["key"])
    assert json.loads(below.body)["error"]["message"].startswith("max_per_buyer.month (3) is below min_per_order (5)")
    got = json.loads(shop.call(client, "GET", f"/v1/products/{product['id']}", key=merchant["key"]).body)
    assert got["max_per_buyer"] == {"day": None, "month": 4, "lifetime": 5}


def test_a_buyer_at_the_days_limit_is_refused_by_name_and_another_buyer_is_not(client: Any) -> None:
    # given a product limited to 2 a day per buyer
    merchant, product = _limited(client, {"day": 2})
    # when a buyer reserves 2 (one at a time, one with another case of the same address), then asks for one more
    assert _checkout(client, merchant, product, "ann@example.com").status_code == 201
    assert _checkout(client, merchant, product, "Ann@Example.com").status_code == 201
    r = _checkout(client, merchant, product, "ann@example.com")
    # then the third is a 409 that says the limit and its period, and holds no key
    error = json.loads(r.body)["error"]
    assert (r.status_code, error["code"], error["limit"], error["period"], error["param"]) == (
        409, "buyer_limit_reached", 2, "day", "quantity")
    assert error["message"] == ("this e-mail may hold at most 2 of 'Limited card' per day; lower the quantity or "
                                "come back later")
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 8, "reserved": 2, "sold": 0}
    # and a quantity above the limit on its own is refused before any key is reserved
    big = _checkout(client, merchant, product, "bob@example.com", quantity=3)
    assert (big.status_code, json.loads(big.body)["error"]["period"]) == (409, "day")
    # while another buyer still gets theirs
    assert _checkout(client, merchant, product, "bob@example.com", quantity=2).status_code == 201


def test_an_order_that_lapses_or_fails_gives_the_limit_back_once(client: Any, settings: Any,
                                                                container: Any) -> None:
    # given a buyer at a lifetime limit of 1 with an unpaid reservation
    merchant, product = _limited(client, {"lifetime": 1})
    first = _checkout(client, merchant, product, "cat@example.com")
    assert first.status_code == 201
    assert _checkout(client, merchant, product, "cat@example.com").status_code == 409
    # when the reservation lapses (and the sweep runs twice)
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    # then the buyer may reserve again, once
    second = _checkout(client, merchant, product, "cat@example.com")
    assert second.status_code == 201
    assert _checkout(client, merchant, product, "cat@example.com").status_code == 409
    # when that payment fails (the event comes twice), then the limit is back again, once
    intent = _intent(second)
    for _ in range(2):
        r = shop.post_event(client, *shop.stripe_event(settings, intent, kind="payment_intent.payment_failed"))
        assert r.status_code == 200
    assert _checkout(client, merchant, product, "cat@example.com").status_code == 201
    assert _checkout(client, merchant, product, "cat@example.com").status_code == 409


def test_a_payment_after_the_limit_went_back_is_delivered_if_there_is_room_else_refunded(
        client: Any, settings: Any, container: Any) -> None:
    # given a buyer limited to 1 whose first reservation lapsed
    merchant, product = _limited(client, {"lifetime": 1})
    lapsed = _checkout(client, merchant, product, "dan@example.com")
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    # when its payment lands after all, with the limit free: then it is delivered and holds the limit again
    shop.pay(settings, _intent(lapsed))
    r = shop.post_event(client, *shop.stripe_event(settings, _intent(lapsed)))
    assert json.loads(r.body)["result"] == "delivered"
    assert _checkout(client, merchant, product, "dan@example.com").status_code == 409
    # given another buyer whose lapsed order's place was taken by a new order that was paid
    old = _checkout(client, merchant, product, "eve@example.com")
    container.sales.reservations.expire(now=int(time.time()) + LATER)
    new = _checkout(client, merchant, product, "eve@example.com")
    shop.pay(settings, _intent(new))
    assert json.loads(shop.post_event(client, *shop.stripe_event(settings, _intent(new))).body)["result"] == "delivered"
    # when the old order's payment lands: then it is refunded, never delivered past the limit
    shop.pay(settings, _intent(old))
    late = shop.post_event(client, *shop.stripe_event(settings, _intent(old)))
    assert json.loads(late.body)["result"] == "refunded"
    order = container.sales.order_store.get(tenant_id=merchant["tenant"]["id"],
                                            order_id=json.loads(old.body)["order_id"])
    assert (order.status, order.failure_reason) == (OrderStatus.REFUNDED, "buyer_limit_after_payment")
    assert shop.stock(client, merchant["key"], product["id"])["sold"] == 2


def test_100_parallel_checkouts_of_one_buyer_never_pass_the_limit(client: Any, container: Any) -> None:
    # given a product with plenty of keys, limited to 5 a day per buyer
    merchant, product = _limited(client, {"day": 5, "month": 8}, keys=120)

    def buy(i: int) -> str:
        try:
            container.sales.checkout.start(slug=merchant["slug"], body={
                "product_id": product["id"], "quantity": 1, "email": "rush@example.com"})
        except BuyerLimitReached as exc:
            return str(exc.extra["period"])
        return "reserved"

    # when one buyer sends 100 checkouts at once
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(buy, range(100)))
    # then exactly 5 hold keys, the other 95 are refused on the day's limit, and no other key stays reserved
    assert (results.count("reserved"), results.count("day")) == (5, 95)
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 115, "reserved": 5, "sold": 0}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_product_page_carries_the_limit_messages_in_the_buyers_language(client: Any, lang: str) -> None:
    merchant, product = _limited(client, {"day": 2})
    page = client.http.get(f"/s/{merchant['slug']}/p/{product['id']}?lang={lang}").body.decode()
    expected = {"en": "One buyer may get at most {limit} of this a day",
                "zh-CN": "每位买家每天最多购买 {limit} 个"}[lang]
    assert json.dumps(expected)[1:-1] in page  # in the page's JSON settings, escaped as JSON escapes it
