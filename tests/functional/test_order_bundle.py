"""The sealed bundle through the real stack (Encryption SDK on moto): written at delivery, never plaintext, the
page's only decrypt; a buyer's report replaced at once extends it, a refund removes it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.sales.domain.bundle import unpack
from tests.support import shop


def _page(client: Any, slug: str, started: dict[str, Any]) -> dict[str, Any]:
    r = shop.call(client, "GET", f"/s/{slug}/orders/{started['order_id']}?token={started['order_token']}",
                  headers={"Accept": "application/json"})
    assert r.status_code == 200, r.body
    return dict(json.loads(r.body))


def _sold(client: Any, settings: Any, keys: list[str], **product: Any) -> tuple[dict[str, Any], Any, dict]:
    m = shop.sign_up(client)
    p = shop.product(client, m["key"], usage_guide="Redeem in the launcher.", **product)
    shop.import_keys(client, m["key"], p["id"], keys)
    return m, p, shop.delivered_order(client, settings, m["slug"], p["id"])


def test_delivery_seals_the_keys_and_the_page_shows_them_with_the_guide(client, settings, container):
    # given a delivered order
    keys = shop.new_keys(2, "SEAL")
    m, _, started = _sold(client, settings, keys)
    # then the order carries one sealed bundle that opens to its key, and no plaintext is stored on it
    tenant = container.tenancy.tenants.get(tenant_id=m["tenant"]["id"])
    order = container.sales.order_store.get(tenant_id=tenant.id, order_id=started["order_id"])
    assert order.keys_bundle is not None and keys[0].encode() not in order.keys_bundle
    opened = unpack(container.platform.cipher.decrypt_bundle(tenant=tenant, order_id=order.id,
                                                             ciphertext=order.keys_bundle))
    [(ref, sold)] = opened.items()
    assert ref == order.keys[0] and sold in keys
    assert (order.usage_guide, order.usage_url) == ("Redeem in the launcher.", "")
    # and the buyer's page shows that key and the guide
    page = _page(client, m["slug"], started)
    assert (page["keys"], page["usage"]) == ([sold], {"guide": "Redeem in the launcher.", "url": ""})


def test_a_replacement_extends_the_bundle_and_a_refund_removes_it(client, settings, container):
    # given a delivered order of a product that replaces reported keys at once
    keys = shop.new_keys(3, "REPL")
    m, _, started = _sold(client, settings, keys)
    tenant = container.tenancy.tenants.get(tenant_id=m["tenant"]["id"])
    # when the buyer reports the key
    r = shop.call(client, "POST", f"/s/{m['slug']}/orders/{started['order_id']}/reports",
                  {"token": started["order_token"], "key_index": 0, "reason": "invalid"})
    assert (r.status_code, json.loads(r.body)["status"]) == (201, "replaced"), r.body
    # then the bundle holds the reported key and its replacement, in the order's key order
    order = container.sales.order_store.get(tenant_id=tenant.id, order_id=started["order_id"])
    assert order.keys_bundle is not None
    opened = unpack(container.platform.cipher.decrypt_bundle(tenant=tenant, order_id=order.id,
                                                             ciphertext=order.keys_bundle))
    shown = _page(client, m["slug"], started)["keys"]
    assert list(opened.items()) == list(zip(order.keys, shown, strict=True))
    assert len(shown) == len(set(shown)) == 2 and set(shown) <= set(keys)
    # when the merchant refunds the order
    refunded = shop.call(client, "POST", f"/v1/orders/{started['order_id']}/refund", key=m["key"])
    assert refunded.status_code == 200, refunded.body
    # then the sealed copy is gone with the keys, and the page shows none
    order = container.sales.order_store.get(tenant_id=tenant.id, order_id=started["order_id"])
    assert (order.status.value, order.keys_bundle) == ("refunded", None)
    assert _page(client, m["slug"], started)["keys"] == []


def test_a_bundle_opens_for_its_own_order_only_whichever_way_it_was_sealed(client, container):
    from chalicelib.adapters.crypto import PURPOSE_ORDER_KEYS
    from chalicelib.kernel.errors import DecryptionRefused

    m = shop.sign_up(client)
    tenant = container.tenancy.tenants.get(tenant_id=m["tenant"]["id"])
    cipher = container.platform.cipher
    # given a bundle sealed now (the order inside the plaintext) and one sealed the earlier way (the order in
    # the encryption context), both for order A
    current = cipher.encrypt_bundle(tenant=tenant, order_id="ord_A", plaintext=b'[["0:1","K1"]]')
    earlier = cipher._encrypt(b'[["0:1","K1"]]', {"tenant": tenant.id, "purpose": PURPOSE_ORDER_KEYS,
                                                 "order": "ord_A"})
    for sealed in (current, earlier):
        # when it is opened for order A, then it gives the keys; for order B, it is refused
        assert cipher.decrypt_bundle(tenant=tenant, order_id="ord_A", ciphertext=sealed) == b'[["0:1","K1"]]'
        with pytest.raises(DecryptionRefused):
            cipher.decrypt_bundle(tenant=tenant, order_id="ord_B", ciphertext=sealed)
    # and another shop cannot open it at all
    other = container.tenancy.tenants.get(tenant_id=shop.sign_up(client)["tenant"]["id"])
    with pytest.raises(DecryptionRefused):
        cipher.decrypt_bundle(tenant=other, order_id="ord_A", ciphertext=current)
