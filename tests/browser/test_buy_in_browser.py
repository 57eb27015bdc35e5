"""A buyer in a real (headless) browser on a phone: storefront → checkout → order page with the key.

Runs against the whole local stack: `chalice local`, moto, localstripe (its Stripe.js stand-in
renders plain inputs inside #card) and the worker that sends the mail from the queue.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from devstack.seed import DEMO_PRODUCTS, DEMO_SLUG, KEYS_PER_PRODUCT
from tests.browser.helpers import (
    GOOD_CARD,
    Merchant,
    fill_card,
    links_in,
    mails_to,
    plain_text,
    reserve,
    wait_for,
)

KEY_RE = r"[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_DESCRIPTION = "<script>window.__pwned=1</script>"


def test_a_buyer_pays_by_card_sees_and_copies_the_key_and_gets_it_by_mail(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given the seeded demo shop and a buyer with a fresh e-mail address on a phone
    stack, demo = demo_stack
    merchant = Merchant(stack.api_url, demo["api_key"])
    buyer = f"buyer-{secrets.token_hex(4)}@example.test"
    prefix_of = {pid: prefix for pid, (prefix, _) in zip(demo["products"], DEMO_PRODUCTS, strict=True)}
    body_of = {pid: body for pid, (_, body) in zip(demo["products"], DEMO_PRODUCTS, strict=True)}
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)

    # When they open the shop and follow the first "Buy" link
    page.goto(f"{stack.api_url}/s/{DEMO_SLUG}")
    assert page.locator("h1").inner_text() == "Demo Game Cards"
    screenshot("1-shop")
    page.locator("article.product a.button").first.click()
    page.wait_for_url(re.compile(rf"/s/{DEMO_SLUG}/p/[^/?#]+$"))
    product_id = page.url.rsplit("/", 1)[1]
    assert product_id in prefix_of, f"the first Buy link leads to {product_id}, not a demo product"
    assert page.locator("h1").inner_text() == body_of[product_id]["name"]
    stock_before = merchant.stock(product_id)
    assert stock_before["available"] == KEYS_PER_PRODUCT - stock_before["sold"] - stock_before["reserved"]

    # ... fill in their e-mail twice and reserve: the payment step shows a running countdown
    reserve(page, buyer)
    countdown = page.locator("#countdown").inner_text()
    assert re.fullmatch(r"1[45]:[0-5]\d", countdown), countdown
    assert merchant.stock(product_id)["reserved"] == stock_before["reserved"] + 1
    page.wait_for_timeout(1100)
    assert page.locator("#countdown").inner_text() != countdown, "the countdown does not run"
    fill_card(page, GOOD_CARD)
    screenshot("2-checkout-filled")

    # ... and pay, while the card confirmation is held back until the order page is open in a second tab
    held: list[Any] = []
    page.route("**/local-pay", lambda route: held.append(route))
    page.locator("#pay").click()
    wait_for(lambda: held or page.wait_for_timeout(100), timeout=15, what="the page to post the card")
    assert page.locator("#pay").is_disabled(), "the pay button can be pressed twice"
    pay = held[0].request
    order_id = pay.url.split("/orders/", 1)[1].split("/", 1)[0]
    assert pay.post_data_json["card"] == {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034",
                                          "cvc": "123"}
    order_url = f"{stack.api_url}/s/{DEMO_SLUG}/orders/{order_id}?token={pay.post_data_json['token']}"
    waiting_tab = page.context.new_page()
    waiting_tab.goto(order_url)
    assert waiting_tab.locator("#status").get_attribute("data-status") == "pending"
    assert waiting_tab.locator("#waiting").is_visible()
    assert waiting_tab.locator("#keys .key").count() == 0
    waiting_tab.evaluate("window.__sameDocument = true")  # gone if the page reloads
    screenshot("3-order-waiting", waiting_tab)
    held[0].continue_()
    page.unroute("**/local-pay")

    # Then the paying tab lands on the order page with the key
    page.wait_for_url(re.compile(rf"/s/{DEMO_SLUG}/orders/{order_id}\?token=.+"), timeout=20_000)
    assert [u for u in navigations if "/orders/" in u] == [page.url]  # one load, no reload
    page.locator("#keys .key").first.wait_for(state="visible", timeout=20_000)
    keys = [k.strip() for k in page.locator("#keys .key").all_inner_texts()]
    assert len(keys) == 1, f"order page shows {keys!r}"
    key = keys[0]
    assert re.fullmatch(rf"{prefix_of[product_id]}-{KEY_RE}", key), f"unexpected key text {key!r}"
    assert page.locator("#status").get_attribute("data-status") == "delivered"
    assert page.locator("#status").inner_text() == "Delivered"

    # ... and its copy button puts exactly the key on the clipboard, as does "copy all"
    page.locator("#keys .copy").first.click()
    page.locator("#copied", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator("#copy-all").click()
    wait_for(lambda: page.evaluate("navigator.clipboard.readText()") == key, timeout=5, what="copy all")
    screenshot("4-order-key")

    # ... and the waiting tab shows the same key without a reload (it polls the order)
    waiting_tab.locator("#keys .key").first.wait_for(state="visible", timeout=20_000)
    assert waiting_tab.evaluate("window.__sameDocument") is True, "the order page reloaded instead of polling"
    assert [k.strip() for k in waiting_tab.locator("#keys .key").all_inner_texts()] == [key]
    assert waiting_tab.locator("#status").get_attribute("data-status") == "delivered"
    assert waiting_tab.locator("#waiting").count() == 0
    screenshot("5-order-waiting-tab-key", waiting_tab)

    # ... the merchant sees the order delivered and one key sold out of the imported ones
    orders = {o["id"]: o for o in merchant.orders()}
    assert order_id in orders, f"order {order_id} is not in GET /v1/orders"
    order = orders[order_id]
    assert (order["status"], order["email"], order["product_id"], order["quantity"], order["amount"],
            order["currency"]) == ("delivered", buyer, product_id, 1, body_of[product_id]["price"],
                                   body_of[product_id]["currency"])
    assert merchant.stock(product_id) == {"available": stock_before["available"] - 1,
                                          "reserved": stock_before["reserved"],
                                          "sold": stock_before["sold"] + 1}

    # ... and the worker mailed the same key to the buyer, once, with the permanent order link
    wait_for(lambda: mails_to(stack.mail_dir, buyer), timeout=15, what=f"a mail to {buyer} in {stack.mail_dir}")
    time.sleep(1.0)  # then make sure no second mail follows
    mails = mails_to(stack.mail_dir, buyer)
    assert len(mails) == 1, f"{len(mails)} mails to {buyer}"
    assert order_id in str(mails[0]["Subject"])
    text = plain_text(mails[0])
    assert key in text.splitlines()
    assert order_url.replace(stack.api_url, "") in [link.split("//", 1)[1].split("/", 1)[1] and
                                                    "/" + link.split("//", 1)[1].split("/", 1)[1]
                                                    for link in links_in(text)]


def test_hostile_product_text_is_shown_as_text_and_never_runs(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop of its own selling a product whose name and description are HTML/JS payloads
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "xss")
    product = merchant.product(["XSS-AAAAA-BBBBB-CCCCC"], name=HOSTILE_NAME, description=HOSTILE_DESCRIPTION,
                               category=HOSTILE_NAME, usage_guide=HOSTILE_DESCRIPTION)
    merchant.send("PATCH", "/v1/tenant", {"announcement": HOSTILE_DESCRIPTION, "name": HOSTILE_NAME})
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    # When a buyer opens the storefront, and then the product's checkout page
    page.goto(f"{stack.api_url}/s/{merchant.slug}", wait_until="networkidle")
    screenshot("1-shop")
    shop = {
        "pwned": page.evaluate("typeof window.__pwned"),
        "heading": page.locator("main h2").all_inner_texts(),
        "description": page.locator("main p.muted").all_inner_texts(),
        "notice": page.locator(".notice").inner_text(),
        "injected": page.locator("main img, main script, .notice script, header img").count(),
    }
    page.locator("article.product a.button").click()
    page.wait_for_url(re.compile(rf"/s/{merchant.slug}/p/{product['id']}$"))
    page.wait_for_load_state("networkidle")
    screenshot("2-checkout")
    checkout = {
        "pwned": page.evaluate("typeof window.__pwned"),
        "heading": page.locator("main h1").all_inner_texts(),
        "description": page.locator("#description").all_inner_texts(),
        "injected": page.locator("main img").count(),
        "title": page.title(),
    }

    # Then nothing ran: no dialog, no global set, no element made from the text ...
    assert dialogs == []
    assert shop["pwned"] == checkout["pwned"] == "undefined"
    assert shop["injected"] == checkout["injected"] == 0
    # ... and the buyer sees the texts literally
    assert shop["heading"] == [HOSTILE_NAME]
    assert shop["description"] == [HOSTILE_DESCRIPTION]
    assert shop["notice"] == f"Notice: {HOSTILE_DESCRIPTION}"
    assert checkout["heading"] == [HOSTILE_NAME]
    assert checkout["description"] == [HOSTILE_DESCRIPTION]
    assert checkout["title"] == f"{HOSTILE_NAME} · {HOSTILE_NAME}"
    # ... and the stock is untouched
    assert merchant.stock(product["id"]) == {"available": 1, "reserved": 0, "sold": 0}
