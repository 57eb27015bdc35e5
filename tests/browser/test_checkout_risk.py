"""The shop's risk rules as a buyer meets them in a real browser: a challenged checkout that the page passes by itself,
a blocked buyer told so in their language, and an order held for the shop's review, approved, paid on its order page
and delivered (or rejected, with nothing charged).

Each shop saves its rules through the API first, so the tests read the rules they set, whatever the server's
defaults for shops that never saved any.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.browser.helpers import GOOD_CARD, Merchant, fill_card, fill_details, reserve, wait_for

THROWAWAY = "mailinator.com"  # a throwaway-mail domain: 35 points by default, over the challenge line at 30
DEFAULTS = {"challenge_at": 30, "review_at": 75, "block_at": 100}
WATCH_CHECKING = """() => {
  const box = document.getElementById("checking");
  window.__checking = [];
  new MutationObserver(() => { if (box.textContent) window.__checking.push(box.textContent); })
    .observe(box, {childList: true, characterData: true, subtree: true});
}"""


def _shop(api_url: str, prefix: str, rules: dict[str, Any], keys: int = 3, **settings: Any) -> tuple[Merchant, Any]:
    merchant = Merchant.sign_up(api_url, prefix)
    merchant.send("PATCH", "/v1/risk/rules", rules)
    if settings:
        merchant.send("PATCH", "/v1/tenant", settings)
    product = merchant.product([f"RISK-{i}-{secrets.token_hex(4)}" for i in range(keys)], name="Guarded card")
    return merchant, product


def test_a_challenged_buyer_is_checked_by_the_page_itself_and_reaches_the_payment_step(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop on the default thresholds, saved, and a buyer with a throwaway address (over the challenge line)
    stack, _ = demo_stack
    merchant, product = _shop(stack.api_url, "chal", DEFAULTS)
    buyer = f"kim-{secrets.token_hex(3)}@{THROWAWAY}"
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    page.evaluate(WATCH_CHECKING)
    # When they continue to payment, clicking once
    reserve(page, buyer)
    # Then the page said it was checking the browser, did the work, and the payment step is open with the keys held
    assert page.evaluate("window.__checking") == [
        "Checking your browser to keep this shop safe… this takes a second or two."]
    assert page.locator("#checking").inner_text() == "" and page.locator("#message").inner_text() == ""
    assert page.locator("#pay").is_visible()
    screenshot("1-payment-after-check")
    assert merchant.stock(product["id"]) == {"available": 2, "reserved": 1, "sold": 0}
    [order] = merchant.orders()
    # ... and the order was let through on the challenge, from the device the page keeps (no "no device" points)
    risk = merchant.get(f"/v1/orders/{order['id']}")["risk"]
    assert (risk["decision"], risk["score"], [r["reason"] for r in risk["reasons"]]) == (
        "challenge_passed", 35, ["disposable_email"])
    kept = page.evaluate("JSON.parse(localStorage.getItem('kd_device'))")
    assert list(kept) == [merchant.slug] and re.fullmatch(r"d1\.[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]+", kept[merchant.slug])


def test_a_browser_that_cannot_do_the_check_is_told_so_in_chinese_and_holds_no_key(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a challenged buyer whose browser has no Web Crypto to do the check with
    stack, _ = demo_stack
    merchant, product = _shop(stack.api_url, "nocrypto", DEFAULTS)
    page.add_init_script("Object.defineProperty(window.crypto, 'subtle', {value: undefined})")
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}?lang=zh-CN")
    # When they continue to payment
    fill_details(page, f"lee-{secrets.token_hex(3)}@{THROWAWAY}")
    page.locator("#continue").click()
    # Then the page says the check could not be done and what to do, and stays on the details
    wait_for(lambda: page.locator("#message").inner_text(), timeout=10, what="the failed-check message")
    assert page.locator("#message").inner_text() == (
        "浏览器未能完成安全验证，订单未提交。请升级浏览器或换一个浏览器打开本页后重试。")
    assert page.locator("#payment").is_hidden() and page.locator("#continue").is_enabled()
    screenshot("check-failed-zh-CN")
    assert merchant.stock(product["id"]) == {"available": 3, "reserved": 0, "sold": 0}


def test_a_blocked_buyer_reads_that_the_shop_cannot_take_the_order_and_whom_to_contact_in_both_languages(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop with a support address that blocked one buyer's e-mail
    stack, _ = demo_stack
    merchant, product = _shop(stack.api_url, "block", DEFAULTS, support_contact="help@block.example.test")
    buyer = f"banned-{secrets.token_hex(3)}@example.test"
    merchant.post("/v1/risk/blocks", {"email": buyer})
    for lang, expected in (
            ("en", "Sorry, this shop cannot take this order. If you think this is a mistake, contact the shop. "
                   "Shop support: help@block.example.test"),
            ("zh-CN", "抱歉，本店无法受理此订单。如有疑问，请联系店铺客服。店铺客服：help@block.example.test")):
        # When that buyer tries to check out in that language
        page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}?lang={lang}")
        fill_details(page, buyer)
        page.locator("#continue").click()
        # Then the page says the shop cannot take the order and how to reach it, and offers no payment
        wait_for(lambda: page.locator("#message").inner_text(), timeout=10, what="the blocked message")
        message = page.locator("#message")
        assert message.inner_text() == expected
        assert message.locator("a").get_attribute("href") == "mailto:help@block.example.test"
        assert page.locator("#payment").is_hidden() and page.locator("#continue").is_enabled()
        screenshot(f"blocked-{lang}")
    # ... and nothing was reserved nor any order made
    assert merchant.stock(product["id"]) == {"available": 3, "reserved": 0, "sold": 0}
    assert merchant.orders() == []


def test_an_order_held_for_review_says_so_and_once_approved_is_paid_on_its_page_and_delivered(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop whose rules hold a throwaway address for review (80 points, review from 75)
    stack, _ = demo_stack
    merchant, product = _shop(stack.api_url, "review", {**DEFAULTS, "points": {"disposable_email": 80}})
    buyer = f"held-{secrets.token_hex(3)}@{THROWAWAY}"
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    # When such a buyer continues to payment
    fill_details(page, buyer)
    page.locator("#continue").click()
    # Then there is no payment step: the page says the order is held for the shop's check, that no money was taken
    # and that an e-mail will come, with a link to the order page
    held = page.locator("#held")
    held.wait_for(state="visible")
    assert page.locator("#checkout").is_hidden()
    assert held.locator("h2").inner_text() == "Your order is being checked"
    assert "No money has been taken" in held.inner_text() and "e-mail" in held.inner_text()
    screenshot("1-held")
    [order] = merchant.orders()
    assert order["status"] == "review"
    assert merchant.stock(product["id"]) == {"available": 2, "reserved": 1, "sold": 0}
    # When they open the order page from the link
    held.locator("#held-link").click()
    page.wait_for_url(re.compile(rf"/s/{merchant.slug}/orders/{order['id']}\?token=.+"))
    order_url = page.url
    # Then it says the order is being checked, nothing was charged, and an e-mail will follow
    assert page.locator("#status").inner_text() == "Being checked by the shop"
    assert page.locator("#held").inner_text() == (
        "The shop is checking this order before payment. Nothing has been charged. You will get an e-mail with the "
        "shop's decision; once it is approved, you pay right here.")
    assert page.locator("#pay-step").count() == 0
    page.goto(order_url + "&lang=zh-CN")
    assert page.locator("#held").inner_text() == (
        "商家正在审核此订单，目前未扣任何款项。审核结果将通过邮件通知你，审核通过后即可在本页付款。")
    screenshot("2-order-in-review-zh-CN")
    # When the shop approves it and the buyer opens the order page again
    assert merchant.post(f"/v1/orders/{order['id']}/approve", {})["status"] == "pending"
    page.goto(order_url + "&lang=en")
    # Then the page offers to pay; paid by card, the keys show on the page
    assert page.locator("#pay-step h2").inner_text() == "Pay for your order"
    screenshot("3-approved-pay")
    fill_card(page, GOOD_CARD)
    page.locator("#pay").click()
    page.locator("#keys .key").first.wait_for(state="visible", timeout=20_000)
    assert page.locator("#keys .key").count() == 1
    assert page.locator("#pay-step").count() == 0
    screenshot("4-delivered")
    wait_for(lambda: merchant.stock(product["id"]) == {"available": 2, "reserved": 0, "sold": 1}, timeout=15,
             what="the approved order's key to be sold")
    assert [o["status"] for o in merchant.orders()] == ["delivered"]


def test_an_order_the_shop_rejects_says_in_chinese_that_it_was_not_accepted_and_nothing_was_charged(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given an order held for review from a buyer reading Chinese
    stack, _ = demo_stack
    merchant, product = _shop(stack.api_url, "reject", {**DEFAULTS, "points": {"disposable_email": 80}})
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}?lang=zh-CN")
    fill_details(page, f"no-{secrets.token_hex(3)}@{THROWAWAY}")
    page.locator("#continue").click()
    page.locator("#held").wait_for(state="visible")
    assert page.locator("#held h2").inner_text() == "订单审核中"
    screenshot("1-held-zh-CN")
    [order] = merchant.orders()
    # When the shop rejects it and the buyer opens the order page
    assert merchant.post(f"/v1/orders/{order['id']}/reject", {})["status"] == "rejected"
    page.locator("#held-link").click()
    page.wait_for_url(re.compile(rf"/s/{merchant.slug}/orders/{order['id']}\?token=.+"))
    # Then it says the shop did not accept it and nothing was charged, with nothing to pay
    assert page.locator("#status").inner_text() == "商家未通过"
    assert page.locator("#rejected").inner_text() == (
        "商家未通过此订单的审核，未产生任何扣款，也无需付款。如有疑问，请联系店铺客服。")
    assert page.locator("#pay-step").count() == 0 and page.locator("#waiting").count() == 0
    screenshot("2-rejected-zh-CN")
    assert merchant.stock(product["id"]) == {"available": 3, "reserved": 0, "sold": 0}
