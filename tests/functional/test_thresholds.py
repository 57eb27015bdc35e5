"""Spend thresholds (满减): set per currency through the API and the console, checked before they are kept, priced
into every checkout after bulk prices and before a coupon, shown on the product page, within their window only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve

STEPS = {"steps": [{"spend": 5000, "save": 500}, {"spend": 10000, "save": 1500}]}


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _shop(web: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    merchant = shop.sign_up(web)
    item = shop.product(web, merchant["key"], name="Gem pack", price=2000, price_tiers=[
        {"min_quantity": 5, "unit_price": 1800}])
    shop.import_keys(web, merchant["key"], item["id"], shop.new_keys(20, prefix="THR"))
    return merchant, item


def _buy(web: Any, merchant: dict[str, Any], item: dict[str, Any], quantity: int, **extra: Any) -> dict[str, Any]:
    r = shop.call(web, "POST", f"/s/{merchant['slug']}/checkout",
                  {"product_id": item["id"], "quantity": quantity, "email": f"q{quantity}@example.com", **extra})
    assert r.status_code == 201, r.body
    return dict(json.loads(r.body))


def test_the_largest_step_reached_saves_once_after_bulk_prices_and_before_a_coupon(web: Any) -> None:
    # given a shop with two steps in usd and a 10 % coupon
    merchant, item = _shop(web)
    put = shop.call(web, "PUT", "/v1/promotions/thresholds/USD", STEPS, key=merchant["key"])
    assert (put.status_code, json.loads(put.body)["currency"], json.loads(put.body)["active"]) == (200, "usd", True)
    shop.call(web, "POST", "/v1/coupons", {"code": "TEN", "kind": "percent", "value": 1000}, key=merchant["key"])
    # when a buyer takes 2 (40.00): below every step, the list price
    assert _buy(web, merchant, item, 2)["amount"] == 4000
    # when 3 (60.00): the first step saves 5.00
    three = _buy(web, merchant, item, 3)
    assert (three["amount"], [(line["kind"], line["amount"]) for line in three["pricing"]["lines"]]) == (
        5500, [("list", 6000), ("threshold", -500)])
    # when 6 with the coupon: bulk price 6 × 18.00 = 108.00, the second step −15.00, then 10 % of 93.00
    six = _buy(web, merchant, item, 6, coupon="TEN")
    assert [(line["kind"], line["amount"], line["ref"]) for line in six["pricing"]["lines"]] == [
        ("list", 12000, None), ("tier", -1200, "5"), ("threshold", -1500, "10000"), ("coupon", -930, "TEN")]
    assert six["amount"] == 8370
    # and the product page lists the steps as buyers read them
    page = web.http.get(f"/s/{merchant['slug']}/p/{item['id']}").body.decode()
    assert "Spend $50.00, save $5.00" in page and "Spend $100.00, save $15.00" in page


def test_bad_steps_are_refused_by_field_and_a_window_or_switch_keeps_them_off(web: Any, env: ConsoleEnv) -> None:
    merchant, item = _shop(web)
    for body, param, says in (
            ({"steps": [{"spend": 500, "save": 500}]}, "steps[0].save", "steps[0]: the saving (500) must be below"),
            ({"steps": [{"spend": 5000, "save": 500}, {"spend": 4000, "save": 900}]}, "steps[1]",
             "steps[1]: each step must spend more and save more"),
            ({"steps": []}, "steps", "steps must be a list of 1 to 5"),
            ({"steps": [{"spend": 100}]}, "steps[0]", "steps[0] must be"),
            ({**STEPS, "ends_at": 10, "starts_at": 20}, "ends_at", "ends_at must be after starts_at")):
        r = shop.call(web, "PUT", "/v1/promotions/thresholds/usd", body, key=merchant["key"])
        error = json.loads(r.body)["error"]
        assert (r.status_code, error["param"]) == (400, param) and error["message"].startswith(says), r.body
    assert json.loads(shop.call(web, "GET", "/v1/promotions/thresholds", key=merchant["key"]).body)["data"] == []
    bad = shop.call(web, "PUT", "/v1/promotions/thresholds/dollars", STEPS, key=merchant["key"])
    assert (bad.status_code, json.loads(bad.body)["error"]["param"]) == (400, "currency")
    # a window that starts later prices nothing yet; switched off likewise; removed, gone
    later = env.clock.now() + 3600
    shop.call(web, "PUT", "/v1/promotions/thresholds/usd", {**STEPS, "starts_at": later}, key=merchant["key"])
    assert _buy(web, merchant, item, 3)["amount"] == 6000
    shop.call(web, "PUT", "/v1/promotions/thresholds/usd", {**STEPS, "active": False}, key=merchant["key"])
    assert _buy(web, merchant, item, 3)["amount"] == 6000
    gone = shop.call(web, "DELETE", "/v1/promotions/thresholds/usd", key=merchant["key"])
    assert gone.status_code == 204
    again = shop.call(web, "DELETE", "/v1/promotions/thresholds/usd", key=merchant["key"])
    assert again.status_code == 404


def test_the_console_sets_steps_in_the_merchants_money_and_refuses_bad_ones_on_the_form(
        web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/marketing/thresholds")
    assert page.status_code == 200 and "No spend thresholds yet" in page.body.decode()
    form = {"currency": "cny", "spend0": "100", "save0": "10", "spend1": "200", "save1": "30", "active": "1",
            "starts_at": "", "ends_at": ""}
    r = owner.post("/console/marketing/thresholds", form, csrf=csrf_of(page))
    assert (r.status_code, r.headers["Location"]) == (303, "/console/marketing/thresholds?done=saved")
    saved = env.c.marketing.thresholds.list(actor=SYSTEM, tenant_id=tenant_id)
    assert [(t.currency, [(s.spend, s.save) for s in t.steps]) for t in saved] == [
        ("cny", [(10000, 1000), (20000, 3000)])]
    listed = owner.get("/console/marketing/thresholds?done=saved").body.decode()
    assert 'data-currency="cny"' in listed and "Saved: checkouts use these steps now." in listed
    # a step that saves more than it spends is refused in words, and nothing changes
    bad = owner.post("/console/marketing/thresholds", {**form, "save1": "300"}, csrf=csrf_of(page))
    assert bad.status_code == 400 and "A saving must be below its spend" in bad.body.decode()
    assert env.c.marketing.thresholds.list(actor=SYSTEM, tenant_id=tenant_id) == saved
    # in Chinese the steps read as 满减
    zh = owner.get("/console/marketing/thresholds?lang=zh-CN").body.decode()
    assert "满 ¥100.00 减 ¥10.00" in zh or "满 CN¥100.00 减 CN¥10.00" in zh
    # a viewer reads them but cannot change or remove them
    viewer, _ = joined(web, env, owner, "viewer")
    seen = viewer.get("/console/marketing/thresholds")
    assert 'data-currency="cny"' in seen.body.decode() and 'id="set-thresholds"' not in seen.body.decode()
    assert viewer.post("/console/marketing/thresholds", form, csrf=csrf_of(seen)).status_code == 403
    assert viewer.post("/console/marketing/thresholds/cny/remove", {}, csrf=csrf_of(seen)).status_code == 403
    # the owner removes them
    gone = owner.post("/console/marketing/thresholds/cny/remove", {}, csrf=csrf_of(page))
    assert gone.headers["Location"] == "/console/marketing/thresholds?done=removed"
    assert env.c.marketing.thresholds.list(actor=SYSTEM, tenant_id=tenant_id) == []
