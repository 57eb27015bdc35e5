"""A shop's insights settings: the safety window and days of cover the stock alerts, the dashboard and the stock
outlook use, alerts to the shop's address or to members who ask, and the value tiers of the nightly segments —
through the API and the console, each bad value refused by name with nothing saved, one shop never another's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve

DAY = 86400
DEFAULTS = {"object": "insight_settings", "safety_window_days": 14, "cover_days": 7, "whale_monthly": 5000,
            "regular_monthly": 500, "alert_shop_email": True}


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _api_shop(web: Any) -> tuple[str, str]:
    merchant = shop.sign_up(web)
    assert shop.call(web, "PATCH", "/v1/tenant", {"timezone": "UTC"}, key=merchant["key"]).status_code == 200
    return merchant["key"], merchant["tenant"]["id"]


def _selling(env: ConsoleEnv, tenant_id: str, product_id: str, units_by_days_ago: dict[int, int]) -> None:
    for n, (days_ago, units) in enumerate(sorted(units_by_days_ago.items())):
        at = env.clock.now() - days_ago * DAY
        fact = Fact(SALE, f"ord_set_{product_id[-8:]}_{n}", product_id, at, units, 500 * units, "usd")
        # a count on a closed day is late, as the outbox consumer says: a dashboard seen before makes its digest again
        assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(at, "UTC"), late=days_ago > 0)


def _patch(web: Any, key: str, body: dict[str, Any]) -> Any:
    return shop.call(web, "PATCH", "/v1/insights/settings", body, key=key)


def test_the_defaults_until_changed_and_a_change_keeps_the_other_fields(web: Any) -> None:
    key, _ = _api_shop(web)
    assert json.loads(shop.call(web, "GET", "/v1/insights/settings", key=key).body) == DEFAULTS
    # when the shop changes two fields
    r = _patch(web, key, {"safety_window_days": 7, "alert_shop_email": False})
    # then those two change and the rest stay, as the next read shows
    assert r.status_code == 200
    expected = {**DEFAULTS, "safety_window_days": 7, "alert_shop_email": False}
    assert json.loads(r.body) == expected
    assert json.loads(shop.call(web, "GET", "/v1/insights/settings", key=key).body) == expected


@pytest.mark.parametrize(("body", "param", "says"), [
    ({"safety_window_days": 31}, "safety_window_days", "from 3 to 30"),
    ({"cover_days": 0}, "cover_days", "from 1 to 60"),
    ({"cover_days": True}, "cover_days", ""),
    ({"whale_monthly": "5000"}, "whale_monthly", ""),
    ({"regular_monthly": 6000}, "regular_monthly", "must be below whale_monthly (5000)"),
    ({"coupons": 1}, "coupons", ""),
])
def test_a_bad_value_is_refused_by_name_and_nothing_is_saved(web: Any, body: dict[str, Any], param: str,
                                                             says: str) -> None:
    key, _ = _api_shop(web)
    assert _patch(web, key, {"cover_days": 10}).status_code == 200
    # when a change carries one bad value beside a good one
    r = _patch(web, key, {**body, "safety_window_days": 21} if param != "safety_window_days" else body)
    # then it is a 400 naming the field, and the settings are as they were
    error = json.loads(r.body)["error"]
    assert (r.status_code, error["param"]) == (400, param)
    assert says in error["message"]
    assert json.loads(shop.call(web, "GET", "/v1/insights/settings", key=key).body) == {**DEFAULTS, "cover_days": 10}


def test_the_alert_check_and_the_stock_outlook_use_the_shops_window_and_cover(web: Any, env: ConsoleEnv) -> None:
    # given a product with 40 keys that sold 6 a day over the last 7 days and nothing the week before
    key, tenant_id = _api_shop(web)
    product = shop.product(web, key, name="Weekly card")
    shop.import_keys(web, key, product["id"], shop.new_keys(40, prefix="SETW"))
    _selling(env, tenant_id, product["id"], {n: 6 for n in range(7)})
    published_before = len(env.mailer.sent)
    # then with the defaults (42 in 14 days: 3 a day × 7 = 21) 40 keys are fine
    assert env.c.insights.stock_alerts.check(tenant_id).told == 0
    # when the shop averages over 7 days with 10 days of cover (6 a day × 10 = 60)
    assert _patch(web, key, {"safety_window_days": 7, "cover_days": 10}).status_code == 200
    told = env.c.insights.stock_alerts.check(tenant_id)
    # then the next check tells it low, in the shop's terms
    assert (told.told, told.mails) == (1, 1)
    [mail] = env.mailer.sent[published_before:]
    assert "Weekly card: 40 left, about 6.7 days of sales (safety line 60)." in mail["text"]
    # and the stock outlook reads its line the same way (the nightly forecast made first)
    env.c.insights.stock_outlook.refresh(tenant_id)
    [row] = json.loads(shop.call(web, "GET", "/v1/insights/stock", key=key).body)["data"]
    # the outlook averages closed days: today's 6 are not in it, so 36 over 7 days
    assert (row["available"], row["average_daily_units"], row["safety_line"]) == (40, 5.14, 52)


def test_alerts_go_to_members_who_ask_and_not_to_the_shop_when_it_says_no(web: Any, env: ConsoleEnv) -> None:
    # given a shop whose product is out of keys after selling, an operator who asks for the alerts, and a viewer who
    # asked and then left the staff
    owner, tenant_id, owner_email = owner_of_new_shop(web, env)
    operator, operator_email = joined(web, env, owner, "operator")
    viewer, viewer_email = joined(web, env, owner, "viewer")
    for member in (operator, viewer):
        page = member.get("/console/insights/settings")
        assert member.post("/console/insights/settings/mine", {"alert_me": "on"},
                           csrf=csrf_of(page)).status_code == 303
    removed = next(a for a in env.c.tenancy.staff_store.list(tenant_id) if a.email == viewer_email)
    env.c.tenancy.staff.remove(actor=SYSTEM, tenant_id=tenant_id, user_id=removed.user_id)
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                            body={"name": "Short card", "price": 500, "currency": "usd"})
    env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=product.id,
                                           body={"keys": shop.new_keys(2, prefix="SETM")},
                                           content_type="application/json")
    _selling(env, tenant_id, product.id, {1: 14, 2: 14})  # 2 a day: line 14, 2 keys left is critical
    # when the owner turns the shop's address off and the check runs
    page = owner.get("/console/insights/settings")
    r = owner.post("/console/insights/settings", {"safety_window_days": "14", "cover_days": "7",
                                                  "whale_monthly": "5000", "regular_monthly": "500"},
                   csrf=csrf_of(page))
    assert r.status_code == 303
    sent_before = len(env.mailer.sent)
    report = env.c.insights.stock_alerts.check(tenant_id)
    # then only the operator gets the e-mail: not the shop's address, not the member who left
    assert (report.told, report.mails) == (1, 1)
    assert [m["to"] for m in env.mailer.sent[sent_before:]] == [operator_email]
    assert tenant.email == owner_email  # the shop's address is the owner's: turned off, the owner gets none


def test_the_nightly_tiers_use_the_shops_amounts(web: Any, env: ConsoleEnv) -> None:
    # given buyers who spent 300, 900 and 2,500 this month
    key, tenant_id = _api_shop(web)
    product = shop.product(web, key, name="Tier card")
    at = env.clock.now()
    for n, (buyer, amount) in enumerate((("a", 30_000), ("b", 90_000), ("c", 250_000))):
        fact = Fact(SALE, f"ord_tier_{tenant_id[-6:]}_{n}", product["id"], at, 1, amount, "usd", buyer=f"cus_{buyer}",
                    email=f"{buyer}@example.com")
        assert env.c.insights.rollup_store.record(tenant_id, fact, bucket(at, "UTC"))
    # when the shop counts a whale above 2,000 and a regular spender from 800, and the nightly run is made
    assert _patch(web, key, {"whale_monthly": 2000, "regular_monthly": 800}).status_code == 200
    env.c.insights.nightly.run(tenant_id, force=True)
    # then the tiers are cut there
    overview = json.loads(shop.call(web, "GET", "/v1/segments", key=key).body)
    sizes = {s["id"]: s["size"] for s in overview["segments"]}
    assert (sizes["whale"], sizes["regular_spender"], sizes["casual"]) == (1, 1, 1)
    assert (overview["thresholds"]["whale_monthly"], overview["thresholds"]["regular_monthly"]) == (200_000, 80_000)


def test_the_console_form_saves_refuses_a_bad_value_in_the_members_language_and_keeps_report_choices(
        web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    # given the owner gets the weekly report
    reports = owner.get("/console/insights/reports")
    assert owner.post("/console/insights/reports/subscribe", {"mail_weekly": "1"},
                      csrf=csrf_of(reports)).status_code == 303
    page = owner.get("/console/insights/settings")
    body = page.body.decode()
    assert page.status_code == 200 and 'value="14"' in body and 'value="7"' in body
    # when they send a cover of "ten"
    r = owner.post("/console/insights/settings", {"safety_window_days": "14", "cover_days": "ten",
                                                  "whale_monthly": "5000", "regular_monthly": "500",
                                                  "alert_shop_email": "on"}, csrf=csrf_of(page))
    # then the page says what to fix, keeps what they typed, and nothing is saved
    text = r.body.decode()
    assert r.status_code == 400
    assert "Days of cover: enter whole days from 1 to 60." in text and 'value="ten"' in text
    assert env.c.insights.insight_settings.get(actor=SYSTEM, tenant_id=tenant_id).cover_days == 7
    # when they save good values and ask for the alerts themselves
    assert owner.post("/console/insights/settings", {"safety_window_days": "21", "cover_days": "10",
                                                     "whale_monthly": "8000", "regular_monthly": "800"},
                      csrf=csrf_of(page)).status_code == 303
    assert owner.post("/console/insights/settings/mine", {"alert_me": "on"}, csrf=csrf_of(page)).status_code == 303
    # then the settings are kept, the alert choice sits beside the weekly report, and the page shows both
    s = env.c.insights.insight_settings.get(actor=SYSTEM, tenant_id=tenant_id)
    assert (s.safety_window_days, s.cover_days, s.whale_monthly, s.regular_monthly, s.alert_shop_email) == (
        21, 10, 8000, 800, False)
    user = next(a.user_id for a in env.c.tenancy.staff_store.list(tenant_id) if a.role == "owner")
    assert env.c.insights.report_subscriptions.kinds(tenant_id, user) == {"weekly", "stock"}
    again = owner.get("/console/insights/settings?saved=mine").body.decode()
    assert 'name="alert_me" checked' in again and 'value="21"' in again


def test_a_viewer_sees_the_settings_but_cannot_change_them(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    viewer, _ = joined(web, env, owner, "viewer")
    page = viewer.get("/console/insights/settings")
    assert page.status_code == 200 and "can see these settings but not change them" in page.body.decode()
    r = viewer.post("/console/insights/settings", {"safety_window_days": "3", "cover_days": "1",
                                                   "whale_monthly": "10", "regular_monthly": "5"},
                    csrf=csrf_of(page))
    assert r.status_code == 403
    assert env.c.insights.insight_settings.get(actor=SYSTEM, tenant_id=tenant_id).safety_window_days == 14


def test_one_shops_settings_never_touch_anothers(web: Any) -> None:
    key_a, _ = _api_shop(web)
    key_b, _ = _api_shop(web)
    assert _patch(web, key_a, {"cover_days": 30, "whale_monthly": 9000}).status_code == 200
    assert json.loads(shop.call(web, "GET", "/v1/insights/settings", key=key_b).body) == DEFAULTS


def test_a_chinese_console_shows_the_settings_and_their_errors_in_chinese(web: Any, env: ConsoleEnv) -> None:
    owner, _, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/insights/settings?lang=zh-CN")
    assert page.status_code == 200 and "备货天数" in page.body.decode()
    r = owner.post("/console/insights/settings?lang=zh-CN", {"safety_window_days": "14", "cover_days": "7",
                                                             "whale_monthly": "500", "regular_monthly": "800"},
                   csrf=csrf_of(page))
    assert r.status_code == 400 and "常规客户门槛必须低于大客户门槛。" in r.body.decode()
