"""The storefront's pages over HTTP: language choice, shop settings, categories, search and stock states."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from chalicelib.kernel.settings import Settings
from tests.support.shop import call, import_keys, new_keys, product, sign_up


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """No shelf cache here: each test changes stock and looks at once."""
    return dataclasses.replace(settings, storefront_cache_seconds=0)


def html(client: Any, path: str, **headers: str) -> Any:
    r = client.http.get(path, headers=headers)
    return r, r.body.decode("utf-8")


def texts(page: str, css_class: str) -> list[str]:
    return re.findall(rf'<span class="badge {css_class}">([^<]*)</span>', page)


def test_the_language_follows_accept_language_and_the_switch_sticks_in_a_cookie(client: Any) -> None:
    # Given a shop with one product
    shop = sign_up(client)
    product(client, shop["key"], name="Steam 100", price=1250)
    # When a Chinese browser opens it
    r, page = html(client, f"/s/{shop['slug']}", **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    # Then it reads Chinese, with the price written the Chinese way, and says which language it is
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in page
    assert r.headers["Content-Language"] == "zh-CN"
    assert "搜索商品" in page and "US$12.50" in page
    # When an English browser opens it
    r, page = html(client, f"/s/{shop['slug']}", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page and "$12.50" in page and "Search products" in page
    # When the buyer presses the 中文 switch, the answer sets a cookie for a year
    r, page = html(client, f"/s/{shop['slug']}?lang=zh-CN", **{"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in page
    assert r.headers["Set-Cookie"] == "kd_lang=zh-CN; Path=/; Max-Age=31536000; SameSite=Lax"
    # ... and the next page without ?lang= keeps Chinese although the browser asks for English
    r, page = html(client, f"/s/{shop['slug']}", **{"Accept-Language": "en", "Cookie": "kd_lang=zh-CN"})
    assert '<html lang="zh-CN">' in page and "Set-Cookie" not in r.headers
    # ... and a language nobody supports falls back to the shop's own language (English by default)
    r, page = html(client, f"/s/{shop['slug']}", **{"Accept-Language": "fr-FR"})
    assert '<html lang="en">' in page


def test_shop_settings_show_on_every_page_as_text(client: Any) -> None:
    # Given a shop that sets its face through the API, with markup in the announcement
    shop = sign_up(client)
    r = call(client, "PATCH", "/v1/tenant", {
        "name": "Kami <Shop>", "logo_url": "https://cdn.example.com/logo.png",
        "announcement": "<b>Closed</b> on Sunday", "support_contact": "help@kami.example.com",
        "show_stock_counts": True, "payment_methods": ["wechat_pay", "card"], "locale": "zh-CN"}, key=shop["key"])
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert (body["name"], body["logo_url"], body["announcement"], body["support_contact"], body["show_stock_counts"],
            body["payment_methods"], body["locale"]) == (
        "Kami <Shop>", "https://cdn.example.com/logo.png", "<b>Closed</b> on Sunday", "help@kami.example.com", True,
        ["card", "wechat_pay"], "zh-CN")
    # When a buyer whose browser names no language opens the shop
    _, page = html(client, f"/s/{shop['slug']}")
    # Then the shop's own language (zh-CN) is used and every setting is shown, escaped
    assert '<html lang="zh-CN">' in page
    assert "Kami &lt;Shop&gt;" in page and "<Shop>" not in page
    assert "&lt;b&gt;Closed&lt;/b&gt; on Sunday" in page
    assert '<img src="https://cdn.example.com/logo.png"' in page
    assert '<a href="mailto:help@kami.example.com">help@kami.example.com</a>' in page


@pytest.mark.parametrize(("body", "param"), [
    ({"logo_url": "javascript:alert(1)"}, "logo_url"),
    ({"support_contact": "not a contact"}, "support_contact"),
    ({"payment_methods": ["alipay"]}, "payment_methods"),
    ({"payment_methods": ["card", "paypal"]}, "payment_methods"),
    ({"locale": "fr"}, "locale"),
    ({"show_stock_counts": "yes"}, "show_stock_counts"),
    ({"announcement": "x" * 501}, "announcement"),
    ({"colour": "red"}, "colour"),
    ({}, None),
], ids=["logo-scheme", "support", "no-card", "unknown-method", "locale", "bool", "long-notice", "unknown", "empty"])
def test_bad_shop_settings_are_refused_and_change_nothing(client: Any, body: dict[str, Any], param: str | None) -> None:
    # Given a shop
    shop = sign_up(client)
    before = json.loads(call(client, "GET", "/v1/tenant", key=shop["key"]).body)
    # When it sends a bad setting
    r = call(client, "PATCH", "/v1/tenant", body, key=shop["key"])
    # Then 400 names the field, and the tenant is unchanged
    assert r.status_code == 400, r.body
    assert json.loads(r.body)["error"].get("param") == param
    assert json.loads(call(client, "GET", "/v1/tenant", key=shop["key"]).body) == before


def test_categories_search_and_stock_states(client: Any) -> None:
    # Given products in two categories: one plenty, one low (2 keys, threshold 3), one sold out, one inactive
    shop = sign_up(client)
    key = shop["key"]
    plenty = product(client, key, name="Steam Wallet 100", category="Steam", low_stock_threshold=3)
    low = product(client, key, name="Xbox Game Pass", category="Xbox", low_stock_threshold=3,
                  description="One month of Ultimate")
    gone = product(client, key, name="Steam Wallet 500", category="Steam")
    hidden = product(client, key, name="Hidden thing", category="Secret")
    import_keys(client, key, plenty["id"], new_keys(5))
    import_keys(client, key, low["id"], new_keys(2))
    assert call(client, "PATCH", f"/v1/products/{hidden['id']}", {"active": False}, key=key).status_code == 200
    # When the buyer opens the shop in English
    _, page = html(client, f"/s/{shop['slug']}", **{"Accept-Language": "en"})
    # Then the three products on sale show with their states, no exact counts (not opted in), and the
    # categories of products on sale only
    states = dict(re.findall(r'data-product="([^"]+)" data-state="([^"]+)"', page))
    assert states == {plenty["id"]: "in_stock", low["id"]: "low", gone["id"]: "sold_out"}
    assert texts(page, "ok") == ["In stock"] and texts(page, "warn") == ["Only a few left"]
    assert texts(page, "bad") == ["Sold out"]
    assert re.findall(r'category=([^"&]+)"', page) == ["Steam", "Xbox"]
    # When it filters one category, and searches case-insensitively in names and descriptions
    _, steam = html(client, f"/s/{shop['slug']}?category=Steam")
    _, found = html(client, f"/s/{shop['slug']}?q=ULTIMATE")
    _, none = html(client, f"/s/{shop['slug']}?q=playstation")
    # Then each shows exactly what matches
    assert set(re.findall(r'data-product="([^"]+)"', steam)) == {plenty["id"], gone["id"]}
    assert re.findall(r'data-product="([^"]+)"', found) == [low["id"]]
    assert re.findall(r'data-product="([^"]+)"', none) == []
    assert "Nothing matches" in none
    # When the shop opts in to exact counts
    assert call(client, "PATCH", "/v1/tenant", {"show_stock_counts": True}, key=key).status_code == 200
    _, page = html(client, f"/s/{shop['slug']}")
    # Then the counts show
    assert texts(page, "ok") == ["5 in stock"] and texts(page, "warn") == ["Only 2 left"]


def test_the_product_page_is_a_checkout_with_a_nonce_policy_and_404_for_what_is_not_on_sale(client: Any) -> None:
    # Given a product on sale and an inactive one
    shop = sign_up(client)
    on_sale = product(client, shop["key"], name="Gift card", max_per_order=5, usage_guide="Redeem at example.com")
    import_keys(client, shop["key"], on_sale["id"], new_keys(3))
    off = product(client, shop["key"], name="Off")
    call(client, "PATCH", f"/v1/products/{off['id']}", {"active": False}, key=shop["key"])
    # When the buyer opens the product page in Chinese
    r, page = html(client, f"/s/{shop['slug']}/p/{on_sale['id']}", **{"Accept-Language": "zh"})
    # Then it has the form with labels, the usage guide, and scripts only with this answer's nonce
    assert r.status_code == 200
    for field in ("email", "email2", "quantity", "password"):
        assert f'<label for="{field}">' in page, field
    assert 'max="5"' in page and "Redeem at example.com" in page and "立即付款" in page
    nonce = re.search(r"script-src 'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    assert re.findall(r"<script nonce=\"([^\"]+)\">", page) == [nonce]
    # ... and inactive or unknown products answer 404
    assert client.http.get(f"/s/{shop['slug']}/p/{off['id']}").status_code == 404
    assert client.http.get(f"/s/{shop['slug']}/p/prd_unknown").status_code == 404
