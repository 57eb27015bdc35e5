"""Tenant isolation through HTTP and at the cipher: another tenant's object answers exactly like a missing one."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.kernel.errors import DecryptionRefused
from chalicelib.kernel.ids import new_id, new_token
from tests.support import shop

PRODUCT_MISSING = {"error": {"type": "not_found", "code": "resource_missing", "message": "no such product",
                             "param": "product_id"}}
ORDER_MISSING = {"error": {"type": "not_found", "code": "resource_missing", "message": "no such order"}}
MISSING_KEY = {"error": {"type": "authentication", "code": "missing_api_key",
                         "message": "send your API key as 'Authorization: Bearer <key>'"}}
INVALID_KEY = {"error": {"type": "authentication", "code": "invalid_api_key", "message": "the API key is not valid"}}


def _json(r: Any) -> Any:
    return json.loads(r.body)


@pytest.fixture(scope="module")
def world(container: wiring.Container, settings: Any) -> Iterator[dict[str, Any]]:
    """Tenant A with a product, five keys and one delivered order; tenant B with its own product and order."""
    from chalice.test import Client

    from app import app

    wiring.use(container)
    with Client(app) as client:
        a = shop.sign_up(client)
        b = shop.sign_up(client)
        a_product = shop.product(client, a["key"], price=700, name="Tenant A secret card")
        a_keys = shop.new_keys(5, prefix="AAA")
        assert shop.import_keys(client, a["key"], a_product["id"], a_keys)["imported"] == 5
        started = shop.delivered_order(client, settings, a["slug"], a_product["id"])
        pending = shop.checkout(client, a["slug"], a_product["id"])
        assert pending.status_code == 201, pending.body
        b_product = shop.product(client, b["key"], price=300, name="Tenant B card")
        assert shop.import_keys(client, b["key"], b_product["id"], shop.new_keys(2, prefix="BBB"))["imported"] == 2
        b_checkout = shop.checkout(client, b["slug"], b_product["id"])
        assert b_checkout.status_code == 201, b_checkout.body
        yield {"a": a, "b": b, "a_product": a_product, "a_keys": a_keys, "a_order_id": started["order_id"],
               "a_token": started["order_token"], "a_pending": _json(pending), "b_product": b_product, "b_order_id": _json(b_checkout)["order_id"]}


def _snapshot_of_a(client: Any, world: dict[str, Any]) -> dict[str, Any]:
    """Everything tenant A can see of its product, stock and orders, read with A's own key."""
    key, pid, oid = world["a"]["key"], world["a_product"]["id"], world["a_order_id"]
    product = shop.call(client, "GET", f"/v1/products/{pid}", key=key)
    order = shop.call(client, "GET", f"/v1/orders/{oid}", key=key)
    pending = shop.call(client, "GET", f"/v1/orders/{world['a_pending']['order_id']}", key=key)
    assert (product.status_code, order.status_code, pending.status_code) == (200, 200, 200)
    return {"product": _json(product), "stock": shop.stock(client, key, pid), "order": _json(order),
            "pending": _json(pending)}


def test_world_is_as_set_up(client, world):
    # given the module's two tenants
    # when tenant A reads its own objects
    snapshot = _snapshot_of_a(client, world)
    # then the product, its stock and the delivered order are A's (so the 404s below are about the caller)
    assert snapshot["product"]["id"] == world["a_product"]["id"]
    assert snapshot["product"]["name"] == "Tenant A secret card"
    assert snapshot["stock"] == {"available": 3, "reserved": 1, "sold": 1}
    assert snapshot["order"]["status"] == "delivered"
    assert snapshot["order"]["product_id"] == world["a_product"]["id"]
    assert snapshot["pending"]["status"] == "pending"


