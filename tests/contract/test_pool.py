"""KeyPool contract: numbered shards, claims without search, releases re-appended at the end, import leases."""

from __future__ import annotations

import pytest

from chalicelib.inventory.domain.models import KeyRef, StockLevel, StoredKey
from chalicelib.inventory.domain.ports import ExpiredReservation, ShardState
from chalicelib.kernel.errors import Conflict, StoreUnavailable

from .conftest import Stores, token

RELEASE_REFUSED = ("the data store did not complete releasing a key (TransactionCanceledException); "
                   "retry the request")


def test_append_moves_size_and_shows_in_stock_and_read(impl: Stores) -> None:
    # given an empty pool of two shards
    assert impl.states(2) == [ShardState(0, 0, 0, 0), ShardState(1, 0, 0, 0)]
    assert impl.stock(2) == StockLevel(available=0, reserved=0, sold=0)

    # when three keys are appended to shard 0 and two to shard 1
    first = impl.new_keys(3, tag="a")
    impl.pool.append(tenant_id=impl.tenant_id, product_id=impl.product_id, shard=0, start=0, new_keys=first,
                     batch_id="batch-a", now=impl.now)
    second = impl.new_keys(2, tag="b")
    impl.pool.append(tenant_id=impl.tenant_id, product_id=impl.product_id, shard=1, start=0, new_keys=second,
                     batch_id="batch-b", now=impl.now)

    # then each shard counts its keys, all available, in import order
    assert impl.states(2) == [ShardState(0, 0, 3, 0), ShardState(1, 0, 2, 0)]
    assert impl.stock(2) == StockLevel(available=5, reserved=0, sold=0)
    refs = [KeyRef(0, 0), KeyRef(0, 1), KeyRef(0, 2), KeyRef(1, 0), KeyRef(1, 1), KeyRef(1, 2)]
    assert impl.pool.read(tenant_id=impl.tenant_id, product_id=impl.product_id, refs=refs) == [
        StoredKey(KeyRef(0, 0), b"ct-a-0", "fpa0000", "batch-a", "available", None),
        StoredKey(KeyRef(0, 1), b"ct-a-1", "fpa0001", "batch-a", "available", None),
        StoredKey(KeyRef(0, 2), b"ct-a-2", "fpa0002", "batch-a", "available", None),
        StoredKey(KeyRef(1, 0), b"ct-b-0", "fpb0000", "batch-b", "available", None),
        StoredKey(KeyRef(1, 1), b"ct-b-1", "fpb0001", "batch-b", "available", None),
    ]  # (1, 2) was never written: read leaves it out


def test_append_at_a_stale_start_conflicts_and_does_not_move_size(impl: Stores) -> None:
    # given a shard holding two keys
    impl.fill(n=2)

    # when another importer appends as if the shard were still empty
    with pytest.raises(Conflict) as err:
        impl.pool.append(tenant_id=impl.tenant_id, product_id=impl.product_id, shard=0, start=0,
                         new_keys=impl.new_keys(1), batch_id="late", now=impl.now)

    # then it is told to retry, and the counter did not move
    assert err.value.code == "import_conflict"
    assert impl.states() == [ShardState(0, 0, 2, 0)]
    assert impl.stock() == StockLevel(available=2, reserved=0, sold=0)


def test_claim_takes_oldest_first_per_shard_and_never_twice(impl: Stores) -> None:
    # given two shards of three keys each
    impl.fill(shard=0, n=3)
    impl.fill(shard=1, n=3)

    # when two orders claim four and two keys
    first = impl.claim("o-1", 4, shards=2)
    second = impl.claim("o-2", 2, shards=2)

    # then every key went to exactly one order, each shard handing out its numbers from 0 upwards
    assert len(first) == 4 and len(second) == 2
    taken = sorted(first + second)
    assert taken == [KeyRef(0, 0), KeyRef(0, 1), KeyRef(0, 2), KeyRef(1, 0), KeyRef(1, 1), KeyRef(1, 2)]
    for refs in (first, second):
        for shard in (0, 1):
            seqs = [r.seq for r in refs if r.shard == shard]
            assert seqs == sorted(seqs)
    assert sorted(impl.statuses(taken)) == sorted(
        [(r, "reserved", "o-1") for r in first] + [(r, "reserved", "o-2") for r in second])
    assert impl.states(2) == [ShardState(0, 3, 3, 0), ShardState(1, 3, 3, 0)]
    assert impl.stock(2) == StockLevel(available=0, reserved=6, sold=0)


