"""The console's main actions in Chromium: reveal a key with its audit entry, refund an order, replace a reported
key, create an API key that works, add a webhook endpoint. Desktop English and phone Chinese."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.browser.conftest import PHONE
from tests.browser.helpers import buy
from tests.support.images import png

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(params=[("desktop", "en-US"), ("phone", "zh-CN")], ids=["desktop-en", "phone-zh"])
def owner(browser: Any, demo_stack: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The demo owner, signed in, in a fresh context."""
    size, locale = request.param
    context = browser.new_context(viewport=DESKTOP if size == "desktop" else PHONE, locale=locale,
                                  is_mobile=size == "phone")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    stack, demo = demo_stack
    pg.goto(f"{stack.api_url}/console/login")
    pg.locator("#email").fill(demo["console_email"])
    pg.locator("#password").fill(demo["console_password"])
    pg.locator("form button[type=submit]").click()
    pg.wait_for_url(f"{stack.api_url}/console")
    try:
        yield pg
    finally:
        context.close()


def _api(demo: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo['api_key']}"}


def test_reveal_a_key_with_a_reason_and_find_it_in_the_access_log(owner: Any, demo_stack: Any,
                                                                  screenshot: Any) -> None:
    stack, demo = demo_stack
    reason = f"buyer ticket {secrets.token_hex(3)}"
    owner.goto(f"{stack.api_url}/console/products/{demo['products'][0]}/keys?status=available")
    row = owner.locator("#keys tbody tr").first
    key_id = row.get_attribute("data-key")
    row.locator("input[name=reason]").fill(reason)
    row.locator("form[action$='/reveal'] button").click()
    value = owner.locator("#revealed-value").inner_text()
    assert value.startswith("STEAM-")
    screenshot("revealed", owner)
    owner.goto(f"{stack.api_url}/console/key-access")
    line = owner.locator("#key-access tbody tr", has_text=reason)
    assert line.count() == 1 and key_id in line.inner_text()
    screenshot("access-log", owner)


def _own_product(stack: Any, demo: dict[str, Any], **fields: Any) -> str:
    """A product of the test's own with 3 keys: the purchase test counts the demo products' keys exactly."""
    made = requests.post(f"{stack.api_url}/v1/products", headers=_api(demo), timeout=10, json={
        "name": f"Console test card {secrets.token_hex(3)}", "price": 200, "currency": "usd", **fields})
    assert made.status_code == 201, made.text
    product_id = str(made.json()["id"])
    requests.post(f"{stack.api_url}/v1/products/{product_id}/keys", headers=_api(demo), timeout=10,
                  json={"keys": [f"OWN-{secrets.token_hex(6)}" for _ in range(3)]})
    return product_id


def test_refund_an_order_from_its_chain(owner: Any, demo_stack: Any, screenshot: Any) -> None:
    stack, demo = demo_stack
    product_id = _own_product(stack, demo)
    shopper = owner.context.new_page()
    url = buy(shopper, stack.api_url, demo["slug"], product_id, f"refund-{secrets.token_hex(3)}@example.com")
    shopper.close()
    order_id = re.search(r"/orders/(ord_[a-z0-9]+)", url).group(1)
    owner.goto(f"{stack.api_url}/console/orders?q={order_id}")
    owner.locator(f"#orders a[href='/console/orders/{order_id}']").click()
    owner.wait_for_url(f"**/console/orders/{order_id}")
    assert owner.locator("#chain li[data-kind=delivered]").count() == 1
    owner.locator("#refund form button").click()
    owner.wait_for_url(f"**/console/orders/{order_id}?refund=confirm")
    screenshot("confirm", owner)
    owner.locator("#refund form button.danger").click()
    owner.wait_for_url(f"**/console/orders/{order_id}?done=refunded")
    status = requests.get(f"{stack.api_url}/v1/orders/{order_id}", headers=_api(demo), timeout=10).json()["status"]
    assert status == "refunded"
    assert owner.locator("#chain li[data-kind=refunded]").count() == 1
    screenshot("refunded", owner)
    requests.post(f"{stack.api_url}/v1/products/{product_id}/archive", headers=_api(demo), timeout=10)


