"""GET /v1/orders: newest first, date range on the index key, status/product/e-mail filters, honest cursors."""

from __future__ import annotations

import json
import secrets
from typing import Any

from chalicelib.kernel.ids import new_id
from chalicelib.sales.domain.models import Order, OrderStatus
from tests.support import shop

T0 = 1_750_000_000


def _order(tenant_id: str, *, at: int, status: str = "pending", email: str = "a@example.com",
           product_id: str = "prd_one", amount: int = 500) -> Order:
    return Order(tenant_id=tenant_id, id=new_id("order"), status=OrderStatus(status), product_id=product_id,
                 quantity=1, amount=amount, currency="usd", email=email, token_hash=secrets.token_hex(8),
                 created_at=at, expires_at=at + 900, product_name="Game card")


def _seed(container: Any, tenant_id: str, specs: list[dict[str, Any]]) -> list[Order]:
    orders = [_order(tenant_id, **spec) for spec in specs]
    for o in orders:
        container.sales.order_store.create(o)
    return orders


def _ids(body: dict[str, Any]) -> list[str]:
    return [o["id"] for o in body["data"]]


def _get(client: Any, key: str, query: str) -> tuple[int, dict[str, Any]]:
    r = shop.call(client, "GET", f"/v1/orders?{query}", key=key)
    return r.status_code, json.loads(r.body)


def test_date_range_is_inclusive_below_exclusive_above_newest_first(client, container):
    # given orders one minute apart, and another shop's order in the same minutes
    m = shop.sign_up(client)
    tenant = m["tenant"]["id"]
    o = _seed(container, tenant, [{"at": T0 + 60 * i} for i in range(5)])
    _seed(container, shop.sign_up(client)["tenant"]["id"], [{"at": T0 + 60}])

    # when the range [T0+60, T0+180) is listed
    status, body = _get(client, m["key"], f"created_gte={T0 + 60}&created_lt={T0 + 180}")

    # then exactly the two orders inside it come back, newest first, and nothing more follows
    assert status == 200
    assert (_ids(body), body["has_more"], body["next_cursor"]) == ([o[2].id, o[1].id], False, None)


def test_pages_of_a_range_walk_every_order_once(client, container):
    # given seven orders
    m = shop.sign_up(client)
    o = _seed(container, m["tenant"]["id"], [{"at": T0 + i} for i in range(7)])

    # when the range from the second order on is read three at a time
    seen, cursor, pages = [], "", 0
    while True:
        status, body = _get(client, m["key"], f"limit=3&created_gte={T0 + 1}" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200
        seen += _ids(body)
        pages += 1
        if not body["has_more"]:
            break
        cursor = body["next_cursor"]

    # then every order in range came once, newest first, in exactly two pages
    assert seen == [x.id for x in reversed(o[1:])]
    assert pages == 2


def test_status_and_product_filters_and_email_case(client, container):
    # given orders of two products, several statuses and two buyers
    m = shop.sign_up(client)
    t = m["tenant"]["id"]
    o = _seed(container, t, [
        {"at": T0 + 1, "status": "delivered", "product_id": "prd_a", "email": "Bob@Example.com"},
        {"at": T0 + 2, "status": "pending", "product_id": "prd_a", "email": "bob@example.com"},
        {"at": T0 + 3, "status": "delivered", "product_id": "prd_b", "email": "ann@example.com"},
        {"at": T0 + 4, "status": "delivered", "product_id": "prd_a", "email": "ann@example.com"},
    ])

    # when filtered by status, status and product, e-mail (other case), and e-mail and status
    _, delivered = _get(client, m["key"], "status=delivered")
    _, delivered_a = _get(client, m["key"], "status=delivered&product_id=prd_a")
    _, bob = _get(client, m["key"], "email=BOB%40example.com")
    _, bob_pending = _get(client, m["key"], "email=bob%40example.com&status=pending")

    # then each answer holds exactly the matching orders, newest first, and says nothing follows
    assert (_ids(delivered), delivered["has_more"]) == ([o[3].id, o[2].id, o[0].id], False)
    assert (_ids(delivered_a), delivered_a["has_more"]) == ([o[3].id, o[0].id], False)
    assert (_ids(bob), bob["has_more"]) == ([o[1].id, o[0].id], False)
    assert (_ids(bob_pending), bob_pending["has_more"]) == ([o[1].id], False)


def test_email_pages_with_a_date_range(client, container):
    # given one buyer's five orders among another buyer's
    m = shop.sign_up(client)
    t = m["tenant"]["id"]
    mine = _seed(container, t, [{"at": T0 + i, "email": "c@example.com"} for i in range(5)])
    _seed(container, t, [{"at": T0 + i, "email": "d@example.com"} for i in range(5)])

    # when that buyer's orders from T0+1 on are read two at a time
    _, first = _get(client, m["key"], f"email=c%40example.com&created_gte={T0 + 1}&limit=2")
    _, second = _get(client, m["key"], f"email=c%40example.com&created_gte={T0 + 1}&limit=2&cursor={first['next_cursor']}")

    # then the pages hold the four in range, newest first, and the second is the last
    assert (_ids(first), first["has_more"]) == ([mine[4].id, mine[3].id], True)
    assert (_ids(second), second["has_more"], second["next_cursor"]) == ([mine[2].id, mine[1].id], False, None)


def test_a_filter_that_matches_nothing_is_an_empty_final_page(client, container):
    # given delivered orders only
    m = shop.sign_up(client)
    _seed(container, m["tenant"]["id"], [{"at": T0 + i, "status": "delivered"} for i in range(3)])

    # when refunded orders are asked for
    status, body = _get(client, m["key"], "status=refunded")

    # then the page is empty and final
    assert (status, body) == (200, {"object": "list", "data": [], "has_more": False, "next_cursor": None})


def test_bad_filters_are_clear_400s(client, container):
    # given a shop
    m = shop.sign_up(client)

    # when filters are malformed, then each is a 400 naming the parameter
    cases = {"status=shipped": "status", "created_gte=yesterday": "created_gte", "created_lt=-5": "created_lt",
             f"created_gte={T0}&created_lt={T0}": "created_lt", "email=not-an-email": "email",
             "cursor=bm90LW91cnM": "cursor"}
    for query, param in cases.items():
        status, body = _get(client, m["key"], query)
        assert (status, body["error"]["type"], body["error"]["param"]) == (400, "invalid_request", param), query