def test_claim_in_one_shard_goes_in_import_order(impl: Stores) -> None:
    # given one shard of four keys
    impl.fill(n=4)

    # when three single-key claims follow each other
    got = [impl.claim(f"o-{i}", 1) for i in range(3)]

    # then they get numbers 0, 1, 2 in that order
    assert got == [[KeyRef(0, 0)], [KeyRef(0, 1)], [KeyRef(0, 2)]]
    assert impl.stock() == StockLevel(available=1, reserved=3, sold=0)


def test_claim_more_than_available_returns_a_shorter_list(impl: Stores) -> None:
    # given three keys
    impl.fill(n=3)

    # when an order asks for five
    got = impl.claim("o-big", 5)

    # then it gets the three there are, and the next buyer gets none
    assert got == [KeyRef(0, 0), KeyRef(0, 1), KeyRef(0, 2)]
    assert impl.claim("o-next", 1) == []
    assert impl.states() == [ShardState(0, 3, 3, 0)]
    assert impl.stock() == StockLevel(available=0, reserved=3, sold=0)


def test_claim_on_a_never_imported_product_returns_nothing_and_writes_nothing(impl: Stores) -> None:
    # given a product no key was ever imported into
    # when a buyer claims from it
    got = impl.claim("o-1", 2, shards=4)

    # then nothing is claimed and no counter appeared
    assert got == []
    assert impl.states(4) == [ShardState(s, 0, 0, 0) for s in range(4)]
    assert impl.stock(4) == StockLevel(available=0, reserved=0, sold=0)


def test_release_re_appends_the_key_at_the_end_of_its_shard(impl: Stores) -> None:
    # given three keys, the first reserved for order A
    new = impl.fill(n=3)
    [ref] = impl.claim("o-a", 1)
    assert ref == KeyRef(0, 0)
    before = impl.states()

    # when order A's reservation is released
    released = impl.release("o-a", [ref])

    # then the key sits at the end (number 3), available again; the old slot is spent
    assert released == 1
    assert impl.states() == [ShardState(0, 1, 4, 1)]
    assert impl.stock() == StockLevel(available=3, reserved=0, sold=0)
    assert impl.pool.read(tenant_id=impl.tenant_id, product_id=impl.product_id, refs=[ref, KeyRef(0, 3)]) == [
        StoredKey(KeyRef(0, 0), new[0].ciphertext, new[0].fingerprint, "batch-1", "released", "o-a"),
        StoredKey(KeyRef(0, 3), new[0].ciphertext, new[0].fingerprint, "batch-1", "available", None),
    ]
    # and the fingerprint follows it: found with the new size, not with the size before the release
    fps = [k.fingerprint for k in new]
    assert impl.pool.committed_fingerprints(tenant_id=impl.tenant_id, product_id=impl.product_id,
                                            fingerprints=fps, states=impl.states()) == set(fps)
    assert impl.pool.committed_fingerprints(tenant_id=impl.tenant_id, product_id=impl.product_id,
                                            fingerprints=fps, states=before) == set(fps[1:])

    # when order B claims everything
    got = impl.claim("o-b", 5)

    # then it gets the three remaining keys, the released one last, and no slot twice
    assert got == [KeyRef(0, 1), KeyRef(0, 2), KeyRef(0, 3)]
    assert impl.claim("o-c", 1) == []
    assert impl.stock() == StockLevel(available=0, reserved=3, sold=0)


