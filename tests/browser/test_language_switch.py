"""The language switch in the header: one press changes the page, and the choice sticks across pages."""

from __future__ import annotations

from typing import Any


def test_the_language_switch_changes_the_page_and_sticks(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given an English browser on the demo shop
    stack, _ = demo_stack
    page.goto(f"{stack.api_url}/s/demo")
    assert page.locator("html").get_attribute("lang") == "en"
    # When the buyer presses 简体中文 in the header
    page.get_by_role("link", name="简体中文").click()
    page.wait_for_load_state()
    # Then the page is Chinese, the switch marks it, and following a link keeps Chinese
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".lang a[aria-current]").inner_text() == "简体中文"
    page.locator("article.product a.button").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "lang=" not in page.url
    screenshot("1-product-after-switch")
