"""The console's account pages in Chromium, at 1280 px and on a phone, in English and Chinese: sign up and
confirm by the mailed link, the first-run checklist, sign in with the demo owner, a reset, sign out."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.browser.conftest import PHONE
from tests.browser.helpers import links_in, mails_to, plain_text, wait_for

DESKTOP = {"width": 1280, "height": 900}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
LANGS = {"en": "en-US", "zh": "zh-CN"}


@pytest.fixture()
def console(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    size, lang = request.param
    context = browser.new_context(viewport=SIZES[size], locale=LANGS[lang], is_mobile=size == "phone")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg, size, lang
    finally:
        context.close()


def _shoot(screenshot: Any, pg: Any, step: str) -> None:
    screenshot(step, pg)


def _link(mail_dir: Any, address: str, path: str) -> str:
    def found() -> str | None:
        for msg in reversed(mails_to(mail_dir, address)):
            for link in links_in(plain_text(msg)):
                if path in link:
                    return link
        return None

    return str(wait_for(found, timeout=10, what=f"a mail to {address} with {path}"))


def _delivered_orders(api: str, key: str) -> int:
    r = requests.get(f"{api}/v1/orders", params={"status": "delivered", "limit": 1},
                     headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert r.status_code == 200, r.text
    return len(r.json()["data"])


def _sign_in(pg: Any, stack: Any, demo: dict[str, Any], target: str) -> None:
    """The demo owner signs in through the page `target` sends them to, and lands on it."""
    from urllib.parse import quote

    pg.goto(f"{stack.api_url}/console/login?next={quote(target, safe='')}")
    pg.locator("#email").fill(demo["console_email"])
    pg.locator("#password").fill(demo["console_password"])
    pg.locator("form button[type=submit]").click()
    pg.wait_for_url(f"{stack.api_url}{target}")


def _no_horizontal_scroll(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("console", [(s, lang) for s in SIZES for lang in LANGS], indirect=True,
                         ids=[f"{s}-{lang}" for s in SIZES for lang in LANGS])
def test_sign_up_confirm_and_see_the_checklist(console: Any, demo_stack: Any, screenshot: Any) -> None:
    pg, _size, lang = console
    stack, _ = demo_stack
    slug = f"b-{secrets.token_hex(4)}"
    address = f"owner@{slug}.example.com"
    # given the sign-up page in the browser's language
    pg.goto(f"{stack.api_url}/console/signup")
    assert pg.locator("h1").inner_text() == ("Open your shop" if lang == "en" else "开通店铺")
    _no_horizontal_scroll(pg)
    _shoot(screenshot, pg, "signup")
    # when the form is filled in and sent
    pg.locator("#name").fill("Lantern Keys 灯笼卡密")
    pg.locator("#slug").fill(slug)
    pg.locator("#email").fill(address)
    pg.locator("#password").fill("lantern festival keys")
    pg.locator("form button[type=submit]").click()
    # then the page says to check the inbox
    pg.wait_for_url(f"{stack.api_url}/console/signup")
    assert address in pg.locator("main").inner_text()
    _shoot(screenshot, pg, "sent")
    # when the mailed link is opened
    pg.goto(_link(stack.mail_dir, address, "/console/confirm"))
    # then the owner is signed in on the home page with the four steps, none done yet
    pg.wait_for_url(f"{stack.api_url}/console?welcome=1")
    title = "Welcome, Lantern Keys 灯笼卡密" if lang == "en" else "欢迎，Lantern Keys 灯笼卡密"
    assert pg.locator("h1").inner_text() == title
    assert pg.locator(".steps li.todo").count() == 4
    assert pg.locator("#progress").inner_text() == ("0 of 4 done" if lang == "en" else "已完成 0/4")
    _no_horizontal_scroll(pg)
    _shoot(screenshot, pg, "home")


@pytest.mark.parametrize("console", [("desktop", "en"), ("phone", "zh")], indirect=True, ids=["desktop-en", "phone-zh"])
def test_the_demo_owner_signs_in_sees_the_progress_and_signs_out(console: Any, demo_stack: Any,
                                                                 screenshot: Any) -> None:
    pg, _size, lang = console
    stack, demo = demo_stack
    # given the sign-in page reached from a console page
    pg.goto(f"{stack.api_url}/console/security")
    pg.wait_for_url("**/console/login?next=%2Fconsole%2Fsecurity")
    _shoot(screenshot, pg, "login")
    # when the demo owner signs in
    pg.locator("#email").fill(demo["console_email"])
    pg.locator("#password").fill(demo["console_password"])
    pg.locator("form button[type=submit]").click()
    # then the page they asked for opens, and home shows three steps done: products, keys, support contact
    pg.wait_for_url(f"{stack.api_url}/console/security")
    _shoot(screenshot, pg, "security")
    pg.locator("nav.side a[href='/console']").click()
    pg.wait_for_url(f"{stack.api_url}/console")
    done = [pg.locator(".steps li.done").nth(i).get_attribute("data-step")
            for i in range(pg.locator(".steps li.done").count())]
    sold = _delivered_orders(stack.api_url, demo["api_key"])  # other browser tests may have bought already
    assert done == ["product", "keys", "support"] + (["purchase"] if sold else [])
    assert pg.locator("#stat-products").inner_text() == "2"
    _no_horizontal_scroll(pg)
    _shoot(screenshot, pg, "home")
    # when they sign out
    pg.locator("header form button[type=submit]").click()
    pg.wait_for_url("**/console/login?out=1")
    assert pg.locator("[role=status]").inner_text() == ("You are signed out." if lang == "en" else "已退出登录。")
    # then the console asks them to sign in again
    pg.goto(f"{stack.api_url}/console")
    pg.wait_for_url("**/console/login?next=%2Fconsole")


@pytest.mark.parametrize("console", [("phone", "en")], indirect=True, ids=["phone-en"])
def test_a_forgotten_password_is_reset_by_mail(console: Any, demo_stack: Any, screenshot: Any) -> None:
    pg, _, _ = console
    stack, _ = demo_stack
    slug = f"r-{secrets.token_hex(4)}"
    address = f"owner@{slug}.example.com"
    # given a confirmed owner (signed up and confirmed in this browser, then signed out)
    pg.goto(f"{stack.api_url}/console/signup")
    pg.locator("#name").fill("Reset Shop")
    pg.locator("#slug").fill(slug)
    pg.locator("#email").fill(address)
    pg.locator("#password").fill("first password here")
    pg.locator("form button[type=submit]").click()
    pg.goto(_link(stack.mail_dir, address, "/console/confirm"))
    pg.wait_for_url("**/console?welcome=1")
    pg.locator("header form button[type=submit]").click()
    pg.wait_for_url("**/console/login?out=1")
    # when they ask for a reset link and choose a new password through it
    pg.locator("a[href='/console/forgot']").click()
    pg.locator("#email").fill(address)
    pg.locator("form button[type=submit]").click()
    assert "a reset link is on its way" in pg.locator("[role=status]").inner_text()
    _shoot(screenshot, pg, "forgot")
    pg.goto(_link(stack.mail_dir, address, "/console/reset"))
    _shoot(screenshot, pg, "reset")
    pg.locator("#password").fill("second password here")
    pg.locator("form button[type=submit]").click()
    # then they are signed in, and the new password is the one that works
    pg.wait_for_url(f"{stack.api_url}/console")
    assert pg.locator("h1").inner_text() == "Welcome, Reset Shop"


@pytest.mark.parametrize("console", [("desktop", "zh")], indirect=True, ids=["desktop-zh"])
def test_two_step_sign_in_is_set_up_from_the_qr_page_and_used(console: Any, demo_stack: Any,
                                                               screenshot: Any) -> None:
    import time

    import pyotp

    pg, _, _ = console
    stack, _ = demo_stack
    slug = f"t-{secrets.token_hex(4)}"
    address = f"owner@{slug}.example.com"
    # given a confirmed owner on the security page
    pg.goto(f"{stack.api_url}/console/signup")
    pg.locator("#name").fill("Two Step Shop")
    pg.locator("#slug").fill(slug)
    pg.locator("#email").fill(address)
    pg.locator("#password").fill("two step password")
    pg.locator("form button[type=submit]").click()
    pg.goto(_link(stack.mail_dir, address, "/console/confirm"))
    pg.wait_for_url("**/console?welcome=1")
    pg.locator("nav.side a[href='/console/security']").click()
    assert pg.locator("#two-step-state").inner_text() == "未开启"
    # when they start, scan (the key beside the QR code), and confirm a code
    pg.locator("#two-step form button[type=submit]").click()
    assert pg.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    _shoot(screenshot, pg, "qr")
    key = pg.locator("#two-step-key").inner_text()
    pg.locator("#code").fill(pyotp.TOTP(key).at(int(time.time())))
    pg.locator("#two-step form button[type=submit]").click()
    # then ten recovery codes are shown once, and the state is on
    codes = pg.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert pg.locator("#two-step-state").inner_text() == "已开启"
    _shoot(screenshot, pg, "recovery-codes")
    # when they sign out and in again, the password leads to the code page, where a recovery code works
    pg.locator("header form button[type=submit]").click()
    pg.wait_for_url("**/console/login?out=1")
    pg.locator("#email").fill(address)
    pg.locator("#password").fill("two step password")
    pg.locator("form button[type=submit]").click()
    pg.wait_for_url("**/console/login/code?next=%2Fconsole")
    _shoot(screenshot, pg, "code")
    pg.locator("#code").fill(codes[0])
    pg.locator("form button[type=submit]").click()
    pg.wait_for_url(f"{stack.api_url}/console")
    assert pg.locator("h1").inner_text() == "欢迎，Two Step Shop"


@pytest.mark.parametrize("console", [("desktop", "en"), ("phone", "zh")], indirect=True, ids=["desktop-en", "phone-zh"])
def test_a_sale_shows_on_the_dashboard(console: Any, demo_stack: Any, screenshot: Any) -> None:
    from tests.browser.helpers import buy

    pg, _, _ = console
    stack, demo = demo_stack
    product_id = demo["products"][0]
    # given a purchase in the demo shop (in another tab), counted by the worker from the outbox
    shopper = pg.context.new_page()
    buy(shopper, stack.api_url, demo["slug"], product_id, f"dash-{secrets.token_hex(3)}@example.com")
    shopper.close()
    # when the owner opens the console home
    _sign_in(pg, stack, demo, "/console")
    expected = _delivered_today(stack.api_url, demo["api_key"])

    def counted() -> bool:
        pg.reload()
        return int(pg.locator("#kpi-orders .n").inner_text()) == expected

    wait_for(counted, timeout=15, what=f"{expected} orders on the dashboard")
    # then today's orders, the product among the top products, and the heatmap count them
    name = "Steam Wallet 50 USD"
    assert pg.locator(f"#top-products tr[data-product='{product_id}'] td").first.inner_text() == name
    cells = pg.locator("#heatmap td").all_inner_texts()
    assert sum(int(c) for c in cells if c.strip()) >= expected
    _no_horizontal_scroll(pg)
    _shoot(screenshot, pg, "dashboard")


def _delivered_today(api: str, key: str) -> int:
    """Orders paid since midnight UTC (the demo shop counts in UTC): delivered ones and those refunded since,
    paging through the API."""
    import time as _time

    midnight = int(_time.time()) // 86400 * 86400
    count = 0
    for status in ("delivered", "refunded"):
        cursor = None
        while True:
            params: dict[str, Any] = {"status": status, "limit": 100, "created_gte": midnight}
            if cursor:
                params["cursor"] = cursor
            r = requests.get(f"{api}/v1/orders", params=params, headers={"Authorization": f"Bearer {key}"},
                             timeout=10)
            assert r.status_code == 200, r.text
            body = r.json()
            count += sum(1 for o in body["data"] if o.get("delivered_at"))
            cursor = body.get("next_cursor")
            if not cursor:
                break
    return count


@pytest.mark.parametrize("console", [("desktop", "zh"), ("phone", "en")], indirect=True, ids=["desktop-zh", "phone-en"])
def test_a_product_made_in_the_console_is_in_the_shop(console: Any, demo_stack: Any, screenshot: Any) -> None:
    pg, _, _ = console
    stack, demo = demo_stack
    name = f"Console card {secrets.token_hex(3)}"
    # given the demo owner on the new-product page
    _sign_in(pg, stack, demo, "/console/products/new")
    _no_horizontal_scroll(pg)
    _shoot(screenshot, pg, "new")
    # when they fill it in and create it
    pg.locator("#name").fill(name)
    pg.locator("#category").fill("Console")
    pg.locator("#price").fill("8.80")
    pg.locator("#usage_guide").fill("Redeem it in the app.")
    pg.locator("form.card button[type=submit]").first.click()
    pg.wait_for_url("**/console/products/prd_*?saved=created")
    _shoot(screenshot, pg, "created")
    # then it is listed in the console and sold in the shop at that price
    pg.locator("nav.side a[href='/console/products']").click()
    assert pg.locator("#products", has_text=name).count() == 1
    _shoot(screenshot, pg, "list")
    pg.goto(f"{stack.api_url}/s/{demo['slug']}?lang=en")
    card = pg.locator("main", has_text=name)
    assert card.count() == 1 and "$8.80" in pg.locator("main").inner_text()
    # and the demo shop is left as the other tests expect it: archived (through the API)
    found = requests.get(f"{stack.api_url}/v1/products", params={"limit": 100}, timeout=10,
                         headers={"Authorization": f"Bearer {demo['api_key']}"}).json()["data"]
    made = [p["id"] for p in found if p["name"] == name]
    assert len(made) == 1
    r = requests.post(f"{stack.api_url}/v1/products/{made[0]}/archive", timeout=10,
                      headers={"Authorization": f"Bearer {demo['api_key']}"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("console", [("desktop", "en")], indirect=True, ids=["desktop-en"])
def test_importing_20000_keys_from_a_file_shows_progress_and_an_exact_report(console: Any, demo_stack: Any,
                                                                            screenshot: Any, tmp_path: Any) -> None:
    import csv as csv_module
    import io

    pg, _, _ = console
    stack, demo = demo_stack
    auth = {"Authorization": f"Bearer {demo['api_key']}"}
    # a product of its own: the other browser tests count the demo products' keys
    made = requests.post(f"{stack.api_url}/v1/products", headers=auth, timeout=10,
                         json={"name": f"Bulk card {secrets.token_hex(3)}", "price": 100, "currency": "usd",
                               "active": False})
    assert made.status_code == 201, made.text
    product_id = made.json()["id"]
    # given a file of 20,000 lines: 19,990 new keys, 5 repeats of earlier lines, 4 blank lines, 1 too long
    keys = [f"IMP-{secrets.token_hex(8).upper()}" for _ in range(19_990)]
    lines = list(keys)
    for n in range(5):
        lines.insert(1000 * (n + 1), keys[n])  # a key seen before in the same file
    for n in range(4):
        lines.insert(3000 * (n + 1), "")
    lines.append("X" * 1025)
    assert len(lines) == 20_000
    path = tmp_path / "keys.txt"
    path.write_text("\n".join(lines) + "\n")
    before = requests.get(f"{stack.api_url}/v1/products/{product_id}/stock", timeout=10,
                          headers={"Authorization": f"Bearer {demo['api_key']}"}).json()["available"]
    # when the owner uploads it on the product's keys page
    _sign_in(pg, stack, demo, f"/console/products/{product_id}/keys")
    pg.locator("#key-file").set_input_files(str(path))
    pg.locator("#supplier").fill("Bulk supplier")
    pg.locator("#import-start").click()
    # then the bar reaches 100 % and the summary counts every line
    pg.locator("#import-report").wait_for(state="visible", timeout=180_000)
    assert pg.locator("#import-bar").get_attribute("value") == "100"
    assert pg.locator("#import-status").inner_text() == "Import finished."
    assert pg.locator("#import-summary").inner_text() == "19990 imported, 5 duplicates skipped, 1 rejected."
    _shoot(screenshot, pg, "imported")
    # and the downloadable report names each line's result
    with pg.expect_download() as download:
        pg.locator("#import-report").click()
    rows = list(csv_module.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["line", "result", "reason"] and len(rows) == 1 + 19_996
    results = [r[1] for r in rows[1:]]
    assert (results.count("imported"), results.count("duplicate"), results.count("rejected")) == (19_990, 5, 1)
    assert rows[-1] == ["20000", "rejected", "longer than 1024 characters"]
    after = requests.get(f"{stack.api_url}/v1/products/{product_id}/stock", timeout=10,
                         headers={"Authorization": f"Bearer {demo['api_key']}"}).json()["available"]
    assert after - before == 19_990
    requests.post(f"{stack.api_url}/v1/products/{product_id}/archive", headers=auth, timeout=10)


@pytest.mark.parametrize("console", [("phone", "en")], indirect=True, ids=["phone-en"])
def test_a_scheduled_window_puts_a_product_on_and_off_the_shelf(console: Any, demo_stack: Any,
                                                                screenshot: Any) -> None:
    import time

    pg, _, _ = console
    stack, demo = demo_stack
    auth = {"Authorization": f"Bearer {demo['api_key']}"}
    name = f"Flash card {secrets.token_hex(3)}"
    start = int(time.time()) + 4
    # given a product on sale only for four seconds, starting in four
    r = requests.post(f"{stack.api_url}/v1/products", headers=auth, timeout=10, json={
        "name": name, "price": 300, "currency": "usd", "sale_starts_at": start, "sale_ends_at": start + 4})
    assert r.status_code == 201, r.text
    product_id = r.json()["id"]
    r = requests.post(f"{stack.api_url}/v1/products/{product_id}/keys", headers=auth, timeout=10,
                      json={"keys": [f"FLASH-{secrets.token_hex(6)}" for _ in range(3)]})
    assert r.status_code == 200, r.text

    def shown() -> bool:
        pg.goto(f"{stack.api_url}/s/{demo['slug']}?lang=en")
        return pg.locator("main", has_text=name).count() == 1

    # then the shop does not list it before the start, lists it within the window, and not after the end
    assert time.time() < start and not shown()
    wait_for(lambda: time.time() >= start + 0.2, timeout=10, what="the window to open", interval=0.05)
    assert shown()
    _shoot(screenshot, pg, "on-shelf")
    wait_for(lambda: time.time() >= start + 4.2, timeout=10, what="the window to close", interval=0.05)
    assert not shown()
    requests.post(f"{stack.api_url}/v1/products/{product_id}/archive", headers=auth, timeout=10)
