"""OrderStore contract: create/get, newest-first pages with exact has_more, guarded status moves, expiry."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import InvalidRequest, NotFound, StoreUnavailable
from chalicelib.sales.domain.models import Order, OrderStatus

from .conftest import Stores, token


def _five_orders(impl: Stores) -> list[Order]:
    orders = [impl.order(f"ord_{i:04d}") for i in range(1, 6)]  # ids sort by creation, as ULIDs do
    for o in reversed(orders):  # written out of order on purpose
        impl.orders.create(o)
    return orders


def test_create_then_get_returns_the_same_order(impl: Stores) -> None:
    # given a new order
    order = impl.order(keys=(), product_name="Steam 100")

    # when it is stored and read back
    impl.orders.create(order)
    got = impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id)

    # then every field survived
    assert got == order


def test_an_order_with_keys_and_without_intent_round_trips(impl: Stores) -> None:
    # given an order that already names keys and has no payment intent yet
    order = impl.order(keys=(KeyRef(2, 7), KeyRef(0, 11)), payment_intent_id=None, product_name="")

    # when it is stored and read back
    impl.orders.create(order)

    # then keys keep their order and the missing intent stays missing
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == order


def test_creating_an_existing_order_again_is_refused_and_keeps_the_first(impl: Stores) -> None:
    # given an order
    order = impl.order()
    impl.orders.create(order)

    # when an order with the same id is created again
    with pytest.raises(StoreUnavailable) as err:
        impl.orders.create(dataclasses.replace(order, amount=1, email="thief@example.test"))

    # then it is refused and the first one is untouched
    assert str(err.value) == ("the data store did not complete saving the order "
                              "(ConditionalCheckFailedException); retry the request")
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == order


def test_get_of_a_missing_or_foreign_order_is_not_found(impl: Stores) -> None:
    # given an order of this tenant
    order = impl.order()
    impl.orders.create(order)

    # when another tenant, or anyone with a wrong id, asks for it
    # then both answer exactly alike
    with pytest.raises(NotFound) as foreign:
        impl.orders.get(tenant_id=token("t"), order_id=order.id)
    with pytest.raises(NotFound) as missing:
        impl.orders.get(tenant_id=impl.tenant_id, order_id="ord_missing")
    assert (foreign.value.message, foreign.value.code) == (missing.value.message, missing.value.code) == (
        "no such order", "resource_missing")


def test_list_is_newest_first_with_cursor_pages(impl: Stores) -> None:
    # given five orders, and one of another tenant
    o1, o2, o3, o4, o5 = _five_orders(impl)
    impl.orders.create(impl.order("ord_0009", tenant_id=token("t")))

    # when they are listed two at a time
    first = impl.orders.list(tenant_id=impl.tenant_id, limit=2, cursor=None)
    second = impl.orders.list(tenant_id=impl.tenant_id, limit=2, cursor=first.next_cursor)
    third = impl.orders.list(tenant_id=impl.tenant_id, limit=2, cursor=second.next_cursor)

    # then pages go newest to oldest, and only the last says there is no more
    # (cursors are opaque: each store encodes its own listing position)
    assert (first.items, first.next_cursor is not None) == ([o5, o4], True)
    assert (second.items, second.next_cursor is not None) == ([o3, o2], True)
    assert (third.items, third.next_cursor) == ([o1], None)


def test_has_more_is_exact_when_the_page_is_just_full(impl: Stores) -> None:
    # given five orders
    o1, o2, o3, o4, o5 = _five_orders(impl)

    # when a page of exactly five, and one of four, is asked for
    exact = impl.orders.list(tenant_id=impl.tenant_id, limit=5, cursor=None)
    short = impl.orders.list(tenant_id=impl.tenant_id, limit=4, cursor=None)
    rest = impl.orders.list(tenant_id=impl.tenant_id, limit=1, cursor=short.next_cursor)

    # then the full page has no cursor, the short one has, and its next page is the last
    assert (exact.items, exact.next_cursor) == ([o5, o4, o3, o2, o1], None)
    assert (short.items, short.next_cursor is not None) == ([o5, o4, o3, o2], True)
    assert (rest.items, rest.next_cursor) == ([o1], None)


def test_list_of_a_tenant_without_orders_is_empty(impl: Stores) -> None:
    # given no orders
    # when listed
    page = impl.orders.list(tenant_id=impl.tenant_id, limit=10, cursor=None)

    # then the page is empty and final
    assert (page.items, page.next_cursor) == ([], None)


def test_a_cursor_that_is_not_ours_is_refused(impl: Stores) -> None:
    # given a cursor of the product listing shape
    bad = cursors.encode({"pk": "T#x#PRODUCTS", "sk": "p1"})

    # when it is used to list orders
    # then it is refused as a bad request
    with pytest.raises(InvalidRequest) as err:
        impl.orders.list(tenant_id=impl.tenant_id, limit=2, cursor=bad)
    assert (err.value.code, err.value.param) == ("invalid_request", "cursor")


def test_set_status_moves_only_from_allowed_states(impl: Stores) -> None:
    # given a pending order
    order = impl.order()
    impl.orders.create(order)

    # when it is failed with a reason, from pending
    moved = impl.orders.set_status(tenant_id=impl.tenant_id, order_id=order.id, status="failed",
                                   allowed_from=["pending"], now=impl.now, reason="payment_mismatch")

    # then it moved, and carries the reason
    assert moved is True
    failed = dataclasses.replace(order, status=OrderStatus.FAILED, failure_reason="payment_mismatch")
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == failed

    # when it is asked to expire from pending only
    refused = impl.orders.set_status(tenant_id=impl.tenant_id, order_id=order.id, status="expired",
                                     allowed_from=["pending"], now=impl.now + 1)

    # then it stays failed
    assert refused is False
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == failed

    # when it is refunded from failed
    assert impl.orders.set_status(tenant_id=impl.tenant_id, order_id=order.id, status="refunded",
                                  allowed_from=["failed", "expired"], now=impl.now + 2) is True

    # then the refund time is set
    assert impl.orders.get(tenant_id=impl.tenant_id, order_id=order.id) == dataclasses.replace(
        failed, status=OrderStatus.REFUNDED, refunded_at=impl.now + 2)


def test_set_status_of_a_missing_order_is_false_and_creates_nothing(impl: Stores) -> None:
    # given no order with this id
    # when its status is set
    moved = impl.orders.set_status(tenant_id=impl.tenant_id, order_id="ord_ghost", status="expired",
                                   allowed_from=["pending"], now=impl.now)

    # then nothing moved and no order appeared
    assert moved is False
    with pytest.raises(NotFound):
        impl.orders.get(tenant_id=impl.tenant_id, order_id="ord_ghost")
    assert impl.orders.list(tenant_id=impl.tenant_id, limit=10, cursor=None).items == []


def test_expired_pending_lists_pending_orders_past_their_expiry(impl: Stores) -> None:
    # given orders that expired, expire exactly now, are still open, or expired but were already paid
    now = impl.now
    lapsed = impl.order("ord_a", expires_at=now - 60)
    at_now = impl.order("ord_b", expires_at=now)
    open_ = impl.order("ord_c", expires_at=now + 600)
    paid = impl.order("ord_d", expires_at=now - 60)
    for o in (lapsed, at_now, open_, paid):
        impl.orders.create(o)
    assert impl.orders.set_status(tenant_id=impl.tenant_id, order_id=paid.id, status="paid",
                                  allowed_from=["pending"], now=now) is True

    # when the sweeper asks what is due now, and a second later
    due = impl.expired_orders(now)
    later = impl.expired_orders(now + 1)

    # then only pending orders whose time passed are listed, as they were stored
    assert due == [lapsed]
    assert sorted(o.id for o in later) == ["ord_a", "ord_b"]

    # when the lapsed one is marked expired, it leaves the list
    assert impl.orders.set_status(tenant_id=impl.tenant_id, order_id=lapsed.id, status="expired",
                                  allowed_from=["pending"], now=now) is True
    assert impl.expired_orders(now) == []
