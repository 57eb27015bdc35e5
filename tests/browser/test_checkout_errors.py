"""The checkout's bad moments in a real browser: a declined card, stock running out, a reservation that lapses."""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.browser.helpers import (
    DECLINED_CARD,
    GOOD_CARD,
    Merchant,
    fill_card,
    fill_details,
    other_buyer_checkout,
    reserve,
    wait_for,
)


def test_a_declined_card_says_so_releases_the_keys_and_a_retry_with_another_card_works(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop with three keys and a buyer who reserved one
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "decline")
    product = merchant.product([f"DECL-{i}-{secrets.token_hex(4)}" for i in range(3)], name="Gift card")
    buyer = f"decline-{secrets.token_hex(4)}@example.test"
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    reserve(page, buyer)
    assert merchant.stock(product["id"]) == {"available": 2, "reserved": 1, "sold": 0}
    # When they pay with a card the bank declines
    fill_card(page, DECLINED_CARD)
    page.locator("#pay").click()
    # Then the page says the card was declined and what to do, and the pay button works again
    message = page.locator("#message")
    wait_for(lambda: message.inner_text(), timeout=15, what="the decline message")
    assert message.inner_text().startswith("Your card was declined. Check the details or use another card")
    assert page.locator("#pay").is_enabled()
    assert page.locator("#countdown").inner_text() == "--:--"
    screenshot("1-declined")
    # ... and the reserved key goes back on sale (the payment_failed event releases it)
    wait_for(lambda: merchant.stock(product["id"]) == {"available": 3, "reserved": 0, "sold": 0}, timeout=15,
             what="the declined order's key to be released")
    # When they retry with a good card
    fill_card(page, GOOD_CARD)
    page.locator("#pay").click()
    # Then a new reservation is paid and the key shows
    page.wait_for_url(re.compile(rf"/s/{merchant.slug}/orders/[^/?#]+\?token=.+"), timeout=20_000)
    page.locator("#keys .key").first.wait_for(state="visible", timeout=20_000)
    assert page.locator("#keys .key").count() == 1
    screenshot("2-retry-delivered")
    statuses = sorted(o["status"] for o in merchant.orders())
    assert statuses == ["delivered", "failed"]
    assert merchant.stock(product["id"]) == {"available": 2, "reserved": 0, "sold": 1}


def test_stock_running_out_while_the_buyer_types_is_explained_with_a_way_forward(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a product with one key, open in the buyer's browser
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "short")
    product = merchant.product(["LAST-ONE-" + secrets.token_hex(4)], name="Last key")
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    assert page.locator(".summary .badge").inner_text() == "Only a few left"  # 1 key, at the low threshold
    # ... when someone else reserves it first
    other = other_buyer_checkout(stack.api_url, merchant.slug, product["id"], "fast@example.test")
    assert other.status_code == 201, other.text
    # When the buyer continues to payment
    fill_details(page, "slow@example.test")
    page.locator("#continue").click()
    # Then they read that there is not enough stock and what to do, and stay on their details
    message = page.locator("#message")
    wait_for(lambda: message.inner_text(), timeout=10, what="the out-of-stock message")
    assert message.inner_text() == ("Not enough keys left for this quantity. Lower the quantity, or go back to "
                                    "the shop and pick another product.")
    assert page.locator("#payment").is_hidden() and page.locator("#continue").is_enabled()
    screenshot("1-out-of-stock")
    # ... and the page, loaded again, says the product is sold out instead of offering the form
    page.reload()
    assert page.locator(".summary .badge").inner_text() == "Sold out"
    assert page.locator("#checkout").count() == 0
    screenshot("2-sold-out")


def test_a_lapsed_reservation_says_so_and_start_again_reserves_anew(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a buyer whose keys are reserved, with the page's clock under the test's control
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "lapse")
    product = merchant.product([f"LAPSE-{i}-{secrets.token_hex(4)}" for i in range(2)], name="Slow buyer card")
    page.clock.install()
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    reserve(page, "slow@example.test")
    page.clock.run_for(2000)
    assert re.fullmatch(r"1[45]:[0-5]\d", page.locator("#countdown").inner_text())
    # When the 15 minutes pass on the buyer's screen
    page.clock.run_for(15 * 60 * 1000)
    # Then the page says the reservation ran out, hides "Pay" and offers to start again
    assert page.locator("#countdown").inner_text() == "0:00"
    assert page.locator("#message").inner_text() == ("Your reservation ran out and the keys went back on sale. "
                                                     "Start again to reserve new ones.")
    assert page.locator("#pay").is_hidden() and page.locator("#restart").is_visible()
    screenshot("1-expired")
    # When they start again and continue
    page.locator("#restart").click()
    assert page.locator("#payment").is_hidden() and page.locator("#email").is_editable()
    page.locator("#continue").click()
    page.locator("#payment").wait_for(state="visible")
    page.clock.run_for(1000)
    # Then a new reservation runs, and the merchant sees two orders, each holding one key until it lapses
    assert re.fullmatch(r"1[45]:[0-5]\d", page.locator("#countdown").inner_text())
    assert len(merchant.orders()) == 2
    screenshot("2-reserved-again")


