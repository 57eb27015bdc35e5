"""The shop settings page: saved through the same service as the API, checked field by field, role-gated,
attributed in the activity log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)

FIELDS = {"name": "Moon Cards 月亮卡", "support_contact": "help@moon.example.com", "announcement": "Open 24/7",
          "logo_url": "", "locale": "zh-CN", "timezone": "Asia/Shanghai", "show_stock_counts": "on",
          "pm_alipay": "on"}


def test_the_owner_saves_the_settings_and_the_checklist_moves(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, email = owner_of_new_shop(web, env)
    page = owner.get("/console/settings")
    assert page.status_code == 200
    r = owner.post("/console/settings", FIELDS, csrf=csrf_of(page))
    assert r.status_code == 303 and r.headers["Location"] == "/console/settings?saved=1"
    shop = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    assert (shop.name, shop.support_contact, shop.announcement, shop.locale, shop.timezone, shop.zone) == (
        "Moon Cards 月亮卡", "help@moon.example.com", "Open 24/7", "zh-CN", "Asia/Shanghai", "Asia/Shanghai")
    assert (shop.show_stock_counts, shop.payment_methods) == (True, ("card", "alipay"))
    home = owner.get("/console").body.decode()  # the shop is Chinese now: so is its console by default
    assert 'class="done" data-step="support"' in home and "欢迎，Moon Cards 月亮卡" in home
    log = owner.get("/console/activity?lang=en").body.decode()
    assert (f"{email}</strong> changed the shop settings (announcement, locale, name, payment_methods, "
            "show_stock_counts, support_contact, timezone)") in log


def test_a_bad_field_is_named_and_nothing_is_saved(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    before = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    r = owner.post("/console/settings", {**FIELDS, "support_contact": "not a contact", "timezone": "Mars/Olympus"},
                   csrf=csrf_of(owner.get("/console/settings")))
    assert r.status_code == 400
    text = r.body.decode()
    assert "Support_contact must be an e-mail address or an https URL" in text
    assert 'value="not a contact"' in text  # what was typed stays in the form
    assert env.c.tenancy.tenants.get(tenant_id=tenant_id) == before


def test_other_roles_see_the_settings_but_cannot_save_them(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    for role in ("operator", "finance", "viewer"):
        member, _ = joined(web, env, owner, role)
        page = member.get("/console/settings")
        assert page.status_code == 200 and "can see these settings but not change them" in page.body.decode()
        before = env.c.tenancy.tenants.get(tenant_id=tenant_id)
        r = member.post("/console/settings", FIELDS, csrf=csrf_of(page))
        assert r.status_code == 403
        assert env.c.tenancy.tenants.get(tenant_id=tenant_id) == before
    admin, _ = joined(web, env, owner, "admin")
    r = admin.post("/console/settings", FIELDS, csrf=csrf_of(admin.get("/console/settings")))
    assert r.status_code == 303


def test_the_api_and_the_console_share_the_rule(web: Any, env: ConsoleEnv) -> None:
    from chalicelib.kernel.errors import InvalidRequest
    from chalicelib.tenancy.domain.roles import Actor

    _, tenant_id, _ = owner_of_new_shop(web, env)
    service = env.c.tenancy.shop_settings
    try:
        service.update(actor=Actor.api_key("key_x", "ci"), tenant_id=tenant_id, body={"timezone": "Mars/Olympus"})
        raise AssertionError("an unknown zone was accepted")
    except InvalidRequest as exc:
        assert (exc.param, exc.message) == ("timezone", "unknown timezone 'Mars/Olympus': use an IANA zone name such "
                                                        "as Asia/Shanghai")
