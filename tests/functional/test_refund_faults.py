"""The late-payment refund path with every dependency call failing once in turn: refunded exactly once.

Its own module so the suite's parallel runner can run it beside the other fault paths."""

from __future__ import annotations

import time

import pytest

from chalicelib.sales.domain.models import OrderStatus
from tests.support import shop
from tests.support.faults import FaultPlan, drive_to_completion, faulty_container, new_paid_order


def _refund_scenario(client, settings, container, merchant=None):
    """A payment lands after its only key was resold: it must be refunded exactly once. Each scenario has its
    own one-key product; the shop is shared (a sign-up costs an argon2 hash and a branch key)."""
    merchant = merchant or shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=800)
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(1, prefix="LAST"))
    late, late_intent = new_paid_order(client, settings, merchant, product)
    container.sales.reservations.expire(now=int(time.time()) + 10 * 3600)
    _, other_intent = new_paid_order(client, settings, merchant, product)
    shop.post_event(client, *shop.stripe_event(settings, other_intent))
    return merchant, late, late_intent


@pytest.mark.parametrize("mode", ["before", "after"])
def test_refund_path_with_each_call_failing_once_refunds_exactly_once(client, settings, container, mode):
    # given the number of dependency calls a late payment with nothing left makes (webhook, refund, mail)
    merchant, _, intent_id = _refund_scenario(client, settings, container)
    plan = FaultPlan(fail_at=None)
    assert drive_to_completion(faulty_container(container, plan), *shop.stripe_event(settings, intent_id)) == [
        "refunded"]
    total_calls = len(plan.calls)
    assert "payments.refund" in plan.calls
    for fail_at in range(total_calls):
        merchant, late, intent_id = _refund_scenario(client, settings, container, merchant)
        # when call number `fail_at` fails once
        plan = FaultPlan(fail_at=fail_at, mode=mode)
        drive_to_completion(faulty_container(container, plan), *shop.stripe_event(settings, intent_id))
        # then the order is refunded once at Stripe, and nothing was oversold
        order = container.sales.order_store.get(tenant_id=merchant["tenant"]["id"], order_id=late["order_id"])
        assert order.status == OrderStatus.REFUNDED, plan.failed
        refunds = shop.stripe_client(settings).v1.refunds.list(params={"payment_intent": intent_id}).data
        assert len(refunds) == 1, plan.failed
        level = container.catalog.products.stock(tenant_id=merchant["tenant"]["id"], product_id=order.product_id)
        assert (level.available, level.sold) == (0, 1)
