"""The buyer funnel, first-party: storefront and product views, checkouts, payment starts and paid orders, counted
once each by device and by the channel the buyer arrived from, and read back through the API with its leaks."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.wiring.jobs import handle_outbox_batch
from tests.support import shop

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _page(client: Any, path: str, agent: str, **headers: str) -> Any:
    r = client.http.get(path, headers={"User-Agent": agent, **headers})
    assert r.status_code == 200, r.body
    return r


def _handle_outbox(container: Any) -> None:
    now = container.platform.clock.now()
    assert handle_outbox_batch(container.platform.outbox.pending(older_than=now + 60, limit=1000)) == {}


def _cookie(r: Any) -> str | None:
    raw = r.headers.get("Set-Cookie") or ""
    found = [part.split(";")[0] for part in raw.split(",") if part.strip().startswith("kd_src=")]
    return found[0] if found else None


def _funnel(client: Any, key: str, query: str = "") -> dict[str, Any]:
    r = shop.call(client, "GET", f"/v1/insights/funnel{query}", key=key)
    assert r.status_code == 200, r.body
    return dict(json.loads(r.body))


def test_a_buyers_way_from_a_campaign_to_a_paid_order_is_counted_once_per_step(client: Any, settings: Any,
                                                                              container: Any) -> None:
    # given a shop with a product in stock
    merchant = shop.sign_up(client)
    slug, key = merchant["slug"], merchant["key"]
    product = shop.product(client, key, price=900)
    shop.import_keys(client, key, product["id"], shop.new_keys(5, prefix="FUN"))
    # when a phone buyer arrives from a newsletter campaign, opens the product, checks out, presses Pay twice
    # (a declined card, then a good one) and is delivered, and the outbox messages come twice
    landed = _page(client, f"/s/{slug}?utm_source=Newsletter", PHONE)
    cookie = _cookie(landed)
    assert cookie == "kd_src=newsletter"
    assert f"Path=/s/{slug}" in landed.headers["Set-Cookie"] and "HttpOnly" in landed.headers["Set-Cookie"]
    inside = _page(client, f"/s/{slug}/p/{product['id']}", PHONE, Cookie=cookie,
                   Referer=f"http://localhost/s/{slug}", Host="localhost")
    assert _cookie(inside) is None  # a move inside the shop keeps the channel the buyer arrived with
    r = shop.call(client, "POST", f"/s/{slug}/checkout", {"product_id": product["id"], "quantity": 1,
                                                          "email": "fan@example.com"},
                  headers={"User-Agent": PHONE, "Cookie": cookie})
    assert r.status_code == 201, r.body
    started = json.loads(r.body)
    for _ in range(2):
        r = shop.call(client, "POST", f"/s/{slug}/orders/{started['order_id']}/paying",
                      {"token": started["order_token"]}, headers={"User-Agent": PHONE})
        assert r.status_code == 200, r.body
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    shop.pay(settings, intent_id)
    payload, signature = shop.stripe_event(settings, intent_id)
    assert shop.post_event(client, payload, signature).status_code == 200
    _handle_outbox(container)
    _handle_outbox(container)
    # and a laptop buyer comes from a search engine and only looks, and a crawler reads both pages
    _page(client, f"/s/{slug}/p/{product['id']}", LAPTOP, Referer="https://www.google.com/search?q=cards")
    _page(client, f"/s/{slug}", CRAWLER)
    _page(client, f"/s/{slug}/p/{product['id']}", CRAWLER)
    # then the funnel holds each step once, by device and channel; the crawler is not in it
    body = _funnel(client, key)
    assert body["storefront_views"] == 1
    assert body["overall"] == {"who": "all", "conversion": 0.5, "steps": [
        {"step": "product", "count": 2, "leave_rate": 0.5}, {"step": "checkout", "count": 1, "leave_rate": 0.0},
        {"step": "pay", "count": 1, "leave_rate": 0.0}, {"step": "paid", "count": 1, "leave_rate": None}]}
    assert [(f["who"], [s["count"] for s in f["steps"]]) for f in body["devices"]] == [
        ("mobile", [1, 1, 1, 1]), ("desktop", [1, 0, 0, 0])]
    assert [(f["who"], [s["count"] for s in f["steps"]]) for f in body["channels"]] == [
        ("newsletter", [1, 1, 1, 1]), ("google.com", [1, 0, 0, 0])]
    assert body["leaks"] == []  # two buyers are too few to call anything a leak
    # and one product's funnel is the same without the storefront's own page
    one = _funnel(client, key, f"?product_id={product['id']}&days=1")
    assert (one["storefront_views"], [s["count"] for s in one["overall"]["steps"]]) == (0, [2, 1, 1, 1])
    assert _funnel(client, key, "?product_id=prd_other")["overall"]["steps"][0]["count"] == 0


def test_payment_starts_need_the_orders_token_and_count_nothing_otherwise(client: Any, container: Any) -> None:
    # given a storefront checkout
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(2, prefix="TOK"))
    r = shop.call(client, "POST", f"/s/{merchant['slug']}/checkout",
                  {"product_id": product["id"], "quantity": 1, "email": "a@example.com"},
                  headers={"User-Agent": LAPTOP})
    started = json.loads(r.body)
    # when the Pay beacon comes with a wrong token
    r = shop.call(client, "POST", f"/s/{merchant['slug']}/orders/{started['order_id']}/paying",
                  {"token": "not-the-token"}, headers={"User-Agent": LAPTOP})
    # then it is refused like a missing order, and no payment start is counted
    assert r.status_code == 404, r.body
    assert _funnel(client, merchant["key"])["overall"]["steps"][2] == {"step": "pay", "count": 0, "leave_rate": None}


def test_an_order_placed_by_a_script_is_no_part_of_the_funnel(client: Any, settings: Any, container: Any) -> None:
    # given a shop whose order is placed and paid by a script (no browser, no User-Agent)
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(2, prefix="API"))
    shop.delivered_order(client, settings, merchant["slug"], product["id"])
    _handle_outbox(container)
    # then the funnel counts nothing, while the sale itself is counted
    body = _funnel(client, merchant["key"])
    assert [s["count"] for s in body["overall"]["steps"]] == [0, 0, 0, 0]
    assert body["channels"] == [] and body["overall"]["conversion"] is None


def test_the_funnel_refuses_a_window_it_cannot_count(client: Any) -> None:
    merchant = shop.sign_up(client)
    for days in ("0", "93", "week", "-3"):
        r = shop.call(client, "GET", f"/v1/insights/funnel?days={days}", key=merchant["key"])
        assert (r.status_code, json.loads(r.body)["error"]["param"]) == (400, "days"), days
        assert json.loads(r.body)["error"]["message"] == "days must be a whole number from 1 to 92"