ROUTES = [
    pytest.param("GET", "/v1/products/{product}", None, None, PRODUCT_MISSING, id="get-product"),
    pytest.param("PATCH", "/v1/products/{product}", {"name": "hijacked", "price": 1, "active": False}, None,
                 PRODUCT_MISSING, id="patch-product"),
    pytest.param("POST", "/v1/products/{product}/keys", {"keys": ["INJECTED-1", "INJECTED-2"]}, None,
                 PRODUCT_MISSING, id="import-keys-json"),
    pytest.param("POST", "/v1/products/{product}/keys", b"INJECTED-3\nINJECTED-4\n", "text/plain",
                 PRODUCT_MISSING, id="import-keys-text"),
    pytest.param("GET", "/v1/products/{product}/stock", None, None, PRODUCT_MISSING, id="stock"),
    pytest.param("GET", "/v1/orders/{order}", None, None, ORDER_MISSING, id="get-order"),
]


@pytest.mark.parametrize(("method", "template", "body", "content_type", "expected"), ROUTES)
def test_another_tenants_object_answers_exactly_like_a_missing_one(client, world, method, template, body,
                                                                    content_type, expected):
    # given tenant B's API key, tenant A's ids, and ids that exist nowhere
    before = _snapshot_of_a(client, world)
    headers = {"Content-Type": content_type} if content_type else None
    foreign = template.format(product=world["a_product"]["id"], order=world["a_order_id"])
    missing = template.format(product=new_id("product"), order=new_id("order"))
    # when B calls the route with A's id, and with the missing id
    r_foreign = shop.call(client, method, foreign, body, key=world["b"]["key"], headers=headers)
    r_missing = shop.call(client, method, missing, body, key=world["b"]["key"], headers=headers)
    # then both are the same 404, byte for byte
    assert r_foreign.status_code == 404
    assert r_missing.status_code == 404
    assert _json(r_foreign) == expected
    assert r_foreign.body == r_missing.body
    # and A's product, stock and order are exactly as before
    assert _snapshot_of_a(client, world) == before


def test_lists_show_only_the_callers_own_objects(client, world):
    # given both tenants have a product and an order
    # when B lists its products and orders
    products = shop.call(client, "GET", "/v1/products", key=world["b"]["key"])
    orders = shop.call(client, "GET", "/v1/orders", key=world["b"]["key"])
    # then B sees exactly its own objects and nothing of A's
    assert products.status_code == 200
    assert orders.status_code == 200
    assert [p["id"] for p in _json(products)["data"]] == [world["b_product"]["id"]]
    assert [o["id"] for o in _json(orders)["data"]] == [world["b_order_id"]]
    assert world["a_product"]["id"] not in products.body.decode()
    assert world["a_order_id"] not in orders.body.decode()
    # and A's own lists show A's objects only
    a_products = _json(shop.call(client, "GET", "/v1/products", key=world["a"]["key"]))
    a_orders = _json(shop.call(client, "GET", "/v1/orders", key=world["a"]["key"]))
    assert [p["id"] for p in a_products["data"]] == [world["a_product"]["id"]]
    assert sorted(o["id"] for o in a_orders["data"]) == sorted([world["a_order_id"], world["a_pending"]["order_id"]])


def test_a_cursor_naming_another_tenants_partition_lists_only_the_callers_products(client, world):
    # given a well-formed cursor that names A's product partition and a position after every product id
    forged = {"pk": f"T#{world['a']['tenant']['id']}#PRODUCTS", "sk": "prd_zzzzzzzzzzzzzzzzzzzzzzzzzz"}
    cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    # when B lists products from that cursor
    r = shop.call(client, "GET", f"/v1/products?cursor={cursor}", key=world["b"]["key"])
    # then B gets its own products only
    assert r.status_code == 200, r.body
    assert [p["id"] for p in _json(r)["data"]] == [world["b_product"]["id"]]


