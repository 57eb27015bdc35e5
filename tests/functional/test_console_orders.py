"""Order pages: one search box (number, e-mail, key), the full chain on one page, refund with confirmation;
role-gated; another shop's orders are not found."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.tenancy.domain.roles import SYSTEM
from chalicelib.wiring.jobs import handle_outbox_batch
from tests.support import shop
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _sold(web: Any, env: ConsoleEnv, tenant_id: str, email: str = "buyer@example.com") -> tuple[str, str]:
    """A product with keys, one order delivered to `email` and its outbox handled; the order id and its key."""
    slug = env.c.tenancy.tenants.get(tenant_id=tenant_id).slug
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                            body={"name": "Gift card", "price": 800, "currency": "usd"})
    env.c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=product.id,
                                           body={"keys": shop.new_keys(3, prefix="ORD")},
                                           content_type="application/json")
    started = shop.delivered_order(web, env.settings, slug, product.id, email=email)
    page = web.http.get(f"/s/{slug}/orders/{started['order_id']}?token={started['order_token']}",
                        headers={"Accept": "application/json"})
    key = json.loads(page.body)["keys"][0]
    now = env.c.platform.clock.now()
    pending = [m for m in env.c.platform.outbox.pending(older_than=now + 3600, limit=1000)
               if m.order_id == started["order_id"]]
    assert handle_outbox_batch(pending) == {}
    return started["order_id"], key


def test_one_box_finds_by_number_email_and_key(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    order_id, key = _sold(web, env, tenant_id, email="Finder@Example.com")
    for q in (order_id, "finder@example.com", key, f"  {key}  "):
        r = owner.get("/console/orders?" + urlencode({"q": q}))
        assert r.status_code == 200
        assert f'data-order="{order_id}"' in r.body.decode(), q
    miss = owner.get("/console/orders?q=NOT-A-KEY-WE-SOLD").body.decode()
    assert 'id="no-orders"' in miss
    listed = owner.get("/console/orders?status=delivered").body.decode()
    assert f'data-order="{order_id}"' in listed


def test_the_chain_shows_every_step_and_a_refund_needs_confirming(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, email = owner_of_new_shop(web, env)
    order_id, _ = _sold(web, env, tenant_id)
    page = owner.get(f"/console/orders/{order_id}")
    assert page.status_code == 200
    kinds = re.findall(r'<li data-kind="(\w+)"', page.body.decode())
    assert kinds[:4] == ["created", "reserved", "paid", "delivered"]
    assert kinds.count("event") == 3  # order.created, order.paid, order.delivered
    # the buyer's e-mail with the keys, once the worker sent it, with its time
    assert kinds.count("mailed_delivered") == 1
    assert "E-mail with the keys sent to buyer@example.com" in page.body.decode()
    mailed_at = env.c.platform.outbox.mailed(tenant_id=tenant_id, outbox_ids=[f"obx_{order_id}_order_delivered"])
    assert list(mailed_at) == [f"obx_{order_id}_order_delivered"]
    # a refund asks first
    first = owner.post(f"/console/orders/{order_id}/refund", {}, csrf=csrf_of(page))
    assert first.status_code == 303 and first.headers["Location"] == f"/console/orders/{order_id}?refund=confirm"
    assert env.c.sales.orders.get(tenant_id=tenant_id, order_id=order_id).status.value == "delivered"
    confirm = owner.get(first.headers["Location"])
    assert "This cannot be undone" in confirm.body.decode()
    done = owner.post(f"/console/orders/{order_id}/refund", {"confirm": "yes"}, csrf=csrf_of(confirm))
    assert done.status_code == 303
    assert env.c.sales.orders.get(tenant_id=tenant_id, order_id=order_id).status.value == "refunded"
    after = owner.get(f"/console/orders/{order_id}?done=refunded").body.decode()
    assert 'data-kind="refunded"' in after and f"{email}: order.refunded" in after
    assert 'data-kind="mailed_refunded"' not in after  # not sent yet: the worker has not run
    now = env.c.platform.clock.now()
    assert handle_outbox_batch([m for m in env.c.platform.outbox.pending(older_than=now + 3600, limit=1000)
                                if m.order_id == order_id]) == {}
    mailed = owner.get(f"/console/orders/{order_id}").body.decode()
    assert re.findall(r'<li data-kind="(mailed_\w+)"', mailed) == ["mailed_delivered", "mailed_refunded"]
    assert "Refund e-mail sent to buyer@example.com" in mailed


def test_who_may_refund(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    for role, allowed in (("viewer", False), ("operator", False), ("finance", True)):
        order_id, _ = _sold(web, env, tenant_id, email=f"{role}@buyers.example.com")
        member, _ = joined(web, env, owner, role)
        page = member.get(f"/console/orders/{order_id}")
        assert page.status_code == 200
        r = member.post(f"/console/orders/{order_id}/refund", {"confirm": "yes"}, csrf=csrf_of(page))
        assert r.status_code == (303 if allowed else 403), role
        status = env.c.sales.orders.get(tenant_id=tenant_id, order_id=order_id).status.value
        assert status == ("refunded" if allowed else "delivered")


def test_another_shops_order_is_not_found_and_not_refunded(web: Any, env: ConsoleEnv) -> None:
    _, tenant_a, _ = owner_of_new_shop(web, env)
    order_id, key = _sold(web, env, tenant_a)
    owner_b, _, _ = owner_of_new_shop(web, env)
    assert owner_b.get(f"/console/orders/{order_id}").status_code == 404
    assert f'data-order="{order_id}"' not in owner_b.get(f"/console/orders?q={order_id}").body.decode()
    assert f'data-order="{order_id}"' not in owner_b.get(f"/console/orders?q={key}").body.decode()
    r = owner_b.post(f"/console/orders/{order_id}/refund", {"confirm": "yes"}, csrf=csrf_of(owner_b.get("/console")))
    assert r.status_code == 404
    assert env.c.sales.orders.get(tenant_id=tenant_a, order_id=order_id).status.value == "delivered"


def test_customers_list_and_one_customers_orders(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    order_id, _ = _sold(web, env, tenant_id, email="loyal@example.com")
    listed = owner.get("/console/customers").body.decode()
    found = re.search(r'data-customer="(cus_[^"]+)"><td><a href="/console/customers/\1">loyal@example.com</a></td>'
                      r'<td class="num">1</td>\s*<td class="num">\$8.00 </td>', listed)
    assert found, listed[-3000:]
    page = owner.get(f"/console/customers/{found.group(1)}")
    assert page.status_code == 200 and f'data-order="{order_id}"' in page.body.decode()
    owner_b, _, _ = owner_of_new_shop(web, env)
    assert owner_b.get(f"/console/customers/{found.group(1)}").status_code == 404
    assert "loyal@example.com" not in owner_b.get("/console/customers").body.decode()
