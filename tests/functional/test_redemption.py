"""Partner redemption over HTTP against moto and localstripe: verify, redeem once, races, scopes, tenants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.kernel.settings import Settings
from tests.fakes_redemption import FakeEvents
from tests.support import shop


@pytest.fixture(scope="module")
def events() -> FakeEvents:
    return FakeEvents()


@pytest.fixture(scope="module")
def container(settings: Settings, events: FakeEvents) -> Iterator[wiring.Container]:
    """The conftest container with a recording event publisher (overrides the fixture of that name)."""
    c = wiring.Container(settings, events=events)
    wiring.use(c)
    yield c
    wiring.use(None)


def body(r: Any) -> Any:
    return json.loads(r.body)


def partner_key(client: Any, owner_key: str, scopes: list[str]) -> str:
    r = shop.call(client, "POST", "/v1/api_keys", {"name": "partner", "scopes": scopes}, key=owner_key)
    assert r.status_code == 201, r.body
    return str(body(r)["secret"])


def sell(client: Any, settings: Settings, slug: str, product_id: str) -> tuple[str, str]:
    """A real sale: checkout, pay at localstripe, signed webhook. Returns (order id, the key's value)."""
    r = shop.checkout(client, slug, product_id)
    assert r.status_code == 201, r.body
    started = body(r)
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    shop.pay(settings, intent_id)
    payload, signature = shop.stripe_event(settings, intent_id)
    assert body(shop.post_event(client, payload, signature))["result"] == "delivered"
    page = client.http.get(f"/s/{slug}/orders/{started['order_id']}?token={started['order_token']}",
                           headers={"Accept": "application/json"})
    return started["order_id"], body(page)["keys"][0]


@pytest.fixture(scope="module")
def shop_with_sale(container: wiring.Container, settings: Settings) -> dict[str, Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        merchant = shop.sign_up(client)
        product = shop.product(client, merchant["key"])
        keys = shop.new_keys(6, prefix="GIFT")
        shop.import_keys(client, merchant["key"], product["id"], keys)
        sold = [sell(client, settings, merchant["slug"], product["id"]) for _ in range(3)]
        partner = partner_key(client, merchant["key"], ["keys_redeem"])
    unsold = [k for k in keys if k not in {value for _, value in sold}]
    return {**merchant, "product": product, "sold": sold, "unsold": unsold, "partner": partner}


def test_verify_answers_sold_unsold_and_unknown_keys(client: Any, shop_with_sale: dict[str, Any]) -> None:
    s = shop_with_sale
    order_id, value = s["sold"][0]
    # when the partner verifies a sold key, an unsold one, and one that does not exist
    ok = shop.call(client, "POST", "/v1/redemptions/verify", {"key": value}, key=s["partner"])
    unsold = shop.call(client, "POST", "/v1/redemptions/verify", {"key": s["unsold"][0]}, key=s["partner"])
    unknown = shop.call(client, "POST", "/v1/redemptions/verify", {"key": "NO-SUCH-KEY"}, key=s["partner"])
    # then each is a 200 answer, not an error
    assert (ok.status_code, body(ok)) == (200, {"object": "key_check", "valid": True, "reason": None,
                                                "product_id": s["product"]["id"], "order_id": order_id,
                                                "redemption": None})
    assert (unsold.status_code, body(unsold)["valid"], body(unsold)["reason"]) == (200, False, "not_sold")
    assert (unknown.status_code, body(unknown)) == (200, {"object": "key_check", "valid": False,
                                                          "reason": "not_found", "product_id": None,
                                                          "order_id": None, "redemption": None})


def test_redeem_once_emits_key_redeemed_and_lists_it(client: Any, shop_with_sale: dict[str, Any],
                                                     events: FakeEvents) -> None:
    s = shop_with_sale
    order_id, value = s["sold"][1]
    published_before = len(events.published)
    # when the partner redeems the key twice
    first = shop.call(client, "POST", "/v1/redemptions", {"key": value, "redeemer": "store-42"}, key=s["partner"])
    second = shop.call(client, "POST", "/v1/redemptions", {"key": value, "redeemer": "store-43"}, key=s["partner"])
    # then the first redeems it and the second is told by whom and when
    assert first.status_code == 200, first.body
    red = body(first)["redemption"]
    assert (body(first)["valid"], body(first)["reason"]) == (True, None)
    assert {k: red[k] for k in ("object", "product_id", "order_id", "redeemer")} == {
        "object": "redemption", "product_id": s["product"]["id"], "order_id": order_id, "redeemer": "store-42"}
    assert red["id"].startswith("red_") and isinstance(red["redeemed_at"], int)
    assert body(second) == {**body(first), "valid": False, "reason": "already_redeemed"}
    # and one key.redeemed event carries ids, never the key
    new = events.published[published_before:]
    assert [(e["type"], e["tenant_id"], e["dedupe_key"]) for e in new] == [
        ("key.redeemed", s["tenant"]["id"], f"key.redeemed:{red['id']}")]
    assert new[0]["data"] == {"redemption_id": red["id"], "product_id": s["product"]["id"], "order_id": order_id,
                              "redeemer": "store-42", "redeemed_at": red["redeemed_at"]}
    assert value not in json.dumps(new)
    # and the redemption is listed and readable
    listed = shop.call(client, "GET", "/v1/redemptions?limit=100", key=s["partner"])
    assert red in body(listed)["data"] and body(listed)["object"] == "list"
    one = shop.call(client, "GET", f"/v1/redemptions/{red['id']}", key=s["partner"])
    assert (one.status_code, body(one)) == (200, red)


def test_twenty_concurrent_redeems_exactly_one_succeeds(container: wiring.Container,
                                                        shop_with_sale: dict[str, Any]) -> None:
    # given a sold, unredeemed key
    s = shop_with_sale
    _, value = s["sold"][2]
    tenant_id = s["tenant"]["id"]

    def redeem(i: int) -> Any:
        return container.redemption.redemptions.redeem(tenant_id=tenant_id, body={"key": value, "redeemer": f"partner-{i}"})

    # when 20 partners redeem it at the same moment
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(redeem, range(20)))
    # then exactly one wins, 19 are told it is already redeemed, by the winner
    winners = [r for r in results if r.valid]
    assert len(winners) == 1
    assert [r.reason for r in results if not r.valid] == ["already_redeemed"] * 19
    won = winners[0].record.redemption
    assert {r.record.redemption for r in results} == {won}
    # and the key's record shows that one redeemer, with one redemption item
    after = container.redemption.redemptions.verify(tenant_id=tenant_id, body={"key": value})
    assert (after.reason, after.record.redemption) == ("already_redeemed", won)
    page = container.redemption.redemptions.list(tenant_id=tenant_id, limit=100, cursor=None)
    assert [r for r in page.items if r.ref == won.ref] == [won]


def test_scope_and_bad_input_change_nothing(client: Any, shop_with_sale: dict[str, Any]) -> None:
    s = shop_with_sale
    _, value = s["sold"][0]
    reader = partner_key(client, s["key"], ["read"])
    # a key without keys_redeem is refused
    r = shop.call(client, "POST", "/v1/redemptions", {"key": value, "redeemer": "x"}, key=reader)
    assert (r.status_code, body(r)["error"]["code"]) == (403, "missing_scope")
    # bad input is a 400 naming the field
    for bad, param in (({"key": value}, "redeemer"), ({"key": value, "redeemer": "a\u0007"}, "redeemer"),
                       ({"key": value, "redeemer": "x", "product_id": "nope"}, "product_id"),
                       ({"key": "", "redeemer": "x"}, "key")):
        r = shop.call(client, "POST", "/v1/redemptions", bad, key=s["partner"])
        assert (r.status_code, body(r)["error"]["type"], body(r)["error"].get("param")) == (
            400, "invalid_request", param)
    # and the key is still redeemable
    ok = shop.call(client, "POST", "/v1/redemptions/verify", {"key": value}, key=s["partner"])
    assert (body(ok)["valid"], body(ok)["redemption"]) == (True, None)


def test_another_tenant_sees_nothing_and_changes_nothing(client: Any, shop_with_sale: dict[str, Any]) -> None:
    # given tenant A's sold key and a redemption of A's, and tenant B
    s = shop_with_sale
    _, value = s["sold"][0]
    a_list = body(shop.call(client, "GET", "/v1/redemptions", key=s["partner"]))["data"]
    other = shop.sign_up(client)
    # when B verifies and redeems A's key, and reads A's redemption
    v = shop.call(client, "POST", "/v1/redemptions/verify", {"key": value}, key=other["key"])
    r = shop.call(client, "POST", "/v1/redemptions", {"key": value, "redeemer": "thief"}, key=other["key"])
    g = shop.call(client, "GET", f"/v1/redemptions/{a_list[0]['id']}", key=other["key"])
    missing = shop.call(client, "GET", "/v1/redemptions/red_01hzzzzzzzzzzzzzzzzzzzzzzz", key=s["partner"])
    # then B is answered exactly as for unknown keys and ids
    assert body(v)["reason"] == body(r)["reason"] == "not_found"
    assert (g.status_code, body(g)) == (404, body(missing)) and missing.status_code == 404
    assert body(shop.call(client, "GET", "/v1/redemptions", key=other["key"]))["data"] == []
    # and A's key is untouched
    ok = shop.call(client, "POST", "/v1/redemptions/verify", {"key": value}, key=s["partner"])
    assert body(ok)["valid"] is True


def test_the_real_publisher_records_key_redeemed_once(settings: Settings, shop_with_sale: dict[str, Any]) -> None:
    # given the platform's own event publisher (not the recording fake) and a sold key
    from chalice.test import Client

    from app import app

    s = shop_with_sale
    real = wiring.Container(settings)
    wiring.use(real)
    try:
        with Client(app) as client:
            order_id, value = sell(client, settings, s["slug"], s["product"]["id"])
            # when it is redeemed, and a loser asks again
            won = body(shop.call(client, "POST", "/v1/redemptions", {"key": value, "redeemer": "till-1"},
                                 key=s["partner"]))
            lost = body(shop.call(client, "POST", "/v1/redemptions", {"key": value, "redeemer": "till-2"},
                                  key=s["partner"]))
            events = body(shop.call(client, "GET", "/v1/events?limit=100", key=s["key"]))["data"]
    finally:
        wiring.use(None)
    # then the platform recorded exactly one key.redeemed for it, with ids and no key
    assert (won["valid"], lost["reason"]) == (True, "already_redeemed")
    mine = [e for e in events if e["type"] == "key.redeemed"
            and e["data"]["redemption_id"] == won["redemption"]["id"]]
    assert len(mine) == 1
    assert mine[0]["data"] == {"redemption_id": won["redemption"]["id"], "product_id": s["product"]["id"],
                               "order_id": order_id, "redeemer": "till-1",
                               "redeemed_at": won["redemption"]["redeemed_at"]}
    assert value not in json.dumps(events)
