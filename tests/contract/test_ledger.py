"""SaleLedger contract: reserved keys turn sold with the order delivered, once, or not at all."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.inventory.domain.models import KeyRef, StockLevel
from chalicelib.kernel.errors import ReservationLost, StoreUnavailable
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus

from .conftest import Stores, token


def _reserved_order(impl: Stores, *, keys: int = 2, stock: int = 3) -> tuple[Order, list[KeyRef]]:
    impl.fill(n=stock)
    order = impl.order(quantity=keys)
    impl.orders.create(order)
    refs = impl.claim(order.id, keys)
    assert len(refs) == keys
    return order, refs


def test_deliver_sells_the_keys_delivers_the_order_and_writes_the_outbox(impl: Stores) -> None:
    # given a pending order with two reserved keys
    order, refs = _reserved_order(impl)
    event, at = token("evt_"), impl.now + 30
    message = impl.message(order.id)

    # when its payment event is delivered
    delivered = impl.ledger.deliver(order=order, refs=refs, event_id=event, now=at, outbox=message)

    # then the keys are sold, the order delivered with them, the event seen and the e-mail queued
    assert delivered is True
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == dataclasses.replace(
        order, status=OrderStatus.DELIVERED, paid_at=at, delivered_at=at, keys=tuple(refs))
    assert impl.statuses(refs) == [(r, "sold", order.id) for r in refs]
    assert impl.stock() == StockLevel(available=1, reserved=0, sold=2)
    assert impl.ledger.event_seen(event) is True
    assert impl.pending_messages(at + 1) == [OutboxMessage(impl.tenant_id, message.id, message.kind, order.id, at)]
    assert impl.expired_reservations(impl.now + 10_000) == []
    assert impl.expired_orders(impl.now + 10_000) == []


def test_deliver_happens_once_per_event_and_once_per_order(impl: Stores) -> None:
    # given an order already delivered by event 1
    order, refs = _reserved_order(impl)
    first = token("evt_")
    assert impl.ledger.deliver(order=order, refs=refs, event_id=first, now=impl.now,
                               outbox=impl.message(order.id)) is True
    after = impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id)

    # when event 1 arrives again, and then another event for the same order
    again = impl.ledger.deliver(order=order, refs=refs, event_id=first, now=impl.now + 5,
                                outbox=impl.message(order.id))
    other_event = token("evt_")
    other = impl.ledger.deliver(order=order, refs=refs, event_id=other_event, now=impl.now + 9,
                                outbox=impl.message(order.id))

    # then neither delivers, and nothing changed: order, stock, events, outbox
    assert (again, other) == (False, False)
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == after
    assert impl.stock() == StockLevel(available=1, reserved=0, sold=2)
    assert impl.ledger.event_seen(other_event) is False
    assert len(impl.pending_messages(impl.now + 100)) == 1


def test_deliver_refuses_a_payment_for_another_intent(impl: Stores) -> None:
    # given a pending order with reserved keys
    order, refs = _reserved_order(impl)
    event = token("evt_")

    # when an event arrives whose intent is not the order's
    delivered = impl.ledger.deliver(order=dataclasses.replace(order, payment_intent_id="pi_stranger"), refs=refs,
                                    event_id=event, now=impl.now, outbox=impl.message(order.id))

    # then nothing is delivered and nothing changed
    assert delivered is False
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == order
    assert impl.statuses(refs) == [(r, "reserved", order.id) for r in refs]
    assert impl.stock() == StockLevel(available=1, reserved=2, sold=0)
    assert impl.ledger.event_seen(event) is False
    assert impl.pending_messages(impl.now + 100) == []


def test_deliver_raises_reservation_lost_when_a_key_was_released(impl: Stores) -> None:
    # given an order whose second key was released (its reservation lapsed)
    order, refs = _reserved_order(impl)
    assert impl.release(order.id, refs[1:]) == 1
    event = token("evt_")

    # when its payment is delivered with the original keys
    with pytest.raises(ReservationLost) as err:
        impl.ledger.deliver(order=order, refs=refs, event_id=event, now=impl.now, outbox=impl.message(order.id))

    # then nothing of the sale was written: order pending, key still reserved, no event, no outbox
    assert err.value.code == "reservation_lost"
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == order
    assert impl.statuses(refs) == [(refs[0], "reserved", order.id), (refs[1], "released", order.id)]
    assert impl.stock() == StockLevel(available=2, reserved=1, sold=0)
    assert impl.ledger.event_seen(event) is False
    assert impl.pending_messages(impl.now + 100) == []


def test_deliver_raises_reservation_lost_for_a_key_reserved_for_another_order(impl: Stores) -> None:
    # given two pending orders, each with one reserved key
    order, [mine] = _reserved_order(impl, keys=1)
    [theirs] = impl.claim("o-other", 1)
    event = token("evt_")

    # when the first order's payment names the other order's key
    with pytest.raises(ReservationLost):
        impl.ledger.deliver(order=order, refs=[theirs], event_id=event, now=impl.now, outbox=impl.message(order.id))

    # then nothing was sold
    assert impl.statuses([mine, theirs]) == [(mine, "reserved", order.id), (theirs, "reserved", "o-other")]
    assert impl.stock() == StockLevel(available=1, reserved=2, sold=0)
    assert impl.ledger.event_seen(event) is False


def test_a_late_payment_on_an_expired_order_still_delivers(impl: Stores) -> None:
    # given an order marked expired whose keys are still reserved for it
    order, refs = _reserved_order(impl, keys=1)
    assert impl.orders.set_status(tenant_id=impl.tenant_id, order_id=order.id, status="expired",
                                  allowed_from=["pending"], now=impl.now) is True

    # when its payment arrives
    delivered = impl.ledger.deliver(order=order, refs=refs, event_id=token("evt_"), now=impl.now,
                                    outbox=impl.message(order.id))

    # then it is delivered (expired is payable)
    assert delivered is True
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id).status is OrderStatus.DELIVERED


def test_record_event_is_true_once(impl: Stores) -> None:
    # given an event id never seen
    event = token("evt_")
    assert impl.ledger.event_seen(event) is False

    # when it is recorded twice
    first = impl.ledger.record_event(event_id=event, kind="refunded", now=impl.now, note="o-1")
    second = impl.ledger.record_event(event_id=event, kind="refunded", now=impl.now + 1, note="o-1")

    # then only the first records it
    assert (first, second) == (True, False)
    assert impl.ledger.event_seen(event) is True


def test_a_recorded_event_no_longer_delivers(impl: Stores) -> None:
    # given an event id already recorded (e.g. handled as a mismatch)
    order, refs = _reserved_order(impl, keys=1)
    event = token("evt_")
    assert impl.ledger.record_event(event_id=event, kind="mismatch", now=impl.now, note=order.id) is True

    # when the same event is delivered
    delivered = impl.ledger.deliver(order=order, refs=refs, event_id=event, now=impl.now,
                                    outbox=impl.message(order.id))

    # then nothing happens
    assert delivered is False
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == order
    assert impl.stock() == StockLevel(available=2, reserved=1, sold=0)


def test_deliver_for_an_order_that_was_never_stored_is_false(impl: Stores) -> None:
    # given keys reserved under an order id that has no order item
    impl.fill(n=2)
    ghost = impl.order()
    refs = impl.claim(ghost.id, 1)
    event = token("evt_")

    # when a payment for it is delivered
    delivered = impl.ledger.deliver(order=ghost, refs=refs, event_id=event, now=impl.now,
                                    outbox=impl.message(ghost.id))

    # then nothing is delivered or sold, and no order appeared
    assert delivered is False
    assert impl.statuses(refs) == [(refs[0], "reserved", ghost.id)]
    assert impl.stock() == StockLevel(available=1, reserved=1, sold=0)
    assert impl.ledger.event_seen(event) is False
    assert impl.orders.list(tenant_id=impl.tenant_id, limit=10, cursor=None).items == []


def test_deliver_with_the_same_key_twice_is_refused_by_the_store(impl: Stores) -> None:
    # given a pending order with one reserved key
    order, [ref] = _reserved_order(impl, keys=1)
    event = token("evt_")

    # when the sale names that key twice (DynamoDB refuses two operations on one item)
    with pytest.raises(StoreUnavailable):
        impl.ledger.deliver(order=order, refs=[ref, ref], event_id=event, now=impl.now,
                            outbox=impl.message(order.id))

    # then nothing was written
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == order
    assert impl.statuses([ref]) == [(ref, "reserved", order.id)]
    assert impl.stock() == StockLevel(available=2, reserved=1, sold=0)
    assert impl.ledger.event_seen(event) is False
