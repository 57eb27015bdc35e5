"""Finding an order again in the browser: by order number + e-mail + query password, or by a sign-in link."""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.browser.helpers import Merchant, buy, links_in, mails_to, other_buyer_checkout, plain_text, wait_for


def test_order_number_email_and_query_password_open_the_order_and_wrong_details_say_the_same(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a buyer who bought with a query password
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "find")
    product = merchant.product([f"FIND-{secrets.token_hex(6).upper()}" for _ in range(2)], name="Findable card")
    buyer = f"find-{secrets.token_hex(4)}@example.test"
    order_url = buy(page, stack.api_url, merchant.slug, product["id"], buyer, password="open sesame")
    key = page.locator("#keys .key").first.inner_text().strip()
    order_id = order_url.split("/orders/", 1)[1].split("?", 1)[0]
    lookup = f"{stack.api_url}/s/{merchant.slug}/lookup"

    def try_lookup(number: str, address: str, password: str) -> str:
        page.goto(lookup)
        page.locator("#lookup-order").fill(number)
        page.locator("#lookup-email").fill(address)
        page.locator("#lookup-password").fill(password)
        page.locator("#lookup-form button[type=submit]").click()
        return str(wait_for(lambda: page.locator("#lookup-result").inner_text(), timeout=10, what="an answer"))

    # When they type a wrong password, an unknown order number or another e-mail
    wrong_password = try_lookup(order_id, buyer, "open sesame!")
    screenshot("1-lookup-failed")
    unknown_order = try_lookup("ord_" + "0" * 26, buyer, "open sesame")
    other_email = try_lookup(order_id, "someone@example.test", "open sesame")
    # Then the answer is one and the same, and says what to do
    assert wrong_password == unknown_order == other_email
    assert "order number" in wrong_password and "sign-in link" in wrong_password
    # When they type all three right
    page.goto(lookup)
    page.locator("#lookup-order").fill(order_id)
    page.locator("#lookup-email").fill(buyer)
    page.locator("#lookup-password").fill("open sesame")
    screenshot("2-lookup-filled")
    page.locator("#lookup-form button[type=submit]").click()
    # Then the order page opens with their key
    page.wait_for_url(re.compile(rf"/s/{merchant.slug}/orders/{order_id}\?token=.+"))
    page.locator("#keys .key").first.wait_for(state="visible")
    assert [k.strip() for k in page.locator("#keys .key").all_inner_texts()] == [key]
    screenshot("3-order-found")


def test_a_sign_in_link_by_mail_shows_every_order_of_that_address_in_this_shop(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a buyer with a delivered order and a pending one in this shop, and an order at another shop
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "link")
    product = merchant.product([f"LINK-{secrets.token_hex(6).upper()}" for _ in range(3)], name="Linked card")
    buyer = f"link-{secrets.token_hex(4)}@example.test"
    buy(page, stack.api_url, merchant.slug, product["id"], buyer)
    key = page.locator("#keys .key").first.inner_text().strip()
    pending = other_buyer_checkout(stack.api_url, merchant.slug, product["id"], buyer).json()["order_id"]
    elsewhere = Merchant.sign_up(stack.api_url, "else")
    other = elsewhere.product(["ELSE-" + secrets.token_hex(6)], name="Elsewhere")
    other_buyer_checkout(stack.api_url, elsewhere.slug, other["id"], buyer)
    mails_before = len(mails_to(stack.mail_dir, buyer))
    # When they ask for a sign-in link on the lookup page
    page.context.clear_cookies()
    page.goto(f"{stack.api_url}/s/{merchant.slug}/lookup")
    page.locator("#link-email").fill(buyer)
    page.locator("#link-form button[type=submit]").click()
    wait_for(lambda: page.locator("#link-result").inner_text(), timeout=10, what="the link answer")
    screenshot("1-link-sent")
    # Then a mail with the link arrives (read from the local outbox folder)
    # (the order's own e-mail may land meanwhile: the queue gathers a second of messages before sending)
    links = wait_for(lambda: [u for m in mails_to(stack.mail_dir, buyer)[mails_before:]
                              for u in links_in(plain_text(m)) if "/my?login=" in u],
                     timeout=15, what="the sign-in mail")
    link = links[0]
    # When they open it
    page.goto(link)
    page.wait_for_url(re.compile(rf"/s/{merchant.slug}/my$"))
    # Then they see exactly their two orders of this shop, newest first, and can open the delivered one
    ids = [el.get_attribute("data-order-id") for el in page.locator("#orders li.order").all()]
    delivered = next(o["id"] for o in merchant.orders() if o["status"] == "delivered")
    assert ids == [pending, delivered]
    screenshot("2-my-orders")
    page.locator(f'li.order[data-order-id="{delivered}"] a.button').click()
    page.locator("#keys .key").first.wait_for(state="visible")
    assert [k.strip() for k in page.locator("#keys .key").all_inner_texts()] == [key]
    # ... and the same list reads in Chinese after the switch
    page.goto(f"{stack.api_url}/s/{merchant.slug}/my?lang=zh-CN")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert [el.get_attribute("data-order-id") for el in page.locator("#orders li.order").all()] == ids
    screenshot("3-my-orders-zh-CN")