def test_wallets_show_only_when_the_shop_enables_them_and_choosing_one_hides_the_card_field(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop that enabled Alipay and WeChat Pay, and one that did not
    stack, _ = demo_stack
    wallets = Merchant.sign_up(stack.api_url, "wallet")
    wallets.send("PATCH", "/v1/tenant", {"payment_methods": ["card", "alipay", "wechat_pay"]})
    offered = wallets.product(["WAL-" + secrets.token_hex(6)], name="Wallet card")
    cards_only = Merchant.sign_up(stack.api_url, "cards")
    plain = cards_only.product(["CRD-" + secrets.token_hex(6)], name="Card only")
    # When a buyer reaches the payment step in each
    page.goto(f"{stack.api_url}/s/{cards_only.slug}/p/{plain['id']}")
    reserve(page, "plain@example.test")
    # Then the card-only shop shows no choice of method
    assert page.locator("input[name=method]").count() == 0 and page.locator("#card-box").is_visible()
    page.goto(f"{stack.api_url}/s/{wallets.slug}/p/{offered['id']}?lang=zh-CN")
    reserve(page, "wallet@example.test")
    # ... and the other offers card, 支付宝 and 微信支付, card first and chosen
    labels = [t.strip() for t in page.locator(".methods label").all_inner_texts()]
    assert labels == ["银行卡", "支付宝", "微信支付"]
    assert page.locator("input[name=method]:checked").get_attribute("value") == "card"
    # When Alipay is chosen, the card field goes away
    page.locator("input[name=method][value=alipay]").check()
    assert page.locator("#card-box").is_hidden()
    screenshot("1-wallets-zh-CN")


def test_a_buyer_at_the_days_limit_reads_it_in_their_language_and_holds_no_key(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a product limited to one a day per buyer, and a buyer who already reserved one
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "limit")
    product = merchant.product([f"LIM-{i}-{secrets.token_hex(4)}" for i in range(4)], name="Limited card",
                               max_per_buyer={"day": 1})
    buyer = f"limit-{secrets.token_hex(4)}@example.test"
    first = other_buyer_checkout(stack.api_url, merchant.slug, product["id"], buyer)
    assert first.status_code == 201, first.text
    for lang, expected in (("en", "One buyer may get at most 1 of this a day, and this e-mail has reached it. "
                                  "Lower the quantity or come back tomorrow."),
                           ("zh-CN", "每位买家每天最多购买 1 个，此邮箱已达上限。请减少数量或明天再来。")):
        # When the same buyer tries again on the product page in that language
        page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}?lang={lang}")
        fill_details(page, buyer)
        page.locator("#continue").click()
        # Then the page says the limit and what to do, and stays on the details
        wait_for(lambda: page.locator("#message").inner_text(), timeout=10, what="the limit message")
        assert page.locator("#message").inner_text() == expected
        assert page.locator("#payment").is_hidden()
        screenshot(f"limit-{lang}")
    assert merchant.stock(product["id"]) == {"available": 3, "reserved": 1, "sold": 0}


def test_a_bulk_quantity_shows_the_tier_price_before_and_its_breakdown_at_payment(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a card at 10.00 that costs 9.00 each from 5
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "bulk")
    product = merchant.product([f"BULK-{i}-{secrets.token_hex(4)}" for i in range(8)], name="Bulk card", price=1000,
                               price_tiers=[{"min_quantity": 5, "unit_price": 900}])
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    assert page.locator("#tiers li").all_inner_texts() == ["5 or more: $9.00 each"]
    # When the buyer asks for 6, then the total follows the tier as they type
    fill_details(page, f"bulk-{secrets.token_hex(4)}@example.test", quantity=6)
    assert page.locator("#total").inner_text() == "$54.00"
    # and the payment step shows the list price and the saving that make the total
    page.locator("#continue").click()
    page.locator("#payment").wait_for(state="visible")
    assert page.locator("#order-lines li").all_inner_texts() == ["Price\n$60.00", "Bulk price (5+)\n−$6.00"]
    assert page.locator("#order-total").inner_text() == "$54.00"
    screenshot("bulk-breakdown")


def test_a_coupon_at_checkout_shows_its_saving_and_a_wrong_one_says_why_in_both_languages(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a card at 10.00 and a 15 % coupon
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "coupon")
    product = merchant.product([f"CPN-{i}-{secrets.token_hex(4)}" for i in range(4)], name="Coupon card", price=1000)
    merchant.post("/v1/coupons", {"code": "SPRING", "kind": "percent", "value": 1500})
    for lang, expected in (("en", "This coupon code is not known here. Check it, or leave it empty."),
                           ("zh-CN", "优惠码无效，请检查后重试，或留空。")):
        # When a buyer types a code the shop does not have, then the page says so in their language
        page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}?lang={lang}")
        fill_details(page, f"cpn-{secrets.token_hex(4)}@example.test")
        page.locator("#coupon").fill("WINTER")
        page.locator("#continue").click()
        wait_for(lambda: page.locator("#message").inner_text(), timeout=10, what="the coupon message")
        assert page.locator("#message").inner_text() == expected
        assert page.locator("#payment").is_hidden()
    # When the buyer types the shop's code in lower case and continues
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}?lang=en")
    fill_details(page, f"cpn-{secrets.token_hex(4)}@example.test")
    page.locator("#coupon").fill("spring")
    page.locator("#continue").click()
    page.locator("#payment").wait_for(state="visible")
    # Then the payment step shows the list price and the coupon's saving, and the total to pay
    assert page.locator("#order-lines li").all_inner_texts() == ["Price\n$10.00", "Coupon SPRING\n−$1.50"]
    assert page.locator("#order-total").inner_text() == "$8.50"
    screenshot("coupon-breakdown")
    assert merchant.stock(product["id"]) == {"available": 3, "reserved": 1, "sold": 0}
