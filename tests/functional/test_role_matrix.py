"""The role matrix through the services: every role against every permission's action. An allowed action
happens; a forbidden one answers `role_forbidden` and writes nothing (the shop's items, before and after)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.kernel.errors import DomainError
from chalicelib.tenancy.domain.roles import MATRIX, SYSTEM, Actor, Permission, Role
from tests.support import shop
from tests.support.console import ConsoleEnv, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


class Shop:
    """One shop per test: a product with keys, and whatever the action under test needs, made fresh."""

    def __init__(self, web: Any, env: ConsoleEnv) -> None:
        self.web, self.env, self.c = web, env, env.c
        _, self.tenant_id, _ = owner_of_new_shop(web, env)
        self.tenant = self.c.tenancy.tenants.get(tenant_id=self.tenant_id)
        self.product = self.c.catalog.products.create(actor=SYSTEM, tenant_id=self.tenant_id, body={
            "name": "Matrix card", "price": 400, "currency": "usd", "auto_replace": False})
        self.c.inventory.key_import.import_keys(tenant_id=self.tenant_id, product_id=self.product.id,
                                                content_type="application/json",
                                                body={"keys": shop.new_keys(6, prefix="MTX")})

    def key_id(self) -> str:
        page = self.c.inventory.keys.list_keys(tenant_id=self.tenant_id, product_id=self.product.id,
                                               status="available", batch_id=None, limit=1, cursor=None)
        return str(page.items[0].id)

    def delivered(self) -> dict[str, Any]:
        return shop.delivered_order(self.web, self.env.settings, self.tenant.slug, self.product.id,
                                    email=f"m{secrets.token_hex(3)}@example.com")

    def report(self) -> str:
        started = self.delivered()
        r = shop.call(self.web, "POST", f"/s/{self.tenant.slug}/orders/{started['order_id']}/reports",
                      {"token": started["order_token"], "key_index": 0, "reason": "invalid"})
        assert r.status_code == 201, r.body
        return str(json.loads(r.body)["id"])


def _prepare(permission: Permission, s: Shop) -> Callable[[Actor], object]:
    """The target is made before the snapshot; the returned call is the action alone."""
    c, t = s.c, s.tenant_id
    if permission is Permission.VIEW:
        return lambda a: c.insights.rollups.dashboard(actor=a, tenant=s.tenant)
    if permission is Permission.CATALOG:
        return lambda a: c.catalog.products.create(actor=a, tenant_id=t, body={"name": "New", "price": 100,
                                                                                "currency": "usd"})
    if permission is Permission.KEYS_IMPORT:
        return lambda a: c.inventory.key_import.import_keys(tenant_id=t, product_id=s.product.id, actor=a,
                                                            content_type="application/json",
                                                            body={"keys": ["MATRIX-NEW-1"]})
    if permission is Permission.KEYS_VOID:
        key = s.key_id()
        return lambda a: c.inventory.keys.void_key(tenant_id=t, key_id=key, actor=a)
    if permission is Permission.KEYS_REVEAL:
        key = s.key_id()
        return lambda a: c.inventory.keys.reveal_key(tenant_id=t, key_id=key, actor=a, reason="matrix test")
    if permission is Permission.KEYS_EXPORT:
        return lambda a: c.inventory.keys.export(tenant_id=t, product_id=s.product.id, batch_id=None, limit=10,
                                                 cursor=None, actor=a)
    if permission is Permission.REFUND:
        order_id = s.delivered()["order_id"]
        return lambda a: c.sales.refunds.refund(tenant_id=t, order_id=order_id, actor=a)
    if permission is Permission.AFTER_SALES:
        report_id = s.report()
        return lambda a: c.aftersales.reports.resolve(tenant_id=t, report_id=report_id, actor=a,
                                                      body={"action": "reject", "message": "checked"})
    if permission is Permission.SETTINGS:
        return lambda a: c.tenancy.shop_settings.update(actor=a, tenant_id=t, body={"announcement": "Matrix"})
    if permission is Permission.INTEGRATIONS:
        return lambda a: c.tenancy.api_keys.create(tenant_id=t, caller=None, actor=a,
                                                   body={"name": "matrix", "scopes": ["read"]})
    if permission is Permission.STAFF:
        return lambda a: c.tenancy.staff.invite(actor=a, tenant=s.tenant, email=f"x{secrets.token_hex(3)}@e.com",
                                                role="viewer", locale="en")
    if permission is Permission.AUDIT:
        return lambda a: c.inventory.keys.access_log(tenant_id=t, limit=10, cursor=None, actor=a)
    raise AssertionError(f"no action for {permission}: add one, so the matrix covers it")


@pytest.mark.parametrize("permission", list(Permission), ids=[p.value for p in Permission])
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_role_against_every_permission(web: Any, env: ConsoleEnv, role: Role, permission: Permission) -> None:
    s = Shop(web, env)
    action = _prepare(permission, s)
    actor = Actor.staff("usr_matrix", f"{role.value}@staff.example.com", role.value)
    before = env.snapshot(s.tenant_id)
    try:
        action(actor)
        outcome = "done"
    except DomainError as exc:
        outcome = exc.code
    if permission in MATRIX[role]:
        assert outcome == "done"
    else:
        assert outcome == "role_forbidden"
        assert env.snapshot(s.tenant_id) == before
