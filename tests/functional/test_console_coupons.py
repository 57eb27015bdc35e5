"""The console's coupons page: a merchant makes a coupon in a minute (percent off one product with caps), sees
its uses against the cap, switches it off; a bad value is refused on the form; a viewer only reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


FORM = {"code": "spring15", "kind": "percent", "percent": "15", "amount": "", "currency": "usd", "min_amount": "",
        "total_cap": "50", "per_buyer_cap": "1", "starts_at": "", "ends_at": ""}


def test_the_merchant_makes_a_coupon_a_buyer_uses_it_and_the_page_counts_it(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
        "name": "Spring card", "price": 2000, "currency": "usd"})
    env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=product.id,
                                           content_type="application/json", body={"keys": shop.new_keys(3)})
    page = owner.get("/console/marketing/coupons")
    assert page.status_code == 200 and "No coupons yet" in page.body.decode()
    # when the owner makes a 15 % coupon for the card, 50 uses, one per buyer
    r = owner.post("/console/marketing/coupons", {**FORM, "product_id": product.id}, csrf=csrf_of(page))
    assert (r.status_code, r.headers["Location"]) == (303, "/console/marketing/coupons?done=created")
    # and a buyer uses it
    slug = env.c.tenancy.tenants.get(tenant_id=tenant_id).slug
    used = shop.call(web, "POST", f"/s/{slug}/checkout", {"product_id": product.id, "email": "b@example.com",
                                                          "coupon": "SPRING15"})
    assert json.loads(used.body)["amount"] == 1700
    # then the page lists it with its saving, product, uses against the cap and per-buyer cap
    listed = owner.get("/console/marketing/coupons?done=created").body.decode()
    row = listed[listed.index('data-code="SPRING15"'):].split("</tr>")[0]
    assert "15 %" in row and "Spring card" in row and ">1 / 50<" in row and ">1<" in row
    # when it is switched off, then buyers are told so
    off = owner.post("/console/marketing/coupons/SPRING15/active", {"active": "0"},
                     csrf=csrf_of(owner.get("/console/marketing/coupons")))
    assert off.headers["Location"] == "/console/marketing/coupons?done=off"
    refused = shop.call(web, "POST", f"/s/{slug}/checkout", {"product_id": product.id, "email": "c@example.com",
                                                             "coupon": "spring15"})
    assert json.loads(refused.body)["error"]["code"] == "coupon_inactive"


def test_a_bad_value_is_refused_on_the_form_and_nothing_is_made(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/marketing/coupons")
    r = owner.post("/console/marketing/coupons", {**FORM, "per_buyer_cap": "80"}, csrf=csrf_of(page))
    assert r.status_code == 400
    body = r.body.decode()
    assert ('role="alert" id="form-error">Uses per buyer: a whole number no larger than the uses in all, or empty '
            'for no cap.</p>') in body
    assert 'value="spring15"' in body
    assert env.c.marketing.coupons.list(actor=SYSTEM, tenant_id=tenant_id) == []
    # and an amount off that is not a number names the saving
    amount = owner.post("/console/marketing/coupons", {**FORM, "kind": "fixed", "amount": "five"}, csrf=csrf_of(page))
    assert "Saving: a percent from 0.01 to 100, or an amount above zero." in amount.body.decode()
    # and a code the shop has already is named as such
    assert owner.post("/console/marketing/coupons", FORM, csrf=csrf_of(page)).status_code == 303
    again = owner.post("/console/marketing/coupons", FORM, csrf=csrf_of(page))
    assert again.status_code == 409
    assert "The shop has a coupon with this code already; choose another code." in again.body.decode()


def test_a_viewer_sees_the_coupons_but_cannot_make_or_switch_them(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    env.c.marketing.coupons.create(actor=SYSTEM, tenant_id=tenant_id, body={"code": "VIEWME", "kind": "percent",
                                                                            "value": 500})
    viewer, _ = joined(web, env, owner, "viewer")
    page = viewer.get("/console/marketing/coupons")
    body = page.body.decode()
    assert page.status_code == 200 and 'data-code="VIEWME"' in body and 'id="new-coupon"' not in body
    assert viewer.post("/console/marketing/coupons", FORM, csrf=csrf_of(page)).status_code == 403
    assert viewer.post("/console/marketing/coupons/VIEWME/active", {"active": "0"},
                       csrf=csrf_of(page)).status_code == 403
