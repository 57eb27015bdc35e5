"""Browser-test helpers: the merchant API, the local mail folder, and a buyer's way through the checkout."""

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

GOOD_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "34", "cvc": "123",
             "postal_code": "12345"}
DECLINED_CARD = {**GOOD_CARD, "number": "4000000000000002"}


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

    def __init__(self, api_url: str, api_key: str, slug: str = "") -> None:
        self.base = api_url.rstrip("/")
        self.slug = slug
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    @classmethod
    def sign_up(cls, api_url: str, prefix: str = "shop") -> Merchant:
        slug = f"{prefix}-{secrets.token_hex(3)}"
        r = requests.post(f"{api_url}/v1/tenants", timeout=10, headers={"Idempotency-Key": str(uuid.uuid4())},
                          json={"name": f"Shop {slug}", "slug": slug, "email": f"owner@{slug}.test",
                                "password": secrets.token_urlsafe(16)})
        assert r.status_code == 201, r.text
        return cls(api_url, r.json()["api_key"], slug)

    def get(self, path: str) -> Any:
        response = self.session.get(f"{self.base}{path}", timeout=10)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        response = self.session.request(method, f"{self.base}{path}", json=body, timeout=10,
                                        headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code in (200, 201), f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.send("POST", path, body)

    def product(self, keys: list[str], **fields: Any) -> dict[str, Any]:
        created = self.post("/v1/products", {"price": 500, "currency": "usd", **fields})
        if keys:
            assert self.post(f"/v1/products/{created['id']}/keys", {"keys": keys})["imported"] == len(keys)
        return dict(created)

    def orders(self) -> list[dict[str, Any]]:
        return list(self.get("/v1/orders?limit=100")["data"])

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


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text)


def fill_details(page: Any, buyer: str, *, quantity: int = 1, password: str = "") -> None:
    page.locator("#email").fill(buyer)
    page.locator("#email2").fill(buyer)
    page.locator("#quantity").fill(str(quantity))
    if password:
        page.locator("#password").fill(password)


def fill_card(page: Any, card: dict[str, str]) -> None:
    """The local Stripe.js stand-in renders plain inputs inside #card; fill() fires their input events."""
    box = page.locator("#card")
    for field, value in card.items():
        box.locator(f'input[placeholder="{field}"]').fill(value)


def reserve(page: Any, buyer: str, **details: Any) -> None:
    """Step 1 of the checkout: details in, keys reserved, the payment step and its countdown shown."""
    fill_details(page, buyer, **details)
    page.locator("#continue").click()
    page.locator("#payment").wait_for(state="visible")


def buy(page: Any, base: str, slug: str, product_id: str, buyer: str, card: dict[str, str] | None = None,
        **details: Any) -> str:
    """The whole checkout in the page; returns the order page's URL once the keys show."""
    page.goto(f"{base}/s/{slug}/p/{product_id}")
    reserve(page, buyer, **details)
    fill_card(page, card or GOOD_CARD)
    page.locator("#pay").click()
    page.wait_for_url(re.compile(rf"/s/{slug}/orders/[^/?#]+\?token=.+"), timeout=20_000)
    page.locator("#keys .key").first.wait_for(state="visible", timeout=20_000)
    return str(page.url)


def other_buyer_checkout(base: str, slug: str, product_id: str, email: str, **body: Any) -> Any:
    """A checkout by another buyer in another browser: the product page issues that browser its device id, and the
    checkout sends it (as the page's script does), so the shop's risk rules see a buyer, not a script."""
    import json
    import re

    import requests

    html = requests.get(f"{base}/s/{slug}/p/{product_id}", timeout=10).text
    found = re.search(r'<script type="application/json" id="cfg">(.*?)</script>', html, re.S)
    device = json.loads(found.group(1))["device"] if found else ""
    return requests.post(f"{base}/s/{slug}/checkout", timeout=10,
                         json={"product_id": product_id, "email": email, **({"device": device} if device else {}),
                               **body})
