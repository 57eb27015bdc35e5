"""The customer store counts each delivery once, in two requests, with first/last order times right in any order."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from chalicelib.kernel.errors import NotFound, StoreUnavailable
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import Customer, customer_id
from chalicelib.sales.store.customers import CustomerItem, DynamoCustomerStore

T0 = 1_700_000_000


def _buyer() -> tuple[str, str]:
    return f"ten_{secrets.token_hex(6)}", f"b{secrets.token_hex(4)}@example.com"


def _order(container: Any, tenant_id: str, email: str, created_at: int, *, amount: int = 500,
           stored: bool = True) -> Order:
    """A delivered order; stored through the order store, which writes the buyer's entry with it."""
    order = Order(tenant_id=tenant_id, id=new_id("order"), status=OrderStatus.DELIVERED, product_id="prd_a",
                  quantity=1, amount=amount, currency="usd", email=email, token_hash="h", created_at=created_at,
                  expires_at=created_at + 900)
    if stored:
        container.sales.order_store.create(order)
    return order


def _customer(store: DynamoCustomerStore, tenant_id: str, email: str) -> Customer:
    return store.get(tenant_id=tenant_id, customer_id=customer_id(tenant_id, email))


def _expected(tenant_id: str, email: str, *, orders: int, spent: int, first: int, last: int,
              refunded: int = 0) -> Customer:
    return Customer(tenant_id=tenant_id, id=customer_id(tenant_id, email), email=email, orders=orders,
                    total_spent={"usd": spent}, total_refunded={"usd": refunded} if refunded else {},
                    refunds=1 if refunded else 0, first_order_at=first, last_order_at=last)


class Requests:
    """Requests the moto server handled (by `service:Operation`) since this was made."""

    def __init__(self, moto_url: str) -> None:
        self._url = f"{moto_url}/_devstack/requests"
        self._before = self._read()

    def _read(self) -> Counter[str]:
        return Counter(requests.get(self._url, timeout=5).json())

    def since(self) -> dict[str, int]:
        return dict(self._read() - self._before)


class Interleaved(DynamoCustomerStore):
    """A store whose counts let other handlers run between their two steps: before each attempt's
    transaction, the next of `meanwhile` (another handler's whole count) runs, while any are left."""

    def __init__(self, *meanwhile: Callable[[], object]) -> None:
        self.meanwhile = list(meanwhile)

    def _ensure_customer(self, order: Order) -> CustomerItem:
        seen = super()._ensure_customer(order)
        if self.meanwhile:
            self.meanwhile.pop(0)()
        return seen


def test_the_same_delivery_counted_twice_counts_once(container):
    # given a delivered order of a new buyer
    store = DynamoCustomerStore()
    tenant_id, email = _buyer()
    order = _order(container, tenant_id, email, T0, amount=700)

    # when its delivery is counted twice
    results = [store.count_delivery(order), store.count_delivery(order)]

    # then only the first call counted it, and the totals hold it once
    assert results == [True, False]
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=1, spent=700, first=T0, last=T0)


def test_deliveries_out_of_creation_order_end_at_the_earliest_and_latest_order(container):
    # given three orders of one buyer, created at T0, T0+100 and T0+200
    store = DynamoCustomerStore()
    tenant_id, email = _buyer()
    early, middle, late = (_order(container, tenant_id, email, T0 + d) for d in (0, 100, 200))

    # when their deliveries are counted middle, late, early
    results = [store.count_delivery(o) for o in (middle, late, early)]

    # then each is counted, and first/last are the earliest and latest creation times
    assert results == [True, True, True]
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=3, spent=1500, first=T0,
                                                           last=T0 + 200)


def test_an_order_refunded_before_its_delivery_was_counted_is_not_counted_again(container, moto_server):
    # given a delivered order refunded before its delivery message was handled (the refund counts it)
    store = DynamoCustomerStore()
    tenant_id, email = _buyer()
    order = _order(container, tenant_id, email, T0, amount=300)
    message = OutboxMessage(tenant_id, new_id("outbox"), "order_refunded", order.id, T0 + 60)
    assert container.sales.refund_ledger.mark_refunded(order=order, now=T0 + 60, reason="merchant_refund",
                                                       outbox=message) is True

    # when the delivery is counted
    seen = Requests(moto_server.url)
    counted = store.count_delivery(order)

    # then it counts nothing, in two requests, and the order is one paid and refunded order
    assert counted is False
    assert seen.since() == {"dynamodb:UpdateItem": 1, "dynamodb:TransactWriteItems": 1}
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=1, spent=0, refunded=300,
                                                           first=T0, last=T0)


