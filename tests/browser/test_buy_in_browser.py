"""A buyer in a real (headless) browser on a phone: storefront → checkout → order page with the key.

Runs against the whole local stack: `chalice local`, moto, localstripe (its Stripe.js stand-in
renders plain inputs inside #card) and the worker that sends the mail from the queue.
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.seed import DEMO_PRODUCTS, DEMO_SLUG, KEYS_PER_PRODUCT

pytestmark = pytest.mark.browser

TEST_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "34", "cvc": "123",
             "postal_code": "12345"}
KEY_RE = r"[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_DESCRIPTION = "<script>window.__pwned=1</script>"


# -- helpers -----------------------------------------------------------------------------------

def wait_for(condition: Any, *, timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll `condition()` until it returns something truthy; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Merchant:
    """The merchant API (/v1) with one tenant's API key."""

    def __init__(self, api_url: str, api_key: str) -> None:
        self.base = api_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def get(self, path: str) -> Any:
        response = self.session.get(f"{self.base}{path}", timeout=10)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.session.post(f"{self.base}{path}", json=body, timeout=10,
                                     headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code in (200, 201), f"POST {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    def orders(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = self.get(f"/v1/orders?limit=100{'&cursor=' + cursor if cursor else ''}")
            found.extend(page["data"])
            if not page["has_more"]:
                return found
            cursor = page["next_cursor"]

    def stock(self, product_id: str) -> dict[str, int]:
        return dict(self.get(f"/v1/products/{product_id}/stock"))


def mails_to(mail_dir: Path, address: str) -> list[email.message.EmailMessage]:
    """The mails in the stack's mail folder addressed to `address`, oldest first."""
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(msg["To"]).strip().lower() == address.lower():
            found.append(msg)
    return found


def plain_text(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, f"mail {msg['Subject']!r} has no text/plain part"
    return str(part.get_content())


# -- tests -------------------------------------------------------------------------------------

def test_a_buyer_pays_by_card_and_sees_the_key_on_the_order_page_and_in_the_mail(
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
    page.get_by_role("link", name="Buy").first.click()
    page.wait_for_url(re.compile(rf"/s/{DEMO_SLUG}/p/[^/?#]+$"))
    product_id = page.url.rsplit("/", 1)[1]
    assert product_id in prefix_of, f"the first Buy link leads to {product_id}, not a demo product"
    assert page.locator("h1").inner_text() == body_of[product_id]["name"]
    stock_before = merchant.stock(product_id)
    assert stock_before["available"] == KEYS_PER_PRODUCT - stock_before["sold"] - stock_before["reserved"]

    # ... and fill in their e-mail and the test card in the local Stripe.js stand-in, then pay
    page.locator("#email").fill(buyer)
    card = page.locator("#card")
    for field, value in TEST_CARD.items():
        card.locator(f'input[placeholder="{field}"]').fill(value)  # fill() fires the 'input' event
    assert page.evaluate("document.getElementById('pay').disabled") is False
    screenshot("2-checkout-filled")
    held: list[Any] = []  # the card confirmation is held back until the order page is open
    page.route("**/local-pay", lambda route: held.append(route))
    page.locator("#pay").click()
    wait_for(lambda: held or page.wait_for_timeout(100), timeout=15, what="the page to post the card")
    pay = held[0].request
    order_id = pay.url.split("/orders/", 1)[1].split("/", 1)[0]
    card_sent = pay.post_data_json["card"]
    assert card_sent == {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
    order_url = f"{stack.api_url}/s/{DEMO_SLUG}/orders/{order_id}?token={pay.post_data_json['token']}"

    # ... and, while the payment is still being confirmed, the order page is open in a second tab
    waiting_tab = page.context.new_page()
    waiting_tab.goto(order_url)
    assert waiting_tab.locator("#status").inner_text() == "pending"
    assert waiting_tab.locator("#waiting").is_visible()
    assert waiting_tab.locator(".key").count() == 0
    waiting_tab.evaluate("window.__sameDocument = true")  # gone if the page reloads
    screenshot("3-order-waiting", waiting_tab)
    held[0].continue_()
    page.unroute("**/local-pay")

    # Then the paying tab lands on the order page with the key
    page.wait_for_url(re.compile(rf"/s/{DEMO_SLUG}/orders/{order_id}\?token=.+"), timeout=20_000)
    assert [u for u in navigations if "/orders/" in u] == [page.url]  # one load, no reload
    keys = [k.strip() for k in page.locator(".key").all_inner_texts()]
    assert len(keys) == 1, f"order page shows {keys!r}"
    key = keys[0]
    assert re.fullmatch(rf"{prefix_of[product_id]}-{KEY_RE}", key), f"unexpected key text {key!r}"
    assert page.locator("#status").inner_text() == "delivered"
    screenshot("4-order-key")

    # ... and the waiting tab shows the same key without a reload (it polls the order)
    waiting_tab.locator(".key").first.wait_for(state="visible", timeout=20_000)
    assert waiting_tab.evaluate("window.__sameDocument") is True, "the order page reloaded instead of polling"
    assert [k.strip() for k in waiting_tab.locator(".key").all_inner_texts()] == [key]
    assert waiting_tab.locator("#status").inner_text() == "delivered"
    assert waiting_tab.locator("#waiting").count() == 0
    screenshot("5-order-waiting-tab-key", waiting_tab)

    # ... the merchant sees the order delivered and one key sold out of the imported ones
    orders = {o["id"]: o for o in merchant.orders()}
    assert order_id in orders, f"order {order_id} is not in GET /v1/orders"
    order = orders[order_id]
    assert (order["status"], order["email"], order["product_id"], order["quantity"], order["amount"],
            order["currency"]) == ("delivered", buyer, product_id, 1, body_of[product_id]["price"],
                                   body_of[product_id]["currency"])
    assert order["paid_at"] and order["delivered_at"] and order["failure_reason"] is None
    assert merchant.stock(product_id) == {"available": stock_before["available"] - 1,
                                          "reserved": stock_before["reserved"],
                                          "sold": stock_before["sold"] + 1}

    # ... and the worker mailed the same key to the buyer, once
    wait_for(lambda: mails_to(stack.mail_dir, buyer), timeout=15,
             what=f"a mail to {buyer} in {stack.mail_dir}")
    time.sleep(1.0)  # then make sure no second mail follows
    mails = mails_to(stack.mail_dir, buyer)
    assert len(mails) == 1, f"{len(mails)} mails to {buyer}"
    assert order_id in str(mails[0]["Subject"])
    text = plain_text(mails[0])
    assert key in text.splitlines()
    assert f"/s/{DEMO_SLUG}/orders/{order_id}" in text


def test_hostile_product_text_is_shown_as_text_and_never_runs(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a shop of its own (so the demo shop's listing stays as seeded) selling a product whose
    # name and description are HTML/JS payloads, with one key in stock
    stack, _ = demo_stack
    slug = f"xss-{secrets.token_hex(3)}"
    signup = requests.post(f"{stack.api_url}/v1/tenants", timeout=10,
                           headers={"Idempotency-Key": str(uuid.uuid4())},
                           json={"name": "Probe shop", "slug": slug, "email": f"owner@{slug}.test",
                                 "password": secrets.token_urlsafe(16)})
    assert signup.status_code == 201, signup.text
    merchant = Merchant(stack.api_url, signup.json()["api_key"])
    product = merchant.post("/v1/products", {"name": HOSTILE_NAME, "description": HOSTILE_DESCRIPTION,
                                             "price": 100, "currency": "usd"})
    assert (product["name"], product["description"]) == (HOSTILE_NAME, HOSTILE_DESCRIPTION)
    imported = merchant.post(f"/v1/products/{product['id']}/keys", {"keys": ["XSS-AAAAA-BBBBB-CCCCC"]})
    assert imported["imported"] == 1
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    # When a buyer opens the storefront, and then the product's checkout page
    page.goto(f"{stack.api_url}/s/{slug}", wait_until="networkidle")
    screenshot("1-shop")
    shop = {
        "pwned": page.evaluate("typeof window.__pwned"),
        "heading": page.locator("main h2").all_inner_texts(),
        "description": page.locator("main p.muted").all_inner_texts(),
        "injected": page.locator("main img, main script").count(),
    }
    page.get_by_role("link", name="Buy").click()
    page.wait_for_url(re.compile(rf"/s/{slug}/p/{product['id']}$"))
    page.wait_for_load_state("networkidle")
    screenshot("2-checkout")
    checkout = {
        "pwned": page.evaluate("typeof window.__pwned"),
        "heading": page.locator("main h1").all_inner_texts(),
        "description": page.locator("main p.muted").all_inner_texts(),
        "injected": page.locator("main img").count(),
        "title": page.title(),
    }

    # Then nothing ran: no dialog, no global set, no element made from the text ...
    assert dialogs == []
    assert shop["pwned"] == checkout["pwned"] == "undefined"
    assert shop["injected"] == checkout["injected"] == 0
    # ... and the buyer sees the name and description literally, as text
    assert shop["heading"] == [HOSTILE_NAME]
    assert shop["description"] == [HOSTILE_DESCRIPTION]
    assert checkout["heading"] == [HOSTILE_NAME]
    assert checkout["description"] == [HOSTILE_DESCRIPTION]
    assert checkout["title"] == f"{HOSTILE_NAME} · Probe shop"
    # ... and the stock is untouched
    assert merchant.stock(product["id"]) == {"available": 1, "reserved": 0, "sold": 0}
