"""Accessibility basics in the browser: a name for every control, keyboard-only checkout, visible focus,
and text contrast of at least 4.5:1 (WCAG AA) on every storefront page."""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.browser.helpers import GOOD_CARD, Merchant, buy, fill_card

UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
  .filter(el => el.offsetParent !== null && !el.closest('#card'))
  .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label') ||
                  el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
  .map(el => el.outerHTML.slice(0, 80))"""

# Contrast of each visible text element against the first opaque background behind it (WCAG 2 formula).
LOW_CONTRAST = """() => {
  function rgb(s) { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; }
  function lum(c) { return [c.r, c.g, c.b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0); }
  function bg(el) { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
    if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; }
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetParent || el.closest('#card')) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const st = getComputedStyle(el); const fg = rgb(st.color), b = bg(el);
    let ratio = (Math.max(lum(fg), lum(b)) + 0.05) / (Math.min(lum(fg), lum(b)) + 0.05);
    if (el.closest('button[disabled]')) continue;  // disabled controls are exempt (WCAG 1.4.3)
    if (ratio < 4.5) bad.push(el.tagName + ' ' + el.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  return bad; }"""


def check_page(page: Any) -> None:
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate(LOW_CONTRAST) == []


def test_every_page_names_its_controls_and_has_enough_contrast(
        demo_stack: tuple[Any, dict[str, Any]], page: Any) -> None:
    # Given a shop with a notice, a support contact and a product with a usage guide
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "a11y")
    merchant.send("PATCH", "/v1/tenant", {"announcement": "Open 24/7", "support_contact": "help@a11y.example.com"})
    product = merchant.product([f"A11Y-{secrets.token_hex(6)}"], name="Card", usage_guide="Paste it.",
                               category="Cards")
    # When each page is open (shop, product, payment step, order, lookup), Then each passes
    for path in (f"/s/{merchant.slug}", f"/s/{merchant.slug}/p/{product['id']}", f"/s/{merchant.slug}/lookup"):
        page.goto(stack.api_url + path)
        check_page(page)
    buy(page, stack.api_url, merchant.slug, product["id"], f"a11y-{secrets.token_hex(3)}@example.test")
    check_page(page)
    page.locator("#keys .report").first.click()
    check_page(page)


def test_a_buyer_can_check_out_with_the_keyboard_alone_and_sees_where_the_focus_is(
        demo_stack: tuple[Any, dict[str, Any]], page: Any, screenshot: Any) -> None:
    # Given a product page
    stack, _ = demo_stack
    merchant = Merchant.sign_up(stack.api_url, "keys")
    product = merchant.product([f"KBD-{secrets.token_hex(6)}"], name="Keyboard card")
    page.goto(f"{stack.api_url}/s/{merchant.slug}/p/{product['id']}")
    buyer = f"kbd-{secrets.token_hex(3)}@example.test"
    # When the buyer tabs to the e-mail field and types, tabbing from field to field, then presses Enter
    page.locator("#email").focus()
    page.keyboard.type(buyer)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email2"
    # Then the focused field shows a visible outline
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                            "getComputedStyle(document.activeElement).outlineWidth")
    assert outline == "solid 3px", outline
    page.keyboard.type(buyer)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quantity"
    page.keyboard.press("Enter")  # submits the details form
    page.locator("#payment").wait_for(state="visible")
    # ... and the focus moves to the Pay button, which Enter presses once the card is in
    assert page.evaluate("document.activeElement.id") == "pay"
    fill_card(page, GOOD_CARD)
    page.locator("#pay").focus()
    screenshot("1-focus-on-pay")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/orders/[^/?#]+\?token=.+"), timeout=20_000)
    page.locator("#keys .key").first.wait_for(state="visible", timeout=20_000)
    # ... and the copy button is reachable by Tab and works with Enter
    page.locator("#keys .copy").first.focus()
    page.keyboard.press("Enter")
    page.locator("#copied", has_text="Copied").wait_for()