def test_a_counted_delivery_takes_two_requests(container, moto_server):
    # given two delivered orders of a new buyer
    store = DynamoCustomerStore()
    tenant_id, email = _buyer()
    first, second = _order(container, tenant_id, email, T0), _order(container, tenant_id, email, T0 + 50)

    # when each delivery is counted, the buyer's first and a later one
    made = []
    for order in (first, second):
        seen = Requests(moto_server.url)
        assert store.count_delivery(order) is True
        made.append(seen.since())

    # then each count made one UpdateItem and one TransactWriteItems, nothing else
    assert made == [{"dynamodb:UpdateItem": 1, "dynamodb:TransactWriteItems": 1}] * 2
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=2, spent=1000, first=T0,
                                                           last=T0 + 50)


def test_a_first_order_time_moved_between_the_two_steps_is_seen_on_the_next_attempt(container, moto_server):
    # given a buyer with one order counted at T0, and an earlier order at T0-100 to count
    tenant_id, email = _buyer()
    DynamoCustomerStore().count_delivery(_order(container, tenant_id, email, T0))
    earlier, earliest = (_order(container, tenant_id, email, T0 - d) for d in (100, 200))
    # and the count of an even earlier order, at T0-200, landing between the two steps
    store = Interleaved(lambda: DynamoCustomerStore().count_delivery(earliest))

    # when the earlier order's delivery is counted
    seen = Requests(moto_server.url)
    counted = store.count_delivery(earlier)

    # then its first transaction was refused, and the second counted it without moving the first order time
    assert counted is True
    assert seen.since() == {"dynamodb:UpdateItem": 1 + 2, "dynamodb:TransactWriteItems": 1 + 2}
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=3, spent=1500,
                                                           first=T0 - 200, last=T0)


def test_counts_landing_between_the_steps_of_two_attempts_still_count_within_three(container, moto_server):
    # given a new buyer's order at T0, and the counts of orders at T0+100 and T0-100 landing between the
    # two steps of its first and second attempt
    tenant_id, email = _buyer()
    order, later, earlier = (_order(container, tenant_id, email, T0 + d) for d in (0, 100, -100))
    store = Interleaved(lambda: DynamoCustomerStore().count_delivery(later),
                        lambda: DynamoCustomerStore().count_delivery(earlier))

    # when the order's delivery is counted
    seen = Requests(moto_server.url)
    counted = store.count_delivery(order)

    # then the third attempt counted it (each landing moved a time this order was moving), and all three
    # orders are counted once with the earliest and latest times
    assert counted is True
    assert seen.since() == {"dynamodb:UpdateItem": 3 + 2, "dynamodb:TransactWriteItems": 3 + 2}
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=3, spent=1500,
                                                           first=T0 - 100, last=T0 + 100)


def test_a_count_whose_aggregate_keeps_going_gives_up_after_three_attempts(container):
    # given a new buyer's order, and between the steps of every attempt the handler of an order of the
    # same buyer that has no entry (it removes the empty aggregate it finds, see the last test)
    tenant_id, email = _buyer()
    order = _order(container, tenant_id, email, T0)
    entryless = [_order(container, tenant_id, email, T0 + 1, stored=False) for _ in range(3)]
    store = Interleaved(*[lambda o=o: DynamoCustomerStore().count_delivery(o) for o in entryless])

    # when the order's delivery is counted
    with pytest.raises(StoreUnavailable) as raised:
        store.count_delivery(order)

    # then it is a retryable store error, nothing was counted, and the retry counts the order
    assert str(raised.value) == ("the data store did not complete counting the order for its customer "
                                 "(RuntimeError); retry the request")
    with pytest.raises(NotFound):
        _customer(store, tenant_id, email)
    assert DynamoCustomerStore().count_delivery(order) is True
    assert _customer(store, tenant_id, email) == _expected(tenant_id, email, orders=1, spent=500, first=T0,
                                                           last=T0)


def test_an_order_without_an_entry_is_not_counted_and_leaves_no_customer(container):
    # given a delivered order whose buyer's entry was never written, of a buyer never counted
    store = DynamoCustomerStore()
    tenant_id, email = _buyer()
    order = _order(container, tenant_id, email, T0, stored=False)

    # when its delivery is counted
    counted = store.count_delivery(order)

    # then nothing is counted and there is no customer to read or list
    assert counted is False
    with pytest.raises(NotFound):
        _customer(store, tenant_id, email)
    assert store.list(tenant_id=tenant_id, limit=10, cursor=None).items == []
