"""Storefront weight and hygiene: every buyer page at most 30 KB gzip-compressed, no third-party script but
Stripe.js on the checkout page, no off-host stylesheets, no inline handlers, a nonce on every inline script."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.http.routes import route_table
from chalicelib.kernel.settings import Settings
from tests.support.storefront_shop import LONG_NAME, SeededShop, seed_shop

BUDGET_BYTES = 30 * 1024  # the "30 KB compressed", for HTML with all its CSS and JS inline
GZIP_LEVEL = 6  # what web servers and CDNs use by default; level 9 only ever comes out smaller
LOCALES = ("en", "zh-CN")
ACCEPT = {"en": "en-US,en;q=0.9", "zh-CN": "zh-CN,zh;q=0.9,en;q=0.5"}


class Tags(HTMLParser):
    """Every start tag's attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if tag == "script":
            self._in_script = True
            self.scripts.append((values, ""))

    def handle_data(self, data: str) -> None:
        if self._in_script:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


@pytest.fixture(scope="module")
def shop(container: wiring.Container, settings: Settings) -> Iterator[SeededShop]:
    from chalice.test import Client

    from app import app

    # Given a shop of 20 products in 4 categories (long names, Chinese text, every stock state) and an
    # order delivered with 5 keys and a usage guide
    wiring.use(container)
    with Client(app) as client:
        yield seed_shop(client, settings, products=20, order_keys=5)


def _has_route(method: str, path: str) -> bool:
    return any(r.method == method and r.path == path for r in route_table())


def pages(s: SeededShop) -> dict[str, str]:
    """Every storefront page a buyer can open, by name (the lookup pages when they exist)."""
    out = {
        "shop": f"/s/{s.slug}",
        "shop_category": f"/s/{s.slug}?category=Steam%20%E5%85%85%E5%80%BC%E5%8D%A1",
        "shop_search": f"/s/{s.slug}?q=steam",
        "product": f"/s/{s.slug}/p/{s.by_state['in_stock']}",
        "product_low": f"/s/{s.slug}/p/{s.by_state['low']}",
        "product_sold_out": f"/s/{s.slug}/p/{s.by_state['sold_out']}",
        "order": f"/s/{s.slug}/orders/{s.order_id}?token={s.order_token}",
    }
    if _has_route("GET", "/s/{slug}/lookup"):
        out["lookup"] = f"/s/{s.slug}/lookup"
    if _has_route("GET", "/s/{slug}/my"):
        out["my_signed_out"] = f"/s/{s.slug}/my"
    return out


PAGE_NAMES = ("shop", "shop_category", "shop_search", "product", "product_low", "product_sold_out", "order",
              "lookup", "my_signed_out")
CHECKOUT_PAGES = {"product", "product_low"}  # the pages that take payment, and so load Stripe.js


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_storefront_page_is_light_and_runs_only_its_own_nonce_scripts(
        client: Any, settings: Settings, shop: SeededShop, name: str, locale: str) -> None:
    path = pages(shop).get(name)
    if path is None:
        pytest.skip(f"{name} is not built yet")
    # When a buyer's browser in this language opens the page
    r = client.http.get(path, headers={"Accept-Language": ACCEPT[locale]})
    # Then it is an HTML page in that language
    assert r.status_code == 200, r.body[:500]
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    html = r.body.decode("utf-8")
    parsed = Tags()
    parsed.feed(html)
    assert [attrs.get("lang") for tag, attrs in parsed.tags if tag == "html"] == [locale]
    assert r.headers["Content-Language"] == locale
    # ... within the weight budget, compressed as it travels
    assert len(gzip.compress(r.body, GZIP_LEVEL)) <= BUDGET_BYTES, (name, len(r.body))
    # ... whose only script from elsewhere is Stripe.js, and only where the buyer pays
    sources = [attrs["src"] for attrs, _ in parsed.scripts if "src" in attrs]
    assert sources == ([settings.stripe_js_url] if name in CHECKOUT_PAGES else [])
    # ... with no stylesheet from another host (all CSS is inline) and no script: URLs
    stylesheets = [attrs.get("href", "") for tag, attrs in parsed.tags
                   if tag == "link" and "stylesheet" in attrs.get("rel", "").lower().split()]
    assert [href for href in stylesheets if not href.startswith("/") or href.startswith("//")] == []
    assert [(tag, value) for tag, attrs in parsed.tags for key, value in attrs.items()
            if key in ("href", "src", "action") and value.strip().lower().startswith("javascript:")] == []
    # ... no inline event handlers (the CSP would block them; the page must not need them)
    assert [(tag, key) for tag, attrs in parsed.tags for key in attrs if key.startswith("on")] == []
    # ... and every inline script that runs carries this answer's nonce (JSON data blocks do not run)
    csp = r.headers["Content-Security-Policy"]
    nonces = re.findall(r"script-src 'nonce-([A-Za-z0-9_-]+)'", csp)
    assert len(nonces) == 1
    running = [attrs for attrs, _ in parsed.scripts
               if "src" not in attrs and attrs.get("type", "text/javascript") != "application/json"]
    assert [attrs.get("nonce") for attrs in running] == [nonces[0]] * len(running)


def test_the_heavy_shop_shows_every_product_and_category(client: Any, shop: SeededShop) -> None:
    # When the whole shop opens in Chinese
    r = client.http.get(f"/s/{shop.slug}", headers={"Accept-Language": ACCEPT["zh-CN"]})
    html = r.body.decode("utf-8")
    # Then the budget above was measured on the full shelf: 20 products, the long names, 4 categories
    assert r.status_code == 200
    assert sorted(re.findall(r'data-product="([^"]+)"', html)) == sorted(shop.product_ids)
    names = [unescape(n) for n in re.findall(r'<h2><a href="[^"]+">([^<]*)</a></h2>', html)]
    assert len(names) == 20 and names.count(LONG_NAME) == 4
    assert len(re.findall(r'<a href="/s/[^"]+\?category=', html)) == 4


def test_the_order_page_carries_the_five_keys_and_the_usage_guide(client: Any, shop: SeededShop) -> None:
    # When the buyer opens the delivered order's page
    r = client.http.get(f"/s/{shop.slug}/orders/{shop.order_id}?token={shop.order_token}",
                        headers={"Accept-Language": ACCEPT["en"]})
    html = r.body.decode("utf-8")
    # Then the weight above includes the keys and the guide
    assert r.status_code == 200
    assert [k for k in shop.keys if f'data-copy="{k}"' in html] == shop.keys
    assert "Redeem a gift card or wallet code" in html
