"""The console's orders held for review: listed with score, reasons and time left in the merchant's words; approved
(payable, the buyer mailed), rejected (keys back), or rejected with the buyer blocked; roles and shops kept apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.sales.domain.models import OrderStatus
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _held(web: Any, env: ConsoleEnv, tenant_id: str, n: int = 1) -> list[str]:
    """`n` orders the shop's rules hold: a throwaway address scores 80 (review from 75) under these rules."""
    env.c.risk.risk_rules.update(actor=SYSTEM, tenant_id=tenant_id, body={"enabled": True, "points": {"disposable_email": 80}})
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id, body={
        "name": "Held card", "price": 1500, "currency": "usd"})
    env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=product.id,
                                           content_type="application/json", body={"keys": shop.new_keys(5)})
    tenant = env.c.tenancy.tenants.get(tenant_id=tenant_id)
    ids = []
    for i in range(n):
        r = shop.call(web, "POST", f"/s/{tenant.slug}/checkout", {
            "product_id": product.id, "email": f"held{i}@mailinator.com",
            "device": env.c.risk.risk_engine.issue_device(tenant)})
        assert json.loads(r.body)["status"] == "review", r.body
        ids.append(json.loads(r.body)["order_id"])
    return ids


def test_the_queue_lists_held_orders_and_approve_reject_and_block_do_what_they_say(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    empty = owner.get("/console/orders/review")
    assert empty.status_code == 200 and "No order is waiting for review." in empty.body.decode()
    first, second, third = _held(web, env, tenant_id, 3)
    page = owner.get("/console/orders/review")
    body = page.body.decode()
    row = body[body.index(f'data-order="{first}"'):].split("</tr>")[0]
    assert "held0@mailinator.com" in row and "<strong>80</strong>" in row and "Throwaway e-mail address (+80)" in row
    assert ">24 h<" in row  # the hold: review_hours (24) from the checkout, on the console's fixed clock
    # approve: payable now; a second approval says it is no longer in review
    approved = owner.post(f"/console/orders/review/{first}/approve", {}, csrf=csrf_of(page))
    assert approved.headers["Location"] == "/console/orders/review?done=approved"
    order = env.c.sales.order_store.get(tenant_id=tenant_id, order_id=first)
    assert order.status == OrderStatus.PENDING and order.payment_intent_id
    again = owner.post(f"/console/orders/review/{first}/approve", {}, csrf=csrf_of(page))
    assert again.status_code == 409 and "not in review" in again.body.decode()
    # reject: ended, its key back on sale
    owner.post(f"/console/orders/review/{second}/reject", {}, csrf=csrf_of(page))
    assert env.c.sales.order_store.get(tenant_id=tenant_id, order_id=second).status == OrderStatus.REJECTED
    # block: rejected and the e-mail on the blocklist
    blocked = owner.post(f"/console/orders/review/{third}/block", {}, csrf=csrf_of(page))
    assert blocked.headers["Location"] == "/console/orders/review?done=blocked"
    assert env.c.risk.risk_rules.get(actor=SYSTEM, tenant_id=tenant_id).blocked_emails == ("held2@mailinator.com",)
    assert env.c.sales.order_store.get(tenant_id=tenant_id, order_id=third).status == OrderStatus.REJECTED
    # and the order's full chain shows the decision, its reasons and the rejection
    chain = owner.get(f"/console/orders/{second}").body.decode()
    assert "Risk check: held for review before payment (score 80)" in chain
    assert "Throwaway e-mail address (+80)" in chain
    assert "Rejected in review: keys back in stock, nothing charged" in chain
    # the page is in Chinese too
    zh = owner.get("/console/orders/review?lang=zh-CN").body.decode()
    assert "待审核订单" in zh


def test_a_viewer_reads_the_queue_and_another_shop_cannot_touch_it(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    (held,) = _held(web, env, tenant_id)
    viewer, _ = joined(web, env, owner, "viewer")
    page = viewer.get("/console/orders/review")
    assert f'data-order="{held}"' in page.body.decode() and "/approve" not in page.body.decode()
    assert viewer.post(f"/console/orders/review/{held}/approve", {}, csrf=csrf_of(page)).status_code == 403
    intruder, _, _ = owner_of_new_shop(web, env)
    theirs = intruder.get("/console/orders/review")
    assert held not in theirs.body.decode()
    for action in ("approve", "reject", "block"):
        r = intruder.post(f"/console/orders/review/{held}/{action}", {}, csrf=csrf_of(theirs))
        assert r.status_code == 404, (action, r.status_code)
    assert env.c.sales.order_store.get(tenant_id=tenant_id, order_id=held).status == OrderStatus.REVIEW
