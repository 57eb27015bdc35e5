"""Product fields through HTTP: category, links, usage guide, purchase limits, archiving and list filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import shop


def _json(r: Any) -> Any:
    return json.loads(r.body)


@pytest.fixture()
def merchant(client: Any) -> dict[str, Any]:
    return shop.sign_up(client)


def test_new_fields_are_stored_returned_and_cleared(client, merchant):
    key = merchant["key"]
    # when a product is created with every new field
    p = shop.product(client, key, category="games", image_url="https://cdn.example.com/card.png",
                     usage_guide="Redeem at example.com/redeem", usage_url="http://localhost:9000/help",
                     min_per_order=2, max_per_order=5, low_stock_threshold=3, activation_limit=2)
    # then they come back as sent (http is allowed on this local stack)
    assert {k: p[k] for k in ("category", "image_url", "usage_guide", "usage_url", "min_per_order",
                              "max_per_order", "low_stock_threshold", "activation_limit", "archived")} == {
        "category": "games", "image_url": "https://cdn.example.com/card.png",
        "usage_guide": "Redeem at example.com/redeem", "usage_url": "http://localhost:9000/help",
        "min_per_order": 2, "max_per_order": 5, "low_stock_threshold": 3, "activation_limit": 2, "archived": False}
    # when links and category are cleared with null
    r = shop.call(client, "PATCH", f"/v1/products/{p['id']}", {"image_url": None, "category": None}, key=key)
    # then they read back as null
    assert r.status_code == 200, r.body
    got = _json(shop.call(client, "GET", f"/v1/products/{p['id']}", key=key))
    assert (got["image_url"], got["category"], got["usage_url"]) == (None, None, "http://localhost:9000/help")


@pytest.mark.parametrize(("change", "param"), [
    ({"image_url": "javascript:alert(1)"}, "image_url"),
    ({"image_url": "ftp://example.com/x"}, "image_url"),
    ({"usage_url": "https://user:pw@example.com/"}, "usage_url"),
    ({"usage_url": "https://"}, "usage_url"),
    ({"usage_url": "https://example.com/" + "a" * 2048}, "usage_url"),
    ({"min_per_order": 6}, "min_per_order"),
    ({"max_per_order": 1}, "max_per_order"),
    ({"max_per_order": 51}, "max_per_order"),
    ({"low_stock_threshold": -1}, "low_stock_threshold"),
    ({"category": "c" * 51}, "category"),
    ({"usage_guide": "g" * 5001}, "usage_guide"),
    ({"max_per_buyer": 3}, "max_per_buyer"),  # not offered: it would need a per-buyer count
])
def test_bad_fields_are_refused_and_change_nothing(client, merchant, change, param):
    key = merchant["key"]
    p = shop.product(client, key, min_per_order=2, max_per_order=5)
    # when a bad value is sent
    r = shop.call(client, "PATCH", f"/v1/products/{p['id']}", change, key=key)
    # then a 400 names the field and the product is as it was
    assert r.status_code == 400 and _json(r)["error"]["param"] == param, r.body
    assert _json(shop.call(client, "GET", f"/v1/products/{p['id']}", key=key)) == p


def test_purchase_limits_apply_at_checkout(client, merchant):
    key, slug = merchant["key"], merchant["slug"]
    p = shop.product(client, key, min_per_order=2, max_per_order=3)
    shop.import_keys(client, key, p["id"], shop.new_keys(5))
    # when a buyer asks for fewer than the minimum or more than the maximum
    for quantity in (1, 4):
        r = shop.checkout(client, slug, p["id"], quantity=quantity)
        # then it is refused and nothing is reserved
        assert r.status_code == 400 and _json(r)["error"]["param"] == "quantity", r.body
    assert shop.stock(client, key, p["id"]) == {"available": 5, "reserved": 0, "sold": 0}
    # and the minimum is accepted
    assert shop.checkout(client, slug, p["id"], quantity=2).status_code == 201


def test_archive_takes_a_product_off_sale_and_filters_find_it(client, merchant):
    key, slug = merchant["key"], merchant["slug"]
    old = shop.product(client, key, category="gift")
    current = shop.product(client, key, category="games")
    shop.import_keys(client, key, old["id"], shop.new_keys(2))
    # when the first is archived
    r = shop.call(client, "POST", f"/v1/products/{old['id']}/archive", key=key)
    # then it is archived and inactive, its checkout is refused, and it cannot be made active
    assert r.status_code == 200 and (_json(r)["archived"], _json(r)["active"]) == (True, False)
    assert shop.checkout(client, slug, old["id"]).status_code == 400
    assert shop.stock(client, key, old["id"]) == {"available": 2, "reserved": 0, "sold": 0}
    bad = shop.call(client, "PATCH", f"/v1/products/{old['id']}", {"active": True}, key=key)
    assert bad.status_code == 409 and _json(bad)["error"]["code"] == "product_archived"

    def ids(query: str) -> list[str]:
        return [p["id"] for p in _json(shop.call(client, "GET", f"/v1/products?{query}", key=key))["data"]]

    # and the list filters by archived and category
    assert ids("archived=true") == [old["id"]]
    assert ids("archived=false") == [current["id"]]
    assert ids("category=games") == [current["id"]]
    assert ids("category=gift&archived=false") == []
    assert shop.call(client, "GET", "/v1/products?archived=maybe", key=key).status_code == 400
    # when it is unarchived, it comes back inactive until the merchant turns it on
    back = _json(shop.call(client, "POST", f"/v1/products/{old['id']}/unarchive", key=key))
    assert (back["archived"], back["active"]) == (False, False)
    on = shop.call(client, "PATCH", f"/v1/products/{old['id']}", {"active": True}, key=key)
    assert on.status_code == 200 and shop.checkout(client, slug, old["id"]).status_code == 201


def test_archive_of_another_tenants_product_is_404_and_changes_nothing(client, merchant):
    p = shop.product(client, merchant["key"])
    other = shop.sign_up(client)
    for action in ("archive", "unarchive"):
        r = shop.call(client, "POST", f"/v1/products/{p['id']}/{action}", key=other["key"])
        assert r.status_code == 404, r.body
    assert _json(shop.call(client, "GET", f"/v1/products/{p['id']}", key=merchant["key"])) == p