def test_release_twice_or_for_another_order_returns_zero_and_changes_nothing(impl: Stores) -> None:
    # given two keys reserved for order A, one of them already released
    impl.fill(n=3)
    refs = impl.claim("o-a", 2)
    assert impl.release("o-a", refs[:1]) == 1
    states, stock = impl.states(), impl.stock()

    # when the same key is released again, and order B releases A's other key
    again = impl.release("o-a", refs[:1])
    foreign = impl.release("o-b", refs[1:])
    never_claimed = impl.release("o-a", [KeyRef(0, 2)])
    missing = impl.release("o-a", [KeyRef(0, 99)])

    # then nothing is released and nothing moved
    assert (again, foreign, never_claimed, missing) == (0, 0, 0, 0)
    assert impl.states() == states == [ShardState(0, 2, 4, 1)]
    assert impl.stock() == stock == StockLevel(available=2, reserved=1, sold=0)
    assert impl.statuses([refs[0], refs[1], KeyRef(0, 2), KeyRef(0, 3)]) == [
        (refs[0], "released", "o-a"), (refs[1], "reserved", "o-a"), (KeyRef(0, 2), "available", None),
        (KeyRef(0, 3), "available", None)]


def test_begin_import_conflicts_for_another_owner_and_is_reentrant_for_the_same(impl: Stores) -> None:
    # given owner A holds the import lease
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A", lease_seconds=300)

    # when owner B tries to start
    with pytest.raises(Conflict) as err:
        impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="B", lease_seconds=300)

    # then B is refused, A may begin again (renewal), and ending by B does not free it
    assert err.value.code == "import_in_progress"
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A", lease_seconds=300)
    impl.pool.end_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="B")
    with pytest.raises(Conflict):
        impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="B", lease_seconds=300)

    # when A ends its import, B can start; another product was never locked
    impl.pool.end_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A")
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="B", lease_seconds=300)
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=token("p"), owner="C", lease_seconds=300)


def test_an_expired_lease_no_longer_blocks_releases(impl: Stores) -> None:
    # given a reserved key, and an import lease that ran out (a crashed importer)
    impl.fill(n=2)
    [ref] = impl.claim("o-a", 1)
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A", lease_seconds=-5)

    # when the reservation is released
    released = impl.release("o-a", [ref])

    # then it goes through
    assert released == 1
    assert impl.states() == [ShardState(0, 1, 3, 1)]


def test_an_expired_lease_is_taken_over(impl: Stores) -> None:
    # given owner A's lease has already run out (a crashed importer)
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A", lease_seconds=-5)

    # when owner B starts
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="B", lease_seconds=300)

    # then B holds it: A can no longer renew it
    with pytest.raises(Conflict) as err:
        impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A", lease_seconds=300)
    assert err.value.code == "import_in_progress"


def test_release_is_refused_while_an_import_lease_is_live(impl: Stores) -> None:
    # given a reserved key and an import running on the product
    impl.fill(n=2)
    [ref] = impl.claim("o-a", 1)
    impl.pool.begin_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A", lease_seconds=300)

    # when the reservation is released
    with pytest.raises(StoreUnavailable) as err:
        impl.release("o-a", [ref])

    # then the store asks for a retry and nothing moved
    assert str(err.value) == RELEASE_REFUSED
    assert err.value.code == "store_unavailable"
    assert impl.states() == [ShardState(0, 1, 2, 0)]
    assert impl.stock() == StockLevel(available=1, reserved=1, sold=0)
    assert impl.statuses([ref, KeyRef(0, 2)]) == [(ref, "reserved", "o-a")]
    # (a key that is not reserved for the order is simply not released, lease or not)
    assert impl.release("o-a", [KeyRef(0, 1)]) == 0

    # when the import ends, the same release goes through
    impl.pool.end_import(tenant_id=impl.tenant_id, product_id=impl.product_id, owner="A")
    assert impl.release("o-a", [ref]) == 1
    assert impl.states() == [ShardState(0, 1, 3, 1)]


