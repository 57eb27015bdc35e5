"""KeyPool.void contract: voided keys leave available stock, are skipped by claims, and refunds void sold keys."""

from __future__ import annotations

from chalicelib.inventory.domain.keys import VOID_MERCHANT, VOID_REFUND
from chalicelib.inventory.domain.models import KeyRef, StockLevel

from .conftest import Stores, token


def _void(impl: Stores, refs: list[KeyRef], reason: str = VOID_MERCHANT) -> int:
    return int(impl.pool.void(tenant_id=impl.tenant_id, product_id=impl.product_id, refs=refs, reason=reason))


def test_a_voided_key_is_skipped_by_claims_and_stock_stays_right(impl: Stores) -> None:
    # given four keys in one shard
    impl.fill(n=4)
    # when the second is voided
    assert _void(impl, [KeyRef(0, 1)]) == 1
    # then stock counts three available
    assert impl.stock() == StockLevel(available=3, reserved=0, sold=0)
    # when buyers claim everything left
    got = impl.claim(token("o"), 4)
    # then they get the three others, never the void one, and nothing is counted twice
    assert sorted(got) == [KeyRef(0, 0), KeyRef(0, 2), KeyRef(0, 3)]
    assert impl.stock() == StockLevel(available=0, reserved=3, sold=0)
    assert impl.statuses([KeyRef(0, 1)]) == [(KeyRef(0, 1), "void", None)]


def test_void_refuses_reserved_keys_and_repeats_change_nothing(impl: Stores) -> None:
    impl.fill(n=2)
    order = token("o")
    [held] = impl.claim(order, 1)
    # when the merchant voids the reserved key, then the available one twice
    assert _void(impl, [held]) == 0
    assert _void(impl, [KeyRef(0, 1)]) == 1
    assert _void(impl, [KeyRef(0, 1)]) == 0
    # then only the available key is void and the reservation is untouched
    assert impl.statuses([held, KeyRef(0, 1)]) == [(held, "reserved", order), (KeyRef(0, 1), "void", None)]
    assert impl.stock() == StockLevel(available=0, reserved=1, sold=0)


def test_refund_voids_sold_keys_so_they_are_never_resold(impl: Stores) -> None:
    # given an order whose two keys were sold
    impl.fill(n=3)
    order = impl.order(quantity=2)
    impl.orders.create(order)
    refs = impl.claim(order.id, 2)
    assert impl.ledger.deliver(order=order, refs=refs, event_id=token("evt_"), now=impl.now,
                               outbox=impl.message(order.id)) is True
    # when the refund voids them (a merchant void would not touch sold keys)
    assert _void(impl, refs, VOID_MERCHANT) == 0
    assert _void(impl, refs, VOID_REFUND) == 2
    # then they are void, still counted as sold, and no claim can reach them
    assert sorted(s[1] for s in impl.statuses(refs)) == ["void", "void"]
    assert impl.stock() == StockLevel(available=1, reserved=0, sold=2)
    assert impl.claim(token("o"), 2) == [KeyRef(0, 2)]