def test_order_page_needs_the_right_shop_and_the_right_token(client, world):
    # given A's delivered order and its buyer's token
    a_slug, b_slug, oid, token = world["a"]["slug"], world["b"]["slug"], world["a_order_id"], world["a_token"]
    accept = {"Accept": "application/json"}
    # when the page is asked for under B's shop with the right token, under A's with a wrong or no token,
    # and for an order that does not exist
    under_b = client.http.get(f"/s/{b_slug}/orders/{oid}?token={token}", headers=accept)
    wrong_token = client.http.get(f"/s/{a_slug}/orders/{oid}?token={new_token(16)}", headers=accept)
    no_token = client.http.get(f"/s/{a_slug}/orders/{oid}", headers=accept)
    missing = client.http.get(f"/s/{a_slug}/orders/{new_id('order')}?token={token}", headers=accept)
    html_under_b = client.http.get(f"/s/{b_slug}/orders/{oid}?token={token}")
    # then every one is the same 404, and none shows a key
    for r in (under_b, wrong_token, no_token, missing, html_under_b):
        assert r.status_code == 404
        assert _json(r) == ORDER_MISSING
        assert r.body == missing.body
    # and the right shop with the right token still shows the order and its key (so the token was right)
    ok = client.http.get(f"/s/{a_slug}/orders/{oid}?token={token}", headers=accept)
    assert ok.status_code == 200
    page = _json(ok)
    assert page["order"]["status"] == "delivered"
    assert len(page["keys"]) == 1 and page["keys"][0] in world["a_keys"]


def test_storefront_of_another_shop_neither_shows_nor_sells_a_foreign_product(client, world):
    # given A's product id and B's shop
    before = _snapshot_of_a(client, world)
    a_pid, b_slug = world["a_product"]["id"], world["b"]["slug"]
    # when a buyer asks B's shop for A's product, to see it and to buy it
    page = client.http.get(f"/s/{b_slug}/p/{a_pid}")
    missing_page = client.http.get(f"/s/{b_slug}/p/{new_id('product')}")
    buy = shop.checkout(client, b_slug, a_pid)
    buy_missing = shop.checkout(client, b_slug, new_id("product"))
    storefront = client.http.get(f"/s/{b_slug}")
    # then B's shop answers as for a product that does not exist, and lists only B's product
    assert (page.status_code, missing_page.status_code) == (404, 404)
    assert page.body == missing_page.body
    assert (buy.status_code, buy_missing.status_code) == (404, 404)
    assert _json(buy) == PRODUCT_MISSING
    assert buy.body == buy_missing.body
    assert storefront.status_code == 200
    html = storefront.body.decode()
    assert world["b_product"]["id"] in html
    assert a_pid not in html and "Tenant A secret card" not in html
    # and nothing of A's was reserved or changed, and B has no new order
    assert _snapshot_of_a(client, world) == before
    b_orders = _json(shop.call(client, "GET", "/v1/orders", key=world["b"]["key"]))
    assert [o["id"] for o in b_orders["data"]] == [world["b_order_id"]]


