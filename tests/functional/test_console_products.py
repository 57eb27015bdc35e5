"""Product pages: create, list, edit on the version shown, archive; prices typed as buyers pay them; role-gated;
another shop's products are not found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve

FORM = {"name": "Steam Wallet 50", "category": "Games", "price": "12.50", "currency": "usd", "description": "",
        "usage_guide": "Redeem in Steam.", "usage_url": "", "image_url": "", "min_per_order": "1",
        "max_per_order": "5", "low_stock_threshold": "10", "activation_limit": "1", "active": "on",
        "auto_replace": "on", "replace_window_minutes": "60", "replace_max_per_order": "1"}


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _create(b: Any, **changes: str) -> Any:
    return b.post("/console/products", {**FORM, **changes}, csrf=csrf_of(b.get("/console/products/new")))


def _id(r: Any) -> str:
    found = re.match(r"^/console/products/(prd_[a-z0-9]+)\?saved=created$", r.headers["Location"])
    assert found, r.headers
    return found.group(1)


def test_create_list_and_edit_a_product(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    r = _create(owner)
    assert r.status_code == 303
    product_id = _id(r)
    made = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
    assert (made.name, made.price, made.currency, made.category, made.max_per_order, made.usage_guide) == (
        "Steam Wallet 50", 1250, "usd", "Games", 5, "Redeem in Steam.")
    listed = owner.get("/console/products").body.decode()
    assert f'data-product="{product_id}"' in listed and "$12.50" in listed
    page = owner.get(f"/console/products/{product_id}")
    assert 'value="12.50"' in page.body.decode()
    saved = owner.post(f"/console/products/{product_id}", {**FORM, "price": "9.99", "version": "1", "active": ""},
                       csrf=csrf_of(page))
    assert saved.status_code == 303
    after = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
    assert (after.price, after.active, after.version) == (999, False, 2)
    assert 'class="done" data-step="product"' in owner.get("/console").body.decode()


def test_prices_follow_the_currency_and_bad_ones_create_nothing(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    yen = _create(owner, price="1200", currency="jpy")
    assert env.c.catalog.products.get(tenant_id=tenant_id, product_id=_id(yen)).price == 1200
    for price, reason in (("12.345", "Price takes at most 2 decimal places in USD"),
                          ("twelve", "Price must be a number such as 12.50 (USD)")):
        r = _create(owner, price=price, name=f"Bad {price}")
        assert r.status_code == 400 and reason in r.body.decode()
    names = [p.name for p in env.c.catalog.products.list(tenant_id=tenant_id, limit=10, cursor=None).items]
    assert names == ["Steam Wallet 50"]


def test_a_stale_form_does_not_overwrite_a_newer_save(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product_id = _id(_create(owner))
    first = owner.get(f"/console/products/{product_id}")
    # another editor saves first
    assert owner.post(f"/console/products/{product_id}", {**FORM, "name": "Theirs", "version": "1"},
                      csrf=csrf_of(first)).status_code == 303
    # the stale form (version 1) is refused and keeps what was typed
    r = owner.post(f"/console/products/{product_id}", {**FORM, "name": "Mine", "version": "1"}, csrf=csrf_of(first))
    assert r.status_code == 409 and "Someone saved this product while you were editing" in r.body.decode()
    assert 'value="Mine"' in r.body.decode()
    assert env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id).name == "Theirs"


def test_archive_and_roles(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product_id = _id(_create(owner))
    page = owner.get(f"/console/products/{product_id}")
    assert owner.post(f"/console/products/{product_id}/archive", {"archived": "1"},
                      csrf=csrf_of(page)).status_code == 303
    archived = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
    assert (archived.archived, archived.active) == (True, False)
    for role, allowed in (("operator", True), ("finance", False), ("viewer", False)):
        member, _ = joined(web, env, owner, role)
        page = member.get(f"/console/products/{product_id}")
        assert page.status_code == 200
        before = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
        r = member.post(f"/console/products/{product_id}/archive", {"archived": "0"}, csrf=csrf_of(page))
        assert r.status_code == (303 if allowed else 403)
        if not allowed:
            assert env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id) == before
            assert _create(member).status_code == 403
        else:
            owner.post(f"/console/products/{product_id}/archive", {"archived": "1"},
                       csrf=csrf_of(owner.get("/console")))


def test_another_shops_product_is_not_found_and_unchanged(web: Any, env: ConsoleEnv) -> None:
    owner_a, tenant_a, _ = owner_of_new_shop(web, env)
    product_id = _id(_create(owner_a))
    owner_b, _, _ = owner_of_new_shop(web, env)
    before = env.c.catalog.products.get(tenant_id=tenant_a, product_id=product_id)
    assert owner_b.get(f"/console/products/{product_id}").status_code == 404
    csrf = csrf_of(owner_b.get("/console"))
    assert owner_b.post(f"/console/products/{product_id}", {**FORM, "version": "1"}, csrf=csrf).status_code == 404
    assert owner_b.post(f"/console/products/{product_id}/archive", {"archived": "1"}, csrf=csrf).status_code == 404
    assert env.c.catalog.products.get(tenant_id=tenant_a, product_id=product_id) == before


def test_limits_per_buyer_are_set_lifted_and_refused_on_the_form(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    # when the owner limits a buyer to 2 a day and 10 in all (the month left empty)
    product_id = _id(_create(owner, max_per_buyer_day="2", max_per_buyer_month="", max_per_buyer="10"))
    made = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
    assert (made.max_per_buyer_day, made.max_per_buyer_month, made.max_per_buyer) == (2, 0, 10)
    page = owner.get(f"/console/products/{product_id}")
    body = page.body.decode()
    assert 'id="max_per_buyer_day" name="max_per_buyer_day" type="number" maxlength="200" value="2"' in body
    # when a day limit above the whole limit is sent, then the form says so and nothing changes
    bad = owner.post(f"/console/products/{product_id}", {**FORM, "version": "1", "max_per_buyer_day": "20",
                                                         "max_per_buyer": "10"}, csrf=csrf_of(page))
    assert bad.status_code == 400
    assert ("Limits per buyer: each must be a whole number of keys (empty for none), at least the minimum per "
            "order, with per day ≤ per month ≤ in all.") in bad.body.decode()
    # when the limits are emptied, then they are lifted
    lifted = owner.post(f"/console/products/{product_id}", {**FORM, "version": "1", "max_per_buyer_day": "",
                                                            "max_per_buyer": ""}, csrf=csrf_of(page))
    assert lifted.status_code == 303
    after = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
    assert (after.max_per_buyer_day, after.max_per_buyer_month, after.max_per_buyer) == (0, 0, 0)
