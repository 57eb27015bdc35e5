"""Every console route that names an object, generated from the route table: another shop's ids answer 404 and
change nothing. A new console route with a path parameter joins by being declared (and needs a factory here)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

import app as _app  # noqa: F401  (declares every route)
from chalicelib.http.routes import route_table
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve, user_id

ROUTES = [r for r in route_table() if r.auth == "console" and r.path_params]


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


class World:
    """Shop A owns one of everything; shop B's owner is the intruder."""

    def __init__(self, web: Any, env: ConsoleEnv) -> None:
        owner_a, self.tenant_a, _ = owner_of_new_shop(web, env)
        tenant = env.c.tenancy.tenants.get(tenant_id=self.tenant_a)
        _, member = joined(web, env, owner_a, "viewer")
        product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=self.tenant_a, body={
            "name": "A card", "price": 500, "currency": "usd", "auto_replace": False})
        env.c.inventory.key_import.import_keys(tenant_id=self.tenant_a, product_id=product.id,
                                               content_type="application/json",
                                               body={"keys": shop.new_keys(4, prefix="XT")})
        started = shop.delivered_order(web, env.settings, tenant.slug, product.id, email="a-buyer@example.com")
        r = shop.call(web, "POST", f"/s/{tenant.slug}/orders/{started['order_id']}/reports",
                      {"token": started["order_token"], "key_index": 0, "reason": "invalid"})
        key, _ = env.c.tenancy.api_keys.create(tenant_id=self.tenant_a, caller=None, body={
            "name": "A key", "scopes": ["read"]})
        endpoint, _ = env.c.integrations.webhooks.create(tenant_id=self.tenant_a, body={"url": "http://127.0.0.1:9/a", "events": ["*"]})
        available = env.c.inventory.keys.list_keys(tenant_id=self.tenant_a, product_id=product.id,
                                                   status="available", batch_id=None, limit=1, cursor=None).items
        from chalicelib.wiring.jobs import handle_outbox_batch

        now = env.c.platform.clock.now()
        assert handle_outbox_batch([m for m in env.c.platform.outbox.pending(older_than=now + 3600, limit=1000)
                                    if m.tenant_id == self.tenant_a]) == {}
        customers = env.c.sales.customers.list(tenant_id=self.tenant_a, limit=1, cursor=None).items
        # a segment name is no shop's id: A's segments are made, the intruder's shop has none of its own
        assert env.c.insights.nightly.run(self.tenant_a).sizes["new"] == 1
        coupon = env.c.marketing.coupons.create(actor=SYSTEM, tenant_id=self.tenant_a, body={
            "code": "AONLY", "kind": "percent", "value": 1000})
        # a currency is no shop's id: A has thresholds in usd, the intruder's shop none to remove
        env.c.marketing.thresholds.put(actor=SYSTEM, tenant_id=self.tenant_a, currency="usd",
                                       body={"steps": [{"spend": 1000, "save": 100}]})
        self.ids = {"user_id": user_id(env, self.tenant_a, member), "product_id": product.id, "code": coupon.code,
                    "key_id": available[0].id, "order_id": started["order_id"],
                    "report_id": json.loads(r.body)["id"], "customer_id": customers[0].id, "api_key_id": key.id,
                    "endpoint_id": endpoint.id, "action": "delete", "segment": "new", "currency": "usd"}

    def path(self, template: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.ids[m.group(1)], template)


@pytest.fixture(scope="module")
def world(env: ConsoleEnv, settings: Any) -> World:
    from chalice.test import Client

    from app import app
    from chalicelib import wiring

    previous = wiring._container
    wiring.use(env.c)
    with Client(app) as client:
        made = World(client, env)
    wiring.use(previous)
    return made


def test_every_console_route_with_an_id_is_listed() -> None:
    assert {r.path for r in ROUTES} >= {"/console/orders/{order_id}", "/console/keys/{key_id}/reveal",
                                        "/console/staff/{user_id}/remove"}
    assert len(ROUTES) >= 18


@pytest.mark.parametrize("spec", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_another_shops_ids_answer_404_and_change_nothing(web: Any, env: ConsoleEnv, world: World, spec: Any) -> None:
    intruder, _, _ = owner_of_new_shop(web, env)
    before = env.snapshot(world.tenant_a)
    path = world.path(spec.path)
    if spec.method == "GET":
        r = intruder.get(path)
    elif "application/json" in spec.content_types and "application/x-www-form-urlencoded" not in spec.content_types:
        headers = {"Content-Type": "application/json", "X-CSRF-Token": csrf_of(intruder.get("/console")),
                   "Cookie": "; ".join(f"{k}={v}" for k, v in intruder.cookies.items())}
        r = web.http.post(path, headers=headers, body=json.dumps({"keys": ["INTRUDER-1"]}))
    else:
        r = intruder.post(path, {"confirm": "yes", "role": "admin", "action": "reject", "reason": "snoop",
                                 "archived": "1", "version": "1", "name": "x", "price": "1", "currency": "usd"},
                          csrf=csrf_of(intruder.get("/console")))
    assert r.status_code == 404, (spec.method, spec.path, r.status_code, r.body[:300])
    assert env.snapshot(world.tenant_a) == before