def test_local_card_payment_under_another_shop_is_404_and_charges_nothing(client, settings, world):
    # given A's pending order, its buyer's token, and a card that would pay
    before = _snapshot_of_a(client, world)
    pending, b_slug = world["a_pending"], world["b"]["slug"]
    body = {"token": pending["order_token"],
            "card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}}
    # when the card is sent for A's order through B's shop, and for an order that does not exist
    r = shop.call(client, "POST", f"/s/{b_slug}/orders/{pending['order_id']}/local-pay", body)
    missing = shop.call(client, "POST", f"/s/{b_slug}/orders/{new_id('order')}/local-pay", body)
    # then both are the same 404
    assert r.status_code == 404
    assert _json(r) == ORDER_MISSING
    assert r.body == missing.body
    # and A's order is still pending, with its key still reserved, not sold, and its payment was not confirmed
    assert _snapshot_of_a(client, world) == before
    intent_id = pending["payment"]["client_secret"].split("_secret_")[0]
    assert shop.stripe_client(settings).v1.payment_intents.retrieve(intent_id).status == "requires_payment_method"


def _a_ciphertext(container: wiring.Container, world: dict[str, Any]) -> bytes:
    tenant_id = world["a"]["tenant"]["id"]
    order = container.sales.orders.get(tenant_id=tenant_id, order_id=world["a_order_id"])
    stored = container.inventory.key_pool.read(tenant_id=tenant_id, product_id=world["a_product"]["id"], refs=order.keys)
    assert len(stored) == 1
    return stored[0].ciphertext


def test_a_ciphertext_of_one_tenant_does_not_decrypt_as_another(container, world):
    # given the stored ciphertext of the key A sold, and both tenants as the store has them
    ciphertext = _a_ciphertext(container, world)
    tenant_a = container.tenancy.tenant_store.get(tenant_id=world["a"]["tenant"]["id"])
    tenant_b = container.tenancy.tenant_store.get(tenant_id=world["b"]["tenant"]["id"])
    # when it is decrypted as tenant B, for A's product
    with pytest.raises(DecryptionRefused) as refused:
        container.platform.cipher.decrypt_key(tenant=tenant_b, product_id=world["a_product"]["id"], ciphertext=ciphertext)
    # then it is refused with the stable code
    assert refused.value.code == "decryption_refused"
    # and as tenant A but for another product it is refused as well
    with pytest.raises(DecryptionRefused):
        container.platform.cipher.decrypt_key(tenant=tenant_a, product_id=world["b_product"]["id"], ciphertext=ciphertext)
    # and as tenant A for its own product it gives back one of the keys A imported
    plaintext = container.platform.cipher.decrypt_key(tenant=tenant_a, product_id=world["a_product"]["id"],
                                             ciphertext=ciphertext)
    assert plaintext in world["a_keys"]


def test_a_card_key_ciphertext_does_not_decrypt_as_the_fingerprint_secret(container, world):
    # given tenant A whose fingerprint-secret ciphertext is swapped for one of its card-key ciphertexts
    tenant_a = container.tenancy.tenant_store.get(tenant_id=world["a"]["tenant"]["id"])
    swapped = dataclasses.replace(tenant_a, fingerprint_key_ciphertext=_a_ciphertext(container, world))
    # when the fingerprint secret is decrypted
    with pytest.raises(DecryptionRefused) as refused:
        container.platform.cipher.decrypt_secret(tenant=swapped)
    # then the other purpose is refused, while the real secret still decrypts to 32 bytes
    assert refused.value.code == "decryption_refused"
    assert len(container.platform.cipher.decrypt_secret(tenant=tenant_a)) == 32


AUTH_ROUTES = [
    pytest.param("GET", "/v1/tenant", None, id="get-tenant"),
    pytest.param("POST", "/v1/products", {"name": "x", "price": 100, "currency": "usd"}, id="create-product"),
    pytest.param("GET", "/v1/products", None, id="list-products"),
    pytest.param("GET", "/v1/products/{product}", None, id="get-product"),
    pytest.param("PATCH", "/v1/products/{product}", {"price": 1}, id="patch-product"),
    pytest.param("POST", "/v1/products/{product}/keys", {"keys": ["INJECTED-5"]}, id="import-keys"),
    pytest.param("GET", "/v1/products/{product}/stock", None, id="stock"),
    pytest.param("GET", "/v1/orders", None, id="list-orders"),
    pytest.param("GET", "/v1/orders/{order}", None, id="get-order"),
]
BAD_AUTHORIZATION = [
    pytest.param(None, MISSING_KEY, id="missing"),
    pytest.param("Basic dXNlcjpwYXNz", MISSING_KEY, id="basic-scheme"),
    pytest.param("Bearer ", INVALID_KEY, id="empty-bearer"),
    pytest.param("Bearer not-a-kamidrop-key", INVALID_KEY, id="foreign-format"),
    pytest.param("Bearer kd_live_" + "x" * 43, INVALID_KEY, id="unknown-key"),
    pytest.param("Bearer kd_live_" + "x" * 300, INVALID_KEY, id="overlong-key"),
]


@pytest.mark.parametrize(("authorization", "expected"), BAD_AUTHORIZATION)
@pytest.mark.parametrize(("method", "template", "body"), AUTH_ROUTES)
def test_a_missing_or_invalid_api_key_is_401(client, world, method, template, body, authorization, expected):
    # given a request without a valid API key, aimed at A's own objects
    before = _snapshot_of_a(client, world)
    path = template.format(product=world["a_product"]["id"], order=world["a_order_id"])
    headers = {"Authorization": authorization} if authorization is not None else None
    # when it is sent
    r = shop.call(client, method, path, body, headers=headers)
    # then it is refused as an authentication failure, and nothing of A's changed
    assert r.status_code == 401
    assert _json(r) == expected
    assert _snapshot_of_a(client, world) == before
    listed = _json(shop.call(client, "GET", "/v1/products", key=world["a"]["key"]))
    assert [p["id"] for p in listed["data"]] == [world["a_product"]["id"]]
