"""Scheduled sale windows: a product shows on the storefront and sells from its start to the second before its
end, read on every view (the shelf cache does not delay it); the console saves the times in the shop's zone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.catalog.domain import Product
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def test_the_window_opens_at_its_start_and_closes_at_its_end() -> None:
    p = Product("t", "prd_x", "X", 100, "usd", "", 1, True, 1, 0, 0, sale_starts_at=100, sale_ends_at=200)
    assert [p.on_sale_at(t) for t in (99, 100, 199, 200)] == [False, True, True, False]
    assert not Product("t", "prd_x", "X", 100, "usd", "", 1, False, 1, 0, 0).on_sale_at(150)


def test_the_storefront_and_checkout_follow_the_window_to_the_second(web: Any, env: ConsoleEnv) -> None:
    _, tenant_id, _ = owner_of_new_shop(web, env)
    slug = env.c.tenancy.tenants.get(tenant_id=tenant_id).slug
    now = env.clock.now()
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
        "name": "Winter card", "price": 900, "currency": "usd", "sale_starts_at": now + 100,
        "sale_ends_at": now + 200})
    env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=product.id, content_type="application/json",
                                           body={"keys": shop.new_keys(3, prefix="WIN")})

    def listed() -> bool:
        return "Winter card" in web.http.get(f"/s/{slug}").body.decode()

    def checkout() -> int:
        return int(shop.checkout(web, slug, product.id, email="w@example.com").status_code)

    env.clock.set(now + 99)
    assert (listed(), checkout()) == (False, 400)
    assert web.http.get(f"/s/{slug}/p/{product.id}").status_code == 404
    env.clock.set(now + 100)
    assert (listed(), checkout()) == (True, 201)
    env.clock.set(now + 199)
    assert listed()
    env.clock.set(now + 200)
    assert (listed(), checkout()) == (False, 400)


def test_an_end_before_the_start_is_refused(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/products/new")  # the console path: times typed in the shop's zone
    form = {"name": "Bad window", "category": "", "price": "5", "currency": "usd", "description": "",
            "usage_guide": "", "usage_url": "", "image_url": "", "min_per_order": "1", "max_per_order": "5",
            "low_stock_threshold": "10", "activation_limit": "1", "active": "on", "auto_replace": "on",
            "replace_window_minutes": "60", "replace_max_per_order": "1",
            "sale_starts_at": "2026-12-24T20:00:00", "sale_ends_at": "2026-12-24T19:00:00"}
    r = owner.post("/console/products", form, csrf=csrf_of(page))
    assert r.status_code == 400 and "Sale_ends_at must be after sale_starts_at" in r.body.decode()
    ok = owner.post("/console/products", {**form, "sale_ends_at": "2026-12-25T20:00:00"}, csrf=csrf_of(page))
    assert ok.status_code == 303
    product_id = re.search(r"/console/products/(prd_[a-z0-9]+)", ok.headers["Location"]).group(1)
    saved = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product_id)
    # the console signed up in English: the shop counts in UTC, so 20:00 there is 20:00 UTC
    assert (saved.sale_starts_at, saved.sale_ends_at) == (1798142400, 1798228800)
    shown = json.dumps(owner.get(f"/console/products/{product_id}").body.decode())
    assert "2026-12-24T20:00:00" in shown and "2026-12-25T20:00:00" in shown
