"""Bad input through HTTP: a clear 4xx naming the field, and nothing half-written afterwards."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.kernel.ids import new_id
from tests.support import shop

PASSWORD = "correct horse battery"


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _error(r: Any) -> tuple[int, str, str, str | None]:
    """Status, type, code and param of an error answer."""
    error = _json(r)["error"]
    assert isinstance(error["message"], str) and error["message"]
    return r.status_code, error["type"], error["code"], error.get("param")


def _invalid(param: str | None) -> tuple[int, str, str, str | None]:
    return 400, "invalid_request", "invalid_request", param


def _slug() -> str:
    return f"shop-{secrets.token_hex(4)}"


def _sign_up_body(**fields: Any) -> dict[str, Any]:
    slug = _slug()
    body = {"name": "Valid Shop", "slug": slug, "email": f"owner@{slug}.example.com", "password": PASSWORD}
    body.update(fields)
    return body


def _cursor(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# ---- sign-up ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    pytest.param("slug", "MyShop", id="slug-upper-case"),
    pytest.param("slug", "ab", id="slug-too-short"),
    pytest.param("slug", "a" * 41, id="slug-too-long"),
    pytest.param("slug", "admin", id="slug-reserved"),
    pytest.param("slug", "-shop", id="slug-leading-hyphen"),
    pytest.param("slug", "shop_1", id="slug-underscore"),
    pytest.param("slug", "shop/x", id="slug-slash"),
    pytest.param("slug", 12345, id="slug-number"),
    pytest.param("email", "not-an-email", id="email-no-at"),
    pytest.param("email", "owner@localhost", id="email-no-domain-dot"),
    pytest.param("email", "two words@example.com", id="email-space"),
    pytest.param("email", "x" * 250 + "@example.com", id="email-too-long"),
    pytest.param("email", ["owner@example.com"], id="email-list"),
    pytest.param("password", "123456789", id="password-9-chars"),
    pytest.param("password", "x" * 257, id="password-too-long"),
    pytest.param("password", 1234567890, id="password-number"),
    pytest.param("name", "", id="name-empty"),
    pytest.param("name", "n" * 101, id="name-too-long"),
])
def test_sign_up_refuses_a_bad_field_and_creates_nothing(client, container, field, value):
    # given a sign-up body that is right except for one field
    body = _sign_up_body(**{field: value})
    # when it is sent
    r = shop.call(client, "POST", "/v1/tenants", body)
    # then it is 400 naming that field
    assert _error(r) == _invalid(field)
    # and nothing was written: a valid slug is still free and the e-mail can still sign up
    if field != "slug":
        assert container.tenancy.tenant_store.by_slug(body["slug"]) is None
    if field != "email":
        retry = shop.call(client, "POST", "/v1/tenants", _sign_up_body(email=body["email"]))
        assert retry.status_code == 201, retry.body


def test_sign_up_refuses_a_reserved_slug_by_name(client):
    # given the reserved slug "admin"
    # when a shop signs up with it
    r = shop.call(client, "POST", "/v1/tenants", _sign_up_body(slug="admin"))
    # then the message says why
    assert _error(r) == _invalid("slug")
    assert "reserved" in _json(r)["error"]["message"]


@pytest.mark.parametrize("missing", ["name", "slug", "email", "password"])
def test_sign_up_refuses_a_missing_field(client, missing):
    # given a sign-up body without one required field
    body = _sign_up_body()
    del body[missing]
    # when it is sent
    r = shop.call(client, "POST", "/v1/tenants", body)
    # then it is 400 naming the missing field
    assert _error(r) == _invalid(missing)


def test_sign_up_refuses_an_unknown_field_by_name(client, container):
    # given a sign-up body that tries to choose its own plan
    body = _sign_up_body(plan="enterprise")
    # when it is sent
    r = shop.call(client, "POST", "/v1/tenants", body)
    # then it is 400 naming the unknown field, and no shop was created
    assert _error(r) == _invalid("plan")
    assert "'plan'" in _json(r)["error"]["message"]
    assert container.tenancy.tenant_store.by_slug(body["slug"]) is None


@pytest.mark.parametrize(("raw", "expected"), [
    pytest.param(b"", "the request body must be a JSON object", id="empty"),
    pytest.param(b"not json", "the request body is not valid JSON", id="not-json"),
    pytest.param(b"[]", "the request body must be a JSON object", id="list"),
    pytest.param(b"null", "the request body must be a JSON object", id="null"),
])
def test_sign_up_refuses_a_body_that_is_not_a_json_object(client, raw, expected):
    # given a body that is not a JSON object
    # when it is sent
    r = shop.call(client, "POST", "/v1/tenants", raw)
    # then it is 400 with a message saying so
    assert r.status_code == 400
    assert _json(r) == {"error": {"type": "invalid_request", "code": "invalid_request", "message": expected}}


def test_a_taken_slug_is_409_and_creates_no_second_tenant(client, container):
    # given a shop that owns a slug
    first = shop.sign_up(client)
    second_email = f"owner@{_slug()}.example.com"
    # when another sign-up asks for the same slug
    r = shop.call(client, "POST", "/v1/tenants", _sign_up_body(slug=first["slug"], email=second_email))
    # then it is 409 slug_taken
    assert r.status_code == 409
    assert _json(r)["error"] == {"type": "conflict", "code": "slug_taken", "param": "slug",
                                 "message": f"the shop address '{first['slug']}' is taken; choose another slug"}
    # and the slug still belongs to the first shop, whose API key still works
    assert container.tenancy.tenant_store.by_slug(first["slug"]).id == first["tenant"]["id"]
    me = shop.call(client, "GET", "/v1/tenant", key=first["key"])
    assert me.status_code == 200
    assert (_json(me)["id"], _json(me)["slug"]) == (first["tenant"]["id"], first["slug"])
    # and the refused sign-up left no trace: its e-mail can still sign up
    again = shop.call(client, "POST", "/v1/tenants", _sign_up_body(email=second_email))
    assert again.status_code == 201, again.body


@pytest.mark.parametrize("email_case", ["same", "upper-case-domain"])
def test_a_taken_email_is_409_and_leaves_the_new_slug_free(client, container, email_case):
    # given a shop whose owner has an e-mail address
    first = shop.sign_up(client)
    email = f"owner@{first['slug']}.example.com"
    if email_case == "upper-case-domain":
        email = f"owner@{first['slug'].upper()}.EXAMPLE.COM"
    new_slug = _slug()
    # when another shop signs up with another slug and the same e-mail
    r = shop.call(client, "POST", "/v1/tenants", _sign_up_body(slug=new_slug, email=email))
    # then it is 409 email_taken
    assert r.status_code == 409
    assert _error(r) == (409, "conflict", "email_taken", "email")
    # and the new slug was not taken by the failed sign-up, and the first shop is unchanged
    assert container.tenancy.tenant_store.by_slug(new_slug) is None
    me = shop.call(client, "GET", "/v1/tenant", key=first["key"])
    assert (me.status_code, _json(me)["id"]) == (200, first["tenant"]["id"])
    again = shop.call(client, "POST", "/v1/tenants", _sign_up_body(slug=new_slug))
    assert again.status_code == 201, again.body


# ---- products --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog(container: wiring.Container) -> Iterator[dict[str, Any]]:
    """One shop with one product, shared by the product validation tests (which must leave it as it is)."""
    from chalice.test import Client

    from app import app

    wiring.use(container)
    with Client(app) as client:
        merchant = shop.sign_up(client)
        merchant["product"] = shop.product(client, merchant["key"], price=1299, name="Baseline card",
                                           description="the one product", max_per_order=5)
        yield merchant


def _products(client: Any, key: str) -> list[dict[str, Any]]:
    r = shop.call(client, "GET", "/v1/products?limit=100", key=key)
    assert r.status_code == 200
    return list(_json(r)["data"])


GOOD_PRODUCT = {"name": "New card", "price": 500, "currency": "usd"}
BAD_PRODUCT_FIELDS = [
    pytest.param("price", 0, id="price-zero"),
    pytest.param("price", -500, id="price-negative"),
    pytest.param("price", 5.5, id="price-float"),
    pytest.param("price", 5.0, id="price-whole-float"),
    pytest.param("price", "500", id="price-string"),
    pytest.param("price", True, id="price-bool"),
    pytest.param("price", None, id="price-null"),
    pytest.param("price", 100_000_000, id="price-too-large"),
    pytest.param("currency", "USD", id="currency-upper"),
    pytest.param("currency", "xyz", id="currency-unknown"),
    pytest.param("currency", "", id="currency-empty"),
    pytest.param("currency", 840, id="currency-number"),
    pytest.param("max_per_order", 0, id="max-per-order-zero"),
    pytest.param("max_per_order", 51, id="max-per-order-51"),
    pytest.param("max_per_order", 2.5, id="max-per-order-float"),
    pytest.param("max_per_order", "5", id="max-per-order-string"),
    pytest.param("max_per_order", True, id="max-per-order-bool"),
    pytest.param("name", "", id="name-empty"),
    pytest.param("name", "   ", id="name-blank"),
    pytest.param("name", "n" * 201, id="name-too-long"),
    pytest.param("name", 42, id="name-number"),
    pytest.param("description", "d" * 5001, id="description-too-long"),
    pytest.param("active", "true", id="active-string"),
    pytest.param("stock", 10, id="unknown-field"),
]


@pytest.mark.parametrize(("field", "value"), BAD_PRODUCT_FIELDS)
def test_creating_a_product_with_a_bad_field_is_400_and_creates_nothing(client, catalog, field, value):
    # given a product body that is right except for one field
    before = _products(client, catalog["key"])
    # when it is created
    r = shop.call(client, "POST", "/v1/products", {**GOOD_PRODUCT, field: value}, key=catalog["key"])
    # then it is 400 naming the field, and the catalogue is unchanged
    assert _error(r) == _invalid(field)
    assert _products(client, catalog["key"]) == before


@pytest.mark.parametrize("missing", ["name", "price", "currency"])
def test_creating_a_product_without_a_required_field_is_400(client, catalog, missing):
    # given a product body without one required field
    before = _products(client, catalog["key"])
    body = {k: v for k, v in GOOD_PRODUCT.items() if k != missing}
    # when it is created
    r = shop.call(client, "POST", "/v1/products", body, key=catalog["key"])
    # then it is 400 naming the field, and the catalogue is unchanged
    assert _error(r) == _invalid(missing)
    assert _products(client, catalog["key"]) == before


def _product(client: Any, catalog: dict[str, Any]) -> dict[str, Any]:
    r = shop.call(client, "GET", f"/v1/products/{catalog['product']['id']}", key=catalog["key"])
    assert r.status_code == 200
    return dict(_json(r))


@pytest.mark.parametrize(("body", "param"), [
    pytest.param({}, None, id="empty"),
    pytest.param({"price": 0}, "price", id="price-zero"),
    pytest.param({"price": 12.99}, "price", id="price-float"),
    pytest.param({"price": "1299"}, "price", id="price-string"),
    pytest.param({"name": "Renamed", "price": -1}, "price", id="good-name-bad-price"),
    pytest.param({"currency": "EUR"}, "currency", id="currency-upper"),
    pytest.param({"max_per_order": 51}, "max_per_order", id="max-per-order-51"),
    pytest.param({"name": ""}, "name", id="name-empty"),
    pytest.param({"active": "false"}, "active", id="active-string"),
    pytest.param({"active": None}, "active", id="active-null"),
    pytest.param({"price": 100, "tenant_id": "ten_x"}, "tenant_id", id="unknown-field"),
])
def test_patching_a_product_with_bad_input_is_400_and_changes_nothing(client, catalog, body, param):
    # given the shop's product as it is
    before = _product(client, catalog)
    # when a bad change is sent
    r = shop.call(client, "PATCH", f"/v1/products/{catalog['product']['id']}", body, key=catalog["key"])
    # then it is 400 (naming the field where one is at fault), and no field changed, not even a good one
    assert _error(r) == _invalid(param)
    assert _product(client, catalog) == before


def test_patching_a_product_with_a_body_that_is_not_json_is_400(client, catalog):
    # given the shop's product as it is
    before = _product(client, catalog)
    # when the patch body is not JSON
    r = shop.call(client, "PATCH", f"/v1/products/{catalog['product']['id']}", b"price=1", key=catalog["key"])
    # then it is 400 and the product is unchanged
    assert _error(r) == _invalid(None)
    assert _product(client, catalog) == before


# ---- checkout --------------------------------------------------------------------------------------

@pytest.fixture()
def stocked(client) -> dict[str, Any]:
    """A shop with one product (at most 3 per order) and 5 keys."""
    merchant = shop.sign_up(client)
    merchant["product"] = shop.product(client, merchant["key"], price=800, max_per_order=3)
    assert shop.import_keys(client, merchant["key"], merchant["product"]["id"], shop.new_keys(5))["imported"] == 5
    return merchant


def _orders(client: Any, key: str) -> list[str]:
    r = shop.call(client, "GET", "/v1/orders?limit=100", key=key)
    assert r.status_code == 200
    return [o["id"] for o in _json(r)["data"]]


@pytest.mark.parametrize("slug", ["no-such-shop-" + secrets.token_hex(4), "NOT-A-SLUG", "admin"],
                         ids=["unknown", "not-a-slug", "reserved"])
def test_checkout_in_an_unknown_shop_is_404(client, slug):
    # given a shop slug nobody has
    # when a buyer checks out there
    r = shop.checkout(client, slug, new_id("product"))
    # then it is 404 "no such shop"
    assert r.status_code == 404
    assert _json(r) == {"error": {"type": "not_found", "code": "resource_missing", "message": "no such shop"}}


def test_checkout_of_an_unknown_product_is_404(client, stocked):
    # given a shop with stock
    before = shop.stock(client, stocked["key"], stocked["product"]["id"])
    # when a buyer checks out a product id the shop does not have
    r = shop.checkout(client, stocked["slug"], new_id("product"))
    # then it is 404 naming product_id, and the shop's stock and orders are unchanged
    assert r.status_code == 404
    assert _json(r) == {"error": {"type": "not_found", "code": "resource_missing", "message": "no such product",
                                  "param": "product_id"}}
    assert shop.stock(client, stocked["key"], stocked["product"]["id"]) == before
    assert _orders(client, stocked["key"]) == []


@pytest.mark.parametrize(("change", "param"), [
    pytest.param({"quantity": 0}, "quantity", id="quantity-zero"),
    pytest.param({"quantity": -1}, "quantity", id="quantity-negative"),
    pytest.param({"quantity": 4}, "quantity", id="quantity-above-max-per-order"),
    pytest.param({"quantity": 1.5}, "quantity", id="quantity-float"),
    pytest.param({"quantity": "1"}, "quantity", id="quantity-string"),
    pytest.param({"quantity": True}, "quantity", id="quantity-bool"),
    pytest.param({"email": "not-an-email"}, "email", id="email-bad"),
    pytest.param({"email": None}, "email", id="email-missing"),
    pytest.param({"product_id": None}, "product_id", id="product-id-missing"),
    pytest.param({"product_id": 7}, "product_id", id="product-id-number"),
    pytest.param({"discount": "FREE"}, "discount", id="unknown-field"),
])
def test_checkout_with_bad_input_is_400_and_reserves_nothing(client, stocked, change, param):
    # given a shop with 5 keys
    pid = stocked["product"]["id"]
    body = {"product_id": pid, "quantity": 1, "email": "buyer@example.com", **change}
    body = {k: v for k, v in body.items() if v is not None}
    # when a buyer checks out with one bad field
    r = shop.call(client, "POST", f"/s/{stocked['slug']}/checkout", body)
    # then it is 400 naming the field, and nothing was reserved or ordered
    assert _error(r) == _invalid(param)
    assert shop.stock(client, stocked["key"], pid) == {"available": 5, "reserved": 0, "sold": 0}
    assert _orders(client, stocked["key"]) == []


def test_checkout_of_an_inactive_product_is_400_product_inactive(client, stocked):
    # given a product taken off sale
    pid = stocked["product"]["id"]
    off = shop.call(client, "PATCH", f"/v1/products/{pid}", {"active": False}, key=stocked["key"])
    assert (off.status_code, _json(off)["active"]) == (200, False)
    # when a buyer checks it out
    r = shop.checkout(client, stocked["slug"], pid)
    # then it is 400 product_inactive, and nothing was reserved or ordered
    assert _error(r) == (400, "invalid_request", "product_inactive", "product_id")
    assert shop.stock(client, stocked["key"], pid) == {"available": 5, "reserved": 0, "sold": 0}
    assert _orders(client, stocked["key"]) == []


def test_checkout_of_a_product_without_keys_is_409_out_of_stock(client):
    # given a product with no keys at all
    merchant = shop.sign_up(client)
    pid = shop.product(client, merchant["key"])["id"]
    # when a buyer checks it out
    r = shop.checkout(client, merchant["slug"], pid)
    # then it is 409 out_of_stock, and stock and orders are unchanged
    assert _error(r) == (409, "conflict", "out_of_stock", "quantity")
    assert shop.stock(client, merchant["key"], pid) == {"available": 0, "reserved": 0, "sold": 0}
    assert _orders(client, merchant["key"]) == []


def test_asking_for_more_than_is_left_is_409_and_releases_the_partial_reservation(client):
    # given a product with two keys
    merchant = shop.sign_up(client)
    pid = shop.product(client, merchant["key"], max_per_order=5)["id"]
    keys = shop.new_keys(2)
    assert shop.import_keys(client, merchant["key"], pid, keys)["imported"] == 2
    # when a buyer asks for three
    r = shop.checkout(client, merchant["slug"], pid, quantity=3)
    # then it is 409 out_of_stock, no order exists, and both keys are available again
    assert _error(r) == (409, "conflict", "out_of_stock", "quantity")
    assert shop.stock(client, merchant["key"], pid) == {"available": 2, "reserved": 0, "sold": 0}
    assert _orders(client, merchant["key"]) == []
    # and the two keys really are claimable: a checkout of two succeeds
    two = shop.checkout(client, merchant["slug"], pid, quantity=2)
    assert two.status_code == 201, two.body
    assert shop.stock(client, merchant["key"], pid) == {"available": 0, "reserved": 2, "sold": 0}
    assert _orders(client, merchant["key"]) == [_json(two)["order_id"]]


def test_asking_for_more_than_is_left_during_an_import_is_still_409_and_keeps_no_keys(client, container):
    # given a product with two keys, into which a (large, slow) import is running
    merchant = shop.sign_up(client)
    tenant_id = merchant["tenant"]["id"]
    pid = shop.product(client, merchant["key"], max_per_order=5)["id"]
    assert shop.import_keys(client, merchant["key"], pid, shop.new_keys(2))["imported"] == 2
    container.inventory.key_pool.begin_import(tenant_id=tenant_id, product_id=pid, owner="bat_running", lease_seconds=60)
    try:
        # when a buyer asks for three meanwhile
        r = shop.checkout(client, merchant["slug"], pid, quantity=3)
    finally:
        container.inventory.key_pool.end_import(tenant_id=tenant_id, product_id=pid, owner="bat_running")
    # then the buyer is told it is out of stock (not a server error), and no order exists
    assert _error(r) == (409, "conflict", "out_of_stock", "quantity")
    assert _orders(client, merchant["key"]) == []
    # and once the import is over and the reservation lapsed (the sweeper returns it), both keys can be bought
    container.sales.reservations.expire(now=int(time.time()) + 16 * 60)
    assert shop.stock(client, merchant["key"], pid) == {"available": 2, "reserved": 0, "sold": 0}
    assert shop.checkout(client, merchant["slug"], pid, quantity=2).status_code == 201


# ---- list pagination -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def five_products(container: wiring.Container) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    wiring.use(container)
    with Client(app) as client:
        merchant = shop.sign_up(client)
        merchant["ids"] = [shop.product(client, merchant["key"], name=f"Card {i}")["id"] for i in range(5)]
        yield merchant


def test_following_next_cursor_lists_every_product_once(client, five_products):
    # given a shop with five products
    key = five_products["key"]
    # when the list is read two at a time, following next_cursor to the end
    pages = []
    r = shop.call(client, "GET", "/v1/products?limit=2", key=key)
    while True:
        assert r.status_code == 200, r.body
        page = _json(r)
        pages.append(page)
        if not page["has_more"]:
            break
        assert len(pages) < 10, "pagination does not end"
        r = shop.call(client, "GET", f"/v1/products?limit=2&cursor={page['next_cursor']}", key=key)
    # then the pages hold 2, 2 and 1 products, only the last says there is no more
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert all(isinstance(p["next_cursor"], str) and p["next_cursor"] for p in pages[:-1])
    assert pages[-1]["next_cursor"] is None
    # and together they are every product exactly once, newest first
    ids = [item["id"] for p in pages for item in p["data"]]
    assert ids == sorted(five_products["ids"], reverse=True)


@pytest.mark.parametrize(("limit", "has_more"), [(4, True), (5, False), (100, False)])
def test_has_more_is_exact_at_the_boundary(client, five_products, limit, has_more):
    # given a shop with five products
    # when a page of 4, 5 or 100 is asked for
    r = shop.call(client, "GET", f"/v1/products?limit={limit}", key=five_products["key"])
    # then has_more says exactly whether more products exist beyond the page
    assert r.status_code == 200
    page = _json(r)
    assert (len(page["data"]), page["has_more"]) == (min(limit, 5), has_more)
    assert (page["next_cursor"] is not None) == has_more


@pytest.mark.parametrize("path", ["/v1/products", "/v1/orders"])
@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "2.5"])
def test_a_limit_outside_1_to_100_is_400(client, five_products, path, limit):
    # given a list route
    # when it is asked for a limit outside 1..100 or not a whole number
    r = shop.call(client, "GET", f"{path}?limit={limit}", key=five_products["key"])
    # then it is 400 naming limit
    assert _error(r) == _invalid("limit")


@pytest.mark.parametrize("path", ["/v1/products", "/v1/orders"])
@pytest.mark.parametrize("cursor", [
    pytest.param("garbage", id="garbage"),
    pytest.param("!!!", id="not-base64"),
    pytest.param(_cursor([1, 2]), id="json-list"),
    pytest.param(_cursor({"x": "y"}), id="wrong-fields"),
    pytest.param("A" * 501, id="too-long"),
])
def test_a_cursor_this_api_did_not_return_is_400(client, five_products, path, cursor):
    # given a list route
    # when it is asked to continue from a cursor it never handed out
    r = shop.call(client, "GET", f"{path}?limit=2&cursor={cursor}", key=five_products["key"])
    # then it is 400 naming cursor
    assert _error(r) == _invalid("cursor")


@pytest.mark.parametrize(("path", "cursor"), [
    pytest.param("/v1/products", _cursor({"pk": "x", "sk": ""}), id="products-empty-sk"),
    pytest.param("/v1/orders", _cursor({"sk": ""}), id="orders-empty-sk"),
])
def test_a_well_formed_cursor_with_an_empty_position_is_400(client, five_products, path, cursor):
    # given a cursor with the right fields but an empty position, which this API never hands out
    # when a list is continued from it
    r = shop.call(client, "GET", f"{path}?limit=2&cursor={cursor}", key=five_products["key"])
    # then it is refused as a bad cursor
    assert _error(r) == _invalid("cursor")