def test_expired_reservations_lists_only_those_whose_time_passed(impl: Stores) -> None:
    # given one reservation that lapsed, one that lapses exactly now, and one still running
    impl.fill(n=3)
    now = impl.now
    [lapsed] = impl.claim("o-lapsed", 1, until=now - 10)
    [at_now] = impl.claim("o-now", 1, until=now)
    impl.claim("o-live", 1, until=now + 600)

    # when the sweeper asks what is due
    due = impl.expired_reservations(now)

    # then only the lapsed one is listed
    assert due == [ExpiredReservation(impl.tenant_id, impl.product_id, "o-lapsed", lapsed)]
    assert sorted((r.order_id, r.ref) for r in impl.expired_reservations(now + 1)) == [
        ("o-lapsed", lapsed), ("o-now", at_now)]

    # when the lapsed one is released, it leaves the list
    assert impl.release("o-lapsed", [lapsed]) == 1
    assert impl.expired_reservations(now) == []


def test_committed_fingerprints_ignores_leftovers_past_a_shards_size(impl: Stores) -> None:
    # given two committed keys, and an append whose counter update failed (a crashed or stale import)
    committed = impl.fill(n=2)
    leftover = impl.new_keys(2)
    with pytest.raises(Conflict) as err:
        impl.pool.append(tenant_id=impl.tenant_id, product_id=impl.product_id, shard=0, start=5,
                         new_keys=leftover, batch_id="crashed", now=impl.now)
    assert err.value.code == "import_conflict"
    states = impl.states()
    assert states == [ShardState(0, 0, 2, 0)]

    # when the next import checks all four fingerprints
    fps = [k.fingerprint for k in committed + leftover]
    found = impl.pool.committed_fingerprints(tenant_id=impl.tenant_id, product_id=impl.product_id,
                                             fingerprints=fps, states=states)

    # then only the committed ones count as duplicates; so does an unknown fingerprint or another product
    assert found == {committed[0].fingerprint, committed[1].fingerprint}
    assert impl.pool.committed_fingerprints(tenant_id=impl.tenant_id, product_id=token("p"),
                                            fingerprints=fps, states=states) == set()
    # and with a size read before the second key was committed, the second key does not count either
    assert impl.pool.committed_fingerprints(tenant_id=impl.tenant_id, product_id=impl.product_id,
                                            fingerprints=fps, states=[ShardState(0, 0, 1, 0)]) == {
        committed[0].fingerprint}
    assert impl.stock() == StockLevel(available=2, reserved=0, sold=0)


def _claim_number_and_die(impl: Stores) -> None:
    """A claim that moved the counter and died before reserving its key."""
    if hasattr(impl.pool, "_next_number"):
        impl.pool._next_number(impl.tenant_id, impl.product_id, 0)
    else:
        impl.pool.counters[(impl.tenant_id, impl.product_id, 0)].next += 1


def test_recover_skipped_returns_a_key_a_dead_claim_left_behind_once(impl: Stores) -> None:
    # given two keys, the first skipped by a claim that died half-way
    impl.fill(n=2)
    _claim_number_and_die(impl)
    assert impl.stock() == StockLevel(available=1, reserved=1, sold=0)
    # when reconciliation runs twice
    first = impl.pool.recover_skipped(tenant_id=impl.tenant_id, product_id=impl.product_id, shards=1)
    second = impl.pool.recover_skipped(tenant_id=impl.tenant_id, product_id=impl.product_id, shards=1)
    # then the key is re-appended once, and both keys are claimable
    assert (first, second) == (1, 0)
    assert impl.stock() == StockLevel(available=2, reserved=0, sold=0)
    assert sorted(impl.claim("ord_after", 2)) == [KeyRef(0, 1), KeyRef(0, 2)]


def test_recover_skipped_leaves_reserved_and_sold_keys_alone(impl: Stores) -> None:
    # given a reserved key below `next`
    impl.fill(n=2)
    assert impl.claim("ord_live", 1) == [KeyRef(0, 0)]
    # when reconciliation runs
    recovered = impl.pool.recover_skipped(tenant_id=impl.tenant_id, product_id=impl.product_id, shards=1)
    # then nothing moves
    assert recovered == 0
    assert impl.stock() == StockLevel(available=1, reserved=1, sold=0)
