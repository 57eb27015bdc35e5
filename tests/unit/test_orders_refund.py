"""RefundService against fakes: the order of the steps makes every retry safe."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import Conflict, StoreUnavailable
from chalicelib.kernel.ids import new_id
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.service.refunds import RefundService
from chalicelib.tenancy.domain.models import Tenant
from tests.fakes import FakeOrderStore, FakeOutbox, FakePayments, FakeQueue, FakeTenantStore, FixedClock
from tests.fakes_sales import FakeKeyVoider, FakeRefundLedger

T = "ten_one"


class World:
    def __init__(self) -> None:
        self.clock = FixedClock()
        self.tenants, self.orders, self.outbox = FakeTenantStore(), FakeOrderStore(), FakeOutbox()
        self.payments, self.keys, self.queue = FakePayments(clock=self.clock), FakeKeyVoider(), FakeQueue()
        self.ledger = FakeRefundLedger(orders=self.orders, outbox=self.outbox)
        self.tenants.tenants[T] = Tenant(id=T, slug="one", name="One", email="o@x.test", plan="starter",
                                         branch_key_id="bk", fingerprint_key_ciphertext=b"x", created_at=1)
        self.service = RefundService(tenants=self.tenants, orders=self.orders, payments=self.payments,
                                     keys=self.keys, ledger=self.ledger, queue=self.queue, clock=self.clock)

    def order(self, status: OrderStatus) -> Order:
        o = Order(tenant_id=T, id=new_id("order"), status=status, product_id="prd_a", quantity=2, amount=1000,
                  currency="usd", email="b@x.test", token_hash="h", created_at=1, expires_at=901,
                  keys=(KeyRef(0, 1), KeyRef(1, 4)), payment_intent_id="pi_1")
        self.orders.orders[(T, o.id)] = o
        return o


@pytest.fixture()
def w() -> World:
    return World()


def test_a_lost_store_write_is_finished_by_the_retry_with_one_refund_key(w: World) -> None:
    # given a delivered order, and a store that loses the first refund write
    order = w.order(OrderStatus.DELIVERED)
    w.ledger.fail_next = 1

    # when the refund fails part-way and is retried
    with pytest.raises(StoreUnavailable):
        w.service.refund(tenant_id=T, order_id=order.id)
    assert w.orders.get(tenant_id=T, order_id=order.id).status == OrderStatus.DELIVERED
    done = w.service.refund(tenant_id=T, order_id=order.id)

    # then the order is refunded, the gateway was asked twice with the same idempotency key,
    # both keys are void, one message was queued
    assert (done.status, done.refunded_at, done.failure_reason) == (OrderStatus.REFUNDED, w.clock.now(),
                                                                    "merchant_refund")
    assert w.payments.refunds == [(T, "pi_1", f"refund_{order.id}")] * 2
    assert w.keys.void_refs == {(T, "prd_a", KeyRef(0, 1)): "refund", (T, "prd_a", KeyRef(1, 4)): "refund"}
    assert [(q["kind"], q["order_id"]) for q in w.queue.sent] == [("order_refunded", order.id)]


def test_a_second_refund_answers_the_refunded_order_and_calls_no_one(w: World) -> None:
    # given a refunded order
    order = w.order(OrderStatus.DELIVERED)
    first = w.service.refund(tenant_id=T, order_id=order.id)

    # when it is refunded again
    again = w.service.refund(tenant_id=T, order_id=order.id)

    # then the answer is the same order and nothing more happened
    assert again == first
    assert len(w.payments.refunds) == 1 and len(w.queue.sent) == 1


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.EXPIRED, OrderStatus.FAILED])
def test_an_unpaid_order_is_refused_and_untouched(w: World, status: OrderStatus) -> None:
    # given an order that was never paid
    order = w.order(status)

    # when it is refunded
    with pytest.raises(Conflict) as err:
        w.service.refund(tenant_id=T, order_id=order.id)

    # then the refusal is clear and nothing was called or changed
    assert (err.value.code, err.value.param) == ("order_not_refundable", "order_id")
    assert w.orders.get(tenant_id=T, order_id=order.id) == dataclasses.replace(order)
    assert (w.payments.refunds, w.keys.void_refs, w.queue.sent) == ([], {}, [])
