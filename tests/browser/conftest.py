"""Browser fixtures: one local stack (moto, localstripe, chalice local, worker) with the demo shop,
Debian's headless Chromium driven by Playwright, and a fresh phone-sized context per test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.seed import seed
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (a conftest's `pytestmark` marks nothing by itself)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, Any]]]:
    """The running stack on free ports, seeded with the demo shop; mail goes to a private folder."""
    mail_dir = tmp_path_factory.mktemp("mail")
    # Every test buys from 127.0.0.1: lift the per-IP limits (the rate-limit test installs its own), and
    # show stock without the storefront's few-second cache so a test sees what it just changed.
    limits = ",".join(f"{p}=100000/60" for p in ("ip:checkout", "ip:order_lookup", "ip:lookup", "ip:login_link",
                                                 "email:lookup", "email:login_link", "ip:signup", "ip:public",
                                                 "ip:console", "ip:console_auth", "email:console_mail"))
    stack = Stack(api_port=None, mail_dir=mail_dir,
                  extra_env={"KAMIDROP_RATE_LIMITS": limits, "KAMIDROP_STOREFRONT_CACHE_SECONDS": "0",
                             "KAMIDROP_CONSOLE_CACHE_SECONDS": "0"})
    stack.start()  # stops whatever it started if starting fails
    try:
        # the demo as a new merchant meets it (no imported history): the first-run checklist and the buyer flows
        # are what these tests read; the history import is tested on its own (functional/test_demo_history.py)
        demo = seed(stack.api_url, mail_dir=mail_dir, history=False)
        yield stack, demo
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browsers` (installs Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def locale() -> str:
    """The browser's language (Accept-Language); a test overrides it with its own `locale` fixture or param."""
    return "en-US"


@pytest.fixture()
def page(browser: Any, locale: str) -> Iterator[Any]:
    """A fresh context (no cookies or storage from other tests) with a phone-sized viewport."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale=locale)
    context.grant_permissions(["clipboard-read", "clipboard-write"])  # the copy buttons write the clipboard
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture()
def screenshot(page: Any, request: pytest.FixtureRequest) -> Any:
    """`screenshot("step")` saves test-output/screenshots/<test name>-<step>.png (full page);
    `screenshot("step", other_page)` shoots another tab of the same test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(step: str, target: Any = None) -> Path:
        path = SCREENSHOTS / f"{test}-{step}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take

