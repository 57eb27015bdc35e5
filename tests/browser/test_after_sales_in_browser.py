"""After-sales in the browser: a reported key is replaced at once within the policy; beyond it, the shop reviews."""

from __future__ import annotations

import secrets
from typing import Any

from tests.browser.helpers import Merchant, buy, wait_for


def test_a_reported_key_is_replaced_on_the_spot_and_a_second_report_goes_to_review(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a product with the default policy (replace within 60 minutes, once per order) and a delivered order
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "care")
    merchant.send("PATCH", "/v1/tenant", {"support_contact": "https://help.care.example.com/chat"})
    product = merchant.product([f"CARE-{i}-{secrets.token_hex(5).upper()}" for i in range(3)], name="Care card")
    buy(page, stack.api_url, merchant.slug, product["id"], f"care-{secrets.token_hex(4)}@example.test")
    first = page.locator("#keys .key").first.inner_text().strip()
    assert page.locator("a[href='https://help.care.example.com/chat']").first.is_visible()
    # When the buyer reports the key as invalid
    page.locator("#keys .report").first.click()
    page.locator("input[name=reason][value=invalid]").check()
    page.locator("#note").fill("The game says the code is not valid")
    screenshot("1-report-form")
    page.locator("#report-send").click()
    # Then the page says it was replaced and shows the new key under the struck-out old one
    message = page.locator("#report-message")
    wait_for(lambda: message.inner_text(), timeout=15, what="the report's answer")
    assert message.inner_text() == "Replaced: your new key is in the list above."
    lines = page.locator("#keys .line")
    wait_for(lambda: lines.count() == 2, timeout=10, what="the replacement key")
    assert [lines.nth(i).get_attribute("data-status") for i in range(2)] == ["reported", "replacement"]
    second = lines.nth(1).locator(".key").inner_text().strip()
    assert lines.nth(0).locator(".key").inner_text().strip() == first and second != first
    assert page.locator("#reports li").first.get_attribute("data-status") == "replaced"
    screenshot("2-replaced")
    # When they report the replacement too (beyond one replacement per order)
    page.locator("#keys .line[data-status=replacement] .report").click()
    page.locator("input[name=reason][value=already_used]").check()
    page.locator("#report-send").click()
    # Then it goes to the shop's review queue, and the page shows that status
    wait_for(lambda: message.inner_text().startswith("Sent to the shop"), timeout=15, what="the review answer")
    wait_for(lambda: page.locator("#reports li").count() == 2, timeout=10, what="the second report")
    assert [page.locator("#reports li").nth(i).get_attribute("data-status") for i in range(2)] == ["replaced", "open"]
    assert page.locator("#reports li").nth(1).inner_text().count("Waiting for the shop") == 1
    screenshot("3-in-review")
    # ... the merchant has it in the queue, and no key was sold beyond the one replacement
    queue = merchant.get("/v1/reports?status=open")["data"]
    assert [(r["status"], r["reason"], r["key_index"]) for r in queue] == [("open", "already_used", 1)]
    assert merchant.stock(product["id"]) == {"available": 1, "reserved": 0, "sold": 2}
    # ... and a reload shows the same state
    page.reload()
    assert [page.locator("#keys .line").nth(i).get_attribute("data-status") for i in range(2)] == [
        "reported", "reported"]