def test_replace_a_reported_key_from_the_queue(owner: Any, demo_stack: Any, screenshot: Any) -> None:
    stack, demo = demo_stack
    product_id = _own_product(stack, demo, auto_replace=False)
    shopper = owner.context.new_page()
    url = buy(shopper, stack.api_url, demo["slug"], product_id, f"report-{secrets.token_hex(3)}@example.com")
    shopper.close()
    order_id = re.search(r"/orders/(ord_[a-z0-9]+)", url).group(1)
    token = parse_qs(urlsplit(url).query)["token"][0]
    r = requests.post(f"{stack.api_url}/s/{demo['slug']}/orders/{order_id}/reports", timeout=10,
                      json={"token": token, "key_index": 0, "reason": "invalid"})
    assert r.status_code == 201 and r.json()["status"] == "open", r.text
    report_id = r.json()["id"]
    owner.goto(f"{stack.api_url}/console/reports")
    card = owner.locator(f"article[data-report='{report_id}']")
    card.locator("select[name=action]").select_option("replace")
    card.locator("input[name=message]").fill("Here is a fresh key")
    card.locator("button[type=submit]").click()
    owner.wait_for_url("**/console/reports?done=replace")
    screenshot("replaced", owner)
    report = requests.get(f"{stack.api_url}/v1/reports/{report_id}", headers=_api(demo), timeout=10).json()
    assert (report["status"], report["resolution"]) == ("resolved", "replaced")
    requests.post(f"{stack.api_url}/v1/products/{product_id}/archive", headers=_api(demo), timeout=10)


def test_create_an_api_key_that_works_and_add_a_webhook_endpoint(owner: Any, demo_stack: Any,
                                                                 screenshot: Any) -> None:
    stack, _ = demo_stack
    owner.goto(f"{stack.api_url}/console/integrations")
    owner.locator("#key-name").fill(f"Browser key {secrets.token_hex(2)}")
    owner.locator("form[action='/console/integrations/keys'] button[type=submit]").click()
    secret = owner.locator("#new-secret").inner_text()
    assert secret.startswith("kd_live_")
    assert requests.get(f"{stack.api_url}/v1/tenant", headers={"Authorization": f"Bearer {secret}"},
                        timeout=10).status_code == 200
    screenshot("key", owner)
    url = f"http://127.0.0.1:9/{secrets.token_hex(3)}"
    owner.locator("#hook-url").fill(url)
    owner.locator("input[name='event_order.delivered']").check()
    owner.locator("form[action='/console/integrations/webhooks'] button[type=submit]").click()
    assert owner.locator("#new-secret").inner_text().startswith("whsec_")
    assert owner.locator("#endpoints tbody tr", has_text=url).count() == 1
    screenshot("webhook", owner)
    owner.locator("#endpoints tbody tr", has_text=url).locator("form[action$='/delete'] button").click()
    owner.wait_for_url("**/console/integrations?done=deleted")


def test_upload_a_product_image_and_see_it_on_the_storefront(owner: Any, demo_stack: Any, screenshot: Any) -> None:
    stack, demo = demo_stack
    product_id = _own_product(stack, demo)
    try:
        # given the product's page; when a PNG is chosen, the page posts it straight to the bucket
        owner.goto(f"{stack.api_url}/console/products/{product_id}")
        owner.locator("#image-file").set_input_files({"name": "card.png", "mimeType": "image/png",
                                                      "buffer": png(64, 36)})
        # then the bucket sends the browser back, the console attaches it and shows the image it loaded
        owner.wait_for_url(f"**/console/products/{product_id}?saved=image")
        image = owner.locator("#product-image")
        assert image.evaluate("img => img.complete && img.naturalWidth") == 64
        screenshot("image", owner)
        # and the storefront shows it, lazy-loaded and sized
        owner.goto(f"{stack.api_url}/s/{demo['slug']}")
        card = owner.locator(f"article[data-product='{product_id}'] img")
        card.scroll_into_view_if_needed()
        assert card.get_attribute("loading") == "lazy" and card.get_attribute("width") == "320"
        owner.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=card.element_handle())
        # when a file that is not an image is chosen, the page says so and uploads nothing
        owner.goto(f"{stack.api_url}/console/products/{product_id}")
        owner.locator("#image-file").set_input_files({"name": "notes.txt", "mimeType": "text/plain",
                                                      "buffer": b"not an image"})
        assert "notes.txt" in owner.locator("#image-status").inner_text()
        assert owner.url.endswith(f"/console/products/{product_id}")
    finally:
        requests.post(f"{stack.api_url}/v1/products/{product_id}/archive", headers=_api(demo), timeout=10)
