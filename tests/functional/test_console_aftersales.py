"""The after-sales queue: reports the policy did not replace wait here; replace, refund or reject with a message;
an operator resolves but does not refund; another shop's reports are not found."""

from __future__ import annotations

import json
import re
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


def _reported(web: Any, env: ConsoleEnv, tenant_id: str, email: str) -> tuple[str, str]:
    """A delivered order of a product that never replaces by itself, its first key reported; (order, report)."""
    slug = env.c.tenancy.tenants.get(tenant_id=tenant_id).slug
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
        "name": "Manual card", "price": 600, "currency": "usd", "auto_replace": False})
    env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=product.id,
                                           body={"keys": shop.new_keys(4, prefix="AS")},
                                           content_type="application/json")
    started = shop.delivered_order(web, env.settings, slug, product.id, email=email)
    r = shop.call(web, "POST", f"/s/{slug}/orders/{started['order_id']}/reports",
                  {"token": started["order_token"], "key_index": 0, "reason": "invalid"})
    assert r.status_code == 201, r.body
    body = json.loads(r.body)
    assert body["status"] == "open"
    return started["order_id"], body["id"]


def test_the_queue_shows_waiting_reports_and_resolves_them(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    order_id, report_id = _reported(web, env, tenant_id, "as1@example.com")
    env.clock.advance(125)
    page = owner.get("/console/reports")
    text = page.body.decode()
    assert f'data-report="{report_id}"' in text and "Waiting for 2 minutes" in text
    assert re.search(r'id="open-count">1<', text)
    r = owner.post(f"/console/reports/{report_id}/resolve", {"action": "replace", "message": "Here is a new one"},
                   csrf=csrf_of(page))
    assert r.status_code == 303 and r.headers["Location"] == "/console/reports?done=replace"
    report = env.c.aftersales.reports.get(tenant_id=tenant_id, report_id=report_id)
    assert (report.status, report.resolution, report.message) == ("resolved", "replaced", "Here is a new one")
    assert len(env.c.sales.orders.get(tenant_id=tenant_id, order_id=order_id).keys) == 2
    again = owner.post(f"/console/reports/{report_id}/resolve", {"action": "reject"}, csrf=csrf_of(page))
    assert again.status_code == 409 and "already closed" in again.body.decode()


def test_an_operator_resolves_but_does_not_refund(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    order_id, report_id = _reported(web, env, tenant_id, "as2@example.com")
    operator, _ = joined(web, env, owner, "operator")
    page = operator.get("/console/reports")
    assert '<option value="refund">' not in page.body.decode()
    r = operator.post(f"/console/reports/{report_id}/resolve", {"action": "refund"}, csrf=csrf_of(page))
    assert r.status_code == 403
    assert env.c.aftersales.reports.get(tenant_id=tenant_id, report_id=report_id).status == "open"
    assert env.c.sales.orders.get(tenant_id=tenant_id, order_id=order_id).status.value == "delivered"
    viewer, _ = joined(web, env, owner, "viewer")
    assert viewer.post(f"/console/reports/{report_id}/resolve", {"action": "reject"},
                       csrf=csrf_of(viewer.get("/console/reports"))).status_code == 403
    ok = operator.post(f"/console/reports/{report_id}/resolve", {"action": "reject", "message": "It works"},
                       csrf=csrf_of(page))
    assert ok.status_code == 303
    assert env.c.aftersales.reports.get(tenant_id=tenant_id, report_id=report_id).status == "rejected"


def test_another_shops_report_is_not_found(web: Any, env: ConsoleEnv) -> None:
    _, tenant_a, _ = owner_of_new_shop(web, env)
    _, report_id = _reported(web, env, tenant_a, "as3@example.com")
    owner_b, _, _ = owner_of_new_shop(web, env)
    assert report_id not in owner_b.get("/console/reports").body.decode()
    r = owner_b.post(f"/console/reports/{report_id}/resolve", {"action": "reject"},
                     csrf=csrf_of(owner_b.get("/console")))
    assert r.status_code == 404
    assert env.c.aftersales.reports.get(tenant_id=tenant_a, report_id=report_id).status == "open"
