"""Checkout prices from a container's recent copy of the product, and the order stands only at that version."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import wiring
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support.shop import call, checkout, import_keys, new_keys, product, sign_up, stock


def _other_container(container: wiring.Container) -> wiring.Container:
    """Another Lambda container on the same table: its own memory, so its own recent copies."""
    return wiring.Container(container.settings)


def test_a_price_changed_in_another_container_is_the_price_charged(client: Any, container: wiring.Container) -> None:
    # given a product this container has just sold from (so it holds a recent copy at 500)
    m = sign_up(client)
    p = product(client, m["key"], price=500)
    import_keys(client, m["key"], p["id"], new_keys(3))
    assert checkout(client, m["slug"], p["id"]).status_code == 201
    # when another container raises the price, and a buyer checks out here within the copy's lifetime
    _other_container(container).catalog.products.patch(actor=SYSTEM, tenant_id=m["tenant"]["id"], product_id=p["id"],
                                                       body={"price": 700})
    r = checkout(client, m["slug"], p["id"], email="second@example.com")
    # then the order is priced at 700, and the keys the stale attempt held went back to the pool
    assert r.status_code == 201, r.body
    assert json.loads(r.body)["amount"] == 700
    assert stock(client, m["key"], p["id"]) == {"available": 1, "reserved": 2, "sold": 0}


def test_a_product_put_on_sale_in_another_container_sells_here_at_once(client: Any,
                                                                       container: wiring.Container) -> None:
    # given an inactive product this container has read (a buyer was just refused it)
    m = sign_up(client)
    p = product(client, m["key"], active=False)
    import_keys(client, m["key"], p["id"], new_keys(1))
    refused = checkout(client, m["slug"], p["id"])
    assert refused.status_code == 400 and json.loads(refused.body)["error"]["code"] == "product_inactive"
    # when another container puts it on sale
    _other_container(container).catalog.products.patch(actor=SYSTEM, tenant_id=m["tenant"]["id"], product_id=p["id"],
                                                       body={"active": True})
    # then a checkout here sells it without waiting for the copy to age
    r = checkout(client, m["slug"], p["id"])
    assert r.status_code == 201, r.body


def test_a_product_taken_off_sale_elsewhere_is_refused_and_holds_no_key(client: Any,
                                                                        container: wiring.Container) -> None:
    # given a product this container sold from a moment ago
    m = sign_up(client)
    p = product(client, m["key"])
    import_keys(client, m["key"], p["id"], new_keys(2))
    assert checkout(client, m["slug"], p["id"]).status_code == 201
    # when another container takes it off sale and a buyer checks out here
    _other_container(container).catalog.products.patch(actor=SYSTEM, tenant_id=m["tenant"]["id"], product_id=p["id"],
                                                       body={"active": False})
    r = checkout(client, m["slug"], p["id"], email="late@example.com")
    # then it is refused as off sale, and only the first order's key is held
    assert r.status_code == 400 and json.loads(r.body)["error"]["code"] == "product_inactive"
    assert stock(client, m["key"], p["id"]) == {"available": 1, "reserved": 1, "sold": 0}
    assert call(client, "GET", f"/v1/products/{p['id']}", key=m["key"]).status_code == 200
