"""Product versions: every change moves the version, concurrent PATCHes of different fields both land, and
If-Match with a stale version is 409 and changes nothing."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop

ROUNDS = 25


def _json(r: Any) -> Any:
    return json.loads(r.body)


@pytest.fixture()
def merchant(client: Any) -> dict[str, Any]:
    return shop.sign_up(client)


def _get(client: Any, key: str, product_id: str) -> dict[str, Any]:
    r = shop.call(client, "GET", f"/v1/products/{product_id}", key=key)
    assert r.status_code == 200, r.body
    return dict(_json(r))


def test_a_product_starts_at_version_1_and_every_change_moves_it(client, merchant):
    key = merchant["key"]
    # given a new product
    p = shop.product(client, key)
    assert p["version"] == 1
    # when it is patched, archived, archived again (no change) and unarchived
    patched = _json(shop.call(client, "PATCH", f"/v1/products/{p['id']}", {"name": "Renamed"}, key=key))
    archived = _json(shop.call(client, "POST", f"/v1/products/{p['id']}/archive", key=key))
    again = _json(shop.call(client, "POST", f"/v1/products/{p['id']}/archive", key=key))
    back = _json(shop.call(client, "POST", f"/v1/products/{p['id']}/unarchive", key=key))
    # then each change moved the version by one, and the repeat moved nothing
    assert [patched["version"], archived["version"], again["version"], back["version"]] == [2, 3, 3, 4]
    assert _get(client, key, p["id"])["version"] == 4


def test_if_match_with_the_current_version_applies_the_change(client, merchant):
    key = merchant["key"]
    p = shop.product(client, key)
    # when the merchant patches with If-Match naming the version it read (quoted, as an ETag, or bare)
    r1 = shop.call(client, "PATCH", f"/v1/products/{p['id']}", {"price": 700}, key=key, headers={"If-Match": '"1"'})
    r2 = shop.call(client, "PATCH", f"/v1/products/{p['id']}", {"price": 800}, key=key, headers={"If-Match": "2"})
    # then both land
    assert (r1.status_code, r2.status_code) == (200, 200), (r1.body, r2.body)
    assert (_json(r2)["price"], _json(r2)["version"]) == (800, 3)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PATCH", "", {"name": "Stale rename"}),
    ("POST", "/archive", None),
])
def test_if_match_with_a_stale_version_is_409_and_changes_nothing(client, merchant, method, path, body):
    key = merchant["key"]
    # given a product someone else already changed (version 2)
    p = shop.product(client, key)
    shop.call(client, "PATCH", f"/v1/products/{p['id']}", {"description": "changed"}, key=key)
    before = _get(client, key, p["id"])
    # when a change is sent with If-Match: 1
    r = shop.call(client, method, f"/v1/products/{p['id']}{path}", body, key=key, headers={"If-Match": "1"})
    # then it is 409 version_conflict naming the current version, and nothing changed
    assert r.status_code == 409
    assert _json(r)["error"] == {
        "type": "conflict", "code": "version_conflict", "current_version": 2,
        "message": "the product is at version 2, not 1: read it again, re-apply your change and send "
                   "If-Match: 2"}
    assert _get(client, key, p["id"]) == before


@pytest.mark.parametrize("value", ["abc", "0", "-1", "W/\"1\"", "1.5", "99999999999999999999"])
def test_a_malformed_if_match_is_400_and_changes_nothing(client, merchant, value):
    key = merchant["key"]
    p = shop.product(client, key)
    r = shop.call(client, "PATCH", f"/v1/products/{p['id']}", {"name": "x"}, key=key, headers={"If-Match": value})
    assert r.status_code == 400
    assert (_json(r)["error"]["code"], _json(r)["error"]["param"]) == ("invalid_request", "If-Match")
    assert _get(client, key, p["id"]) == p


def _race(products: Any, tenant_id: str, product_id: str, bodies: list[dict[str, Any]]) -> list[BaseException]:
    """Runs one PATCH per body in its own thread, all released at once; returns what they raised."""
    start = threading.Barrier(len(bodies))
    errors: list[BaseException] = []

    def patch(body: dict[str, Any]) -> None:
        start.wait()
        try:
            products.patch(actor=SYSTEM, tenant_id=tenant_id, product_id=product_id, body=body)
        except BaseException as exc:  # surfaced by the caller, with its round
            errors.append(exc)

    threads = [threading.Thread(target=patch, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_patches_of_different_fields_both_land(client, container, merchant):
    key, tenant_id = merchant["key"], merchant["tenant"]["id"]
    for round_ in range(ROUNDS):
        # given a fresh product
        p = shop.product(client, key, description="original")
        # when two merchants patch different fields at the same moment
        errors = _race(container.catalog.products, tenant_id, p["id"],
                       [{"name": f"Name {round_}"}, {"price": 1000 + round_}])
        # then both changes are there, and the version moved twice
        got = _get(client, key, p["id"])
        assert errors == []
        assert (got["name"], got["price"], got["description"], got["version"]) == (
            f"Name {round_}", 1000 + round_, "original", 3), f"round {round_}"
