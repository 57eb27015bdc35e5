"""Every storefront page in English and Simplified Chinese on a 390 px phone: translated, nothing overflows."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.browser.helpers import Merchant, buy, reserve

# What each language must show on each page (a sample of its own texts, none of the other language's)
EXPECTED = {
    "en-US": {"lang": "en", "shop": "Search products", "product": "Continue to payment",
              "payment": "Your keys are held for", "order": "Your keys", "lookup": "Find my order"},
    "zh-CN": {"lang": "zh-CN", "shop": "搜索商品", "product": "下一步：付款", "payment": "卡密已为你保留，剩余",
              "order": "你的卡密", "lookup": "查询订单"},
}


@pytest.fixture(params=["en-US", "zh-CN"])
def locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"


def test_every_page_in_the_browsers_language_fits_a_phone(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any, locale: str) -> None:
    # Given a shop with a long-named product in a category, a usage guide and an announcement
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "lang")
    merchant.send("PATCH", "/v1/tenant", {"announcement": "Orders after 22:00 ship the next morning. 22点后的订单次日发货。",
                                          "support_contact": "help@lang.example.com", "show_stock_counts": True})
    product = merchant.product([f"LANG-{i}-{secrets.token_hex(6).upper()}" for i in range(3)],
                               name="Steam Wallet Card 100 USD (Global) 全球通用充值卡", category="Steam",
                               description="Top up your Steam wallet. 为你的 Steam 钱包充值。",
                               usage_guide="1. Open Steam\n2. Redeem a Steam Wallet code\n3. Paste the key",
                               price=10000, currency="usd")
    want = EXPECTED[locale]
    buyer = f"lang-{secrets.token_hex(4)}@example.test"

    # When the buyer's browser asks for its language, page after page
    page.goto(f"{stack.api_url}/s/{merchant.slug}")
    # Then each page is in that language, says so in <html lang>, and fits the phone's width
    assert page.locator("html").get_attribute("lang") == want["lang"]
    assert page.get_by_text(want["shop"], exact=False).first.is_visible() or \
        page.locator("#q").get_attribute("placeholder") == want["shop"]
    no_horizontal_overflow(page)
    screenshot(f"1-shop-{locale}")

    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    assert page.locator("html").get_attribute("lang") == want["lang"]
    assert page.locator("#continue").inner_text() == want["product"]
    no_horizontal_overflow(page)
    screenshot(f"2-product-{locale}")
    reserve(page, buyer)
    assert page.locator("#timer-label").inner_text() == want["payment"]
    no_horizontal_overflow(page)
    screenshot(f"3-payment-{locale}")

    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    order_url = buy(page, stack.api_url, merchant.slug, product["id"], buyer)
    assert page.locator("html").get_attribute("lang") == want["lang"]
    assert page.locator("#keys-title").inner_text() == want["order"]
    no_horizontal_overflow(page)
    screenshot(f"4-order-{locale}")

    page.goto(f"{stack.api_url}/s/{merchant.slug}/lookup")
    assert page.locator("html").get_attribute("lang") == want["lang"]
    assert page.locator("footer a").first.inner_text() == want["lookup"]
    no_horizontal_overflow(page)
    screenshot(f"5-lookup-{locale}")
    assert order_url
