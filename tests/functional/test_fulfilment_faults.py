"""Every dependency call on the fulfilment path fails once in turn; retries still deliver exactly once."""

from __future__ import annotations

import time

import pytest

from chalicelib.kernel.errors import DomainError
from chalicelib.sales.domain.models import OrderStatus
from tests.support import shop
from tests.support.faults import FaultPlan, drive_to_completion, faulty_container, new_paid_order

KEYS_PER_ORDER = 1


@pytest.fixture()
def fault_shop(client):
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=700)
    keys = shop.new_keys(150, prefix="FAULT")
    shop.import_keys(client, merchant["key"], product["id"], keys)
    return merchant, product, keys


def _fulfilment_call_count(client, settings, container, fault_shop) -> int:
    merchant, product, _ = fault_shop
    _, intent_id = new_paid_order(client, settings, merchant, product)
    plan = FaultPlan(fail_at=None)
    c = faulty_container(container, plan)
    payload, signature = shop.stripe_event(settings, intent_id)
    assert drive_to_completion(c, payload, signature) == ["delivered"]
    return len(plan.calls)


@pytest.mark.parametrize("mode", ["before", "after"])
def test_each_call_failing_once_still_delivers_exactly_once(client, settings, container, fault_shop, mode):
    # given the sequence of dependency calls one delivery makes (webhook, then e-mail)
    merchant, product, keys = fault_shop
    total_calls = _fulfilment_call_count(client, settings, container, fault_shop)
    assert total_calls >= 8
    failed_labels = []
    for fail_at in range(total_calls):
        # when call number `fail_at` fails once (before it ran, or after with its answer lost)
        started, intent_id = new_paid_order(client, settings, merchant, product)
        plan = FaultPlan(fail_at=fail_at, mode=mode)
        c = faulty_container(container, plan)
        payload, signature = shop.stripe_event(settings, intent_id)
        outcomes = drive_to_completion(c, payload, signature)
        failed_labels.append(plan.failed)
        # then the order ends delivered, with exactly one key that is sold to it alone
        order = container.sales.order_store.get(tenant_id=merchant["tenant"]["id"], order_id=started["order_id"])
        assert order.status == OrderStatus.DELIVERED, (plan.failed, outcomes)
        assert len(order.keys) == KEYS_PER_ORDER
        stored = container.inventory.key_pool.read(tenant_id=order.tenant_id, product_id=order.product_id, refs=order.keys)
        assert [(s.status, s.order_id) for s in stored] == [("sold", order.id)]
        # and the buyer's e-mail went out (its outbox item is cleared)
        assert container.platform.outbox.pending(older_than=int(time.time()) + 3600, limit=1000) == []
    assert None not in failed_labels
    # finally, after expiry runs, no key is stranded in `reserved` and none was lost or sold twice
    container.sales.reservations.expire(now=int(time.time()) + 10 * 3600)
    level = container.catalog.products.stock(tenant_id=merchant["tenant"]["id"], product_id=product["id"])
    delivered = _delivered_refs(container, merchant["tenant"]["id"])
    assert level.reserved == 0
    assert level.sold == len(delivered) == len(set(delivered))
    assert level.available + level.sold == len(keys)


def _delivered_refs(container, tenant_id):
    refs = []
    cursor = None
    while True:
        page = container.sales.orders.list(tenant_id=tenant_id, limit=100, cursor=cursor)
        refs += [(o.product_id, r) for o in page.items if o.status == OrderStatus.DELIVERED for r in o.keys]
        cursor = page.next_cursor
        if cursor is None:
            return refs


@pytest.mark.parametrize("mode", ["before", "after"])
def test_buyer_return_path_with_each_call_failing_once_delivers_once(client, settings, container, fault_shop, mode):
    # given the calls the order page makes when the buyer is back before the webhook (Stripe retrieve included)
    merchant, product, _ = fault_shop
    started, _ = new_paid_order(client, settings, merchant, product)
    tenant = container.tenancy.tenant_store.get(tenant_id=merchant["tenant"]["id"])
    plan = FaultPlan(fail_at=None)
    c = faulty_container(container, plan)
    view = c.sales.orders.for_buyer(tenant=tenant, order_id=started["order_id"], token=started["order_token"])
    assert len(view.keys) == 1 and "payments.retrieve_intent" in plan.calls
    total_calls = len(plan.calls)
    for fail_at in range(total_calls):
        started, _ = new_paid_order(client, settings, merchant, product)
        plan = FaultPlan(fail_at=fail_at, mode=mode)
        c = faulty_container(container, plan)
        # when the page load hits the failure, the buyer's page simply asks again
        keys = []
        for _ in range(3):
            try:
                keys = c.sales.orders.for_buyer(tenant=tenant, order_id=started["order_id"],
                                          token=started["order_token"]).keys
                break
            except DomainError:
                continue
        # then the buyer sees exactly one key, sold to this order alone
        order = container.sales.order_store.get(tenant_id=tenant.id, order_id=started["order_id"])
        assert (order.status, len(keys), len(order.keys)) == (OrderStatus.DELIVERED, 1, 1), plan.failed
        stored = container.inventory.key_pool.read(tenant_id=tenant.id, product_id=order.product_id, refs=order.keys)
        assert [(s.status, s.order_id) for s in stored] == [("sold", order.id)]
