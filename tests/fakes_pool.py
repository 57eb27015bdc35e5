"""In-memory KeyPool and SaleLedger with the rules of chalicelib/store/pool.py and store/sales.py.

Each shard numbers its keys in import order and keeps a counter (next, size, released). A claim takes
`next` while next < size and reserves the key at that number only if it is `available`; a release
re-appends the key at the shard's end. Two store behaviours are copied on purpose, not endorsed
(see the xfail tests in tests/unit/test_services_with_fakes.py):
- committed_fingerprints trusts any fingerprint whose number is below the shard's size, even if the
  key now stored at that number is another one (leftovers of a failed append);
- a release refuses to overwrite a leftover item past the shard's size and, after its retries,
  raises StoreUnavailable.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.adapters.dynamo import layout  # pure key layout: due buckets and sort keys
from chalicelib.inventory.domain.keys import VOID, VOID_REFUND
from chalicelib.inventory.domain.models import KeyRef, NewKey, StockLevel, StoredKey
from chalicelib.inventory.domain.ports import ExpiredReservation, ShardState
from chalicelib.inventory.store.pool_inventory import stock_level  # pure arithmetic shared with the store
from chalicelib.kernel.errors import Conflict, ReservationLost, StoreUnavailable
from chalicelib.kernel.ports import Clock, OutboxMessage
from chalicelib.sales.domain.models import PAYABLE_STATUSES, Order, OrderStatus

if TYPE_CHECKING:
    from tests.fakes import FakeOrderStore, FakeOutbox

AVAILABLE, RESERVED, SOLD, RELEASED = "available", "reserved", "sold", "released"


@dataclass
class KeyRecord:
    status: str
    ciphertext: bytes
    fingerprint: str
    batch_id: str
    created_at: int
    order_id: str | None = None
    reserved_until: int | None = None
    due: bool = False  # in the sparse "RES" index (reserved, not yet sold or released)
    void_reason: str | None = None
    passed: bool = False  # a voided key whose number a claim has gone past


@dataclass
class Counter:
    next: int = 0
    size: int = 0
    released: int = 0
    checked: int = 0
    voided: int = 0  # the store keeps these two in a VOID tally item beside the counter
    passed: int = 0


class FakeKeyPool:
    def __init__(self, *, clock: Clock | None = None, seed: int | None = None,
                 lock: threading.RLock | None = None) -> None:
        # The store reads the wall clock for leases; a clock here makes lease expiry testable.
        self._wall = clock.now if clock is not None else (lambda: int(time.time()))
        self._rng = random.Random(seed)
        self.lock = lock or threading.RLock()
        self.counters: dict[tuple[str, str, int], Counter] = {}
        self.keys: dict[tuple[str, str, int, int], KeyRecord] = {}
        self.fingerprints: dict[tuple[str, str, str], tuple[int, int]] = {}  # (tenant, fp, product)
        self.sold: dict[tuple[str, str], int] = {}
        self.leases: dict[tuple[str, str], tuple[str, int]] = {}

    # ---- import -------------------------------------------------------------------------------
    def begin_import(self, *, tenant_id: str, product_id: str, owner: str, lease_seconds: int) -> None:
        now = self._wall()
        with self.lock:
            held = self.leases.get((tenant_id, product_id))
            if held is not None and not held[1] < now and held[0] != owner:
                raise Conflict("another import into this product is running; retry when it has finished",
                               code="import_in_progress")
            self.leases[(tenant_id, product_id)] = (owner, now + lease_seconds)

    def end_import(self, *, tenant_id: str, product_id: str, owner: str) -> None:
        with self.lock:
            held = self.leases.get((tenant_id, product_id))
            if held is not None and held[0] == owner:
                del self.leases[(tenant_id, product_id)]

    def shard_states(self, *, tenant_id: str, product_id: str, shards: int) -> list[ShardState]:
        with self.lock:
            out = []
            for s in range(shards):
                c = self.counters.get((tenant_id, product_id, s))
                out.append(ShardState(s, c.next, c.size, c.released) if c else ShardState(s, 0, 0, 0))
            return out

    def committed_fingerprints(
        self, *, tenant_id: str, product_id: str, fingerprints: Sequence[str], states: Sequence[ShardState]
    ) -> set[str]:
        size = {st.shard: st.size for st in states}
        with self.lock:
            found = set()
            for fp in fingerprints:
                at = self.fingerprints.get((tenant_id, fp, product_id))
                if at is not None and at[1] < size.get(at[0], 0):
                    key = self.keys.get((tenant_id, product_id, at[0], at[1]))
                    if key is not None and key.fingerprint == fp:
                        found.add(fp)
            return found

    def append(
        self, *, tenant_id: str, product_id: str, shard: int, start: int, new_keys: Sequence[NewKey],
        batch_id: str, now: int,
    ) -> None:
        with self.lock:
            # Items first (unconditional puts), then the counter: until it moves, no buyer sees them.
            for i, k in enumerate(new_keys):
                self.keys[(tenant_id, product_id, shard, start + i)] = KeyRecord(
                    AVAILABLE, k.ciphertext, k.fingerprint, batch_id, now)
            for i, k in enumerate(new_keys):
                self.fingerprints[(tenant_id, k.fingerprint, product_id)] = (shard, start + i)
            self._move_size(tenant_id, product_id, shard, start, start + len(new_keys))

    def _move_size(self, tenant_id: str, product_id: str, shard: int, start: int, end: int) -> None:
        """The counter's conditional update (size == start); a subclass may fail it to model a crash."""
        c = self.counters.get((tenant_id, product_id, shard))
        if (c.size if c else 0) != start:
            raise Conflict("the pool changed during the import; retry it (duplicates are recognised)",
                           code="import_conflict")
        if c is None:
            c = self.counters[(tenant_id, product_id, shard)] = Counter()
        c.size = end

    # ---- claim and release -----------------------------------------------------------------------
    def claim(
        self, *, tenant_id: str, product_id: str, shards: int, order_id: str, count: int, reserved_until: int
    ) -> list[KeyRef]:
        taken: list[KeyRef] = []
        order = list(range(shards))
        with self.lock:
            self._rng.shuffle(order)  # spread buyers over shards, as the store does
            for shard in order:
                while len(taken) < count:
                    c = self.counters.get((tenant_id, product_id, shard))
                    if c is None or not c.next < c.size:
                        break  # this shard is sold out
                    seq = c.next
                    c.next += 1
                    key = self.keys.get((tenant_id, product_id, shard, seq))
                    if key is None or key.status != AVAILABLE:
                        if key is not None and key.status == VOID and not key.passed:
                            key.passed, c.passed = True, c.passed + 1  # the store's pass_void
                        continue  # a gap or a voided key: take the next number
                    key.status, key.order_id, key.reserved_until, key.due = RESERVED, order_id, reserved_until, True
                    taken.append(KeyRef(shard, seq))
                if len(taken) == count:
                    break
        return taken

    def release(self, *, tenant_id: str, product_id: str, order_id: str, refs: Sequence[KeyRef]) -> int:
        return sum(1 for ref in refs if self._release_one(tenant_id, product_id, order_id, ref))

    def _release_one(self, tenant_id: str, product_id: str, order_id: str, ref: KeyRef) -> bool:
        now = self._wall()
        with self.lock:
            old = self.keys.get((tenant_id, product_id, ref.shard, ref.seq))
            if old is None or old.status != RESERVED or old.order_id != order_id:
                return False  # sold, or already released: nothing to return
            lease = self.leases.get((tenant_id, product_id))
            c = self.counters[(tenant_id, product_id, ref.shard)]
            if lease is not None and not lease[1] < now:
                # The store's transaction is cancelled while an import holds the lease.
                raise StoreUnavailable("the data store did not complete releasing a key "
                                       "(TransactionCanceledException); retry the request")
            self.keys[(tenant_id, product_id, ref.shard, c.size)] = KeyRecord(
                AVAILABLE, old.ciphertext, old.fingerprint, old.batch_id, old.created_at)
            old.status, old.due = RELEASED, False
            self.fingerprints[(tenant_id, old.fingerprint, product_id)] = (ref.shard, c.size)
            c.size += 1
            c.released += 1
            return True

    def recover_skipped(self, *, tenant_id: str, product_id: str, shards: int) -> int:
        """Same as the store: `available` keys below `next` go to the end; a watermark avoids rechecks."""
        recovered = 0
        with self.lock:
            lease = self.leases.get((tenant_id, product_id))
            if lease is not None and not lease[1] < self._wall():
                raise StoreUnavailable("the data store did not complete releasing a key "
                                       "(TransactionCanceledException); retry the request")
            for shard in range(shards):
                c = self.counters.get((tenant_id, product_id, shard))
                if c is None:
                    continue
                for seq in range(c.checked, c.next):
                    old = self.keys.get((tenant_id, product_id, shard, seq))
                    if old is None or old.status != AVAILABLE:
                        continue
                    self.keys[(tenant_id, product_id, shard, c.size)] = KeyRecord(
                        AVAILABLE, old.ciphertext, old.fingerprint, old.batch_id, old.created_at)
                    old.status = RELEASED
                    self.fingerprints[(tenant_id, old.fingerprint, product_id)] = (shard, c.size)
                    c.size += 1
                    c.released += 1
                    recovered += 1
                c.checked = max(c.checked, c.next)
        return recovered

    # ---- reading ------------------------------------------------------------------------------------
    def read(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> list[StoredKey]:
        with self.lock:
            out = []
            for ref in refs:
                k = self.keys.get((tenant_id, product_id, ref.shard, ref.seq))
                if k is not None:
                    out.append(StoredKey(ref=ref, ciphertext=k.ciphertext, fingerprint=k.fingerprint,
                                         batch_id=k.batch_id, status=k.status, order_id=k.order_id))
            return out

    def stock(self, *, tenant_id: str, product_id: str, shards: int) -> StockLevel:
        with self.lock:
            states = self.shard_states(tenant_id=tenant_id, product_id=product_id, shards=shards)
            sold = self.sold.get((tenant_id, product_id), 0)
            tallies = {st.shard: (c.voided, c.passed) for st in states
                       if (c := self.counters.get((tenant_id, product_id, st.shard))) is not None}
        return stock_level(states, tallies, sold)

    def void(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef], reason: str) -> int:
        """As the store: available keys (any reason) and sold ones (refund) turn void; tallies follow."""
        done = 0
        with self.lock:
            for ref in refs:
                k = self.keys.get((tenant_id, product_id, ref.shard, ref.seq))
                c = self.counters.get((tenant_id, product_id, ref.shard))
                if k is None or c is None or ref.seq >= c.size:
                    continue
                if k.status == SOLD and reason == VOID_REFUND:
                    k.status, k.void_reason = VOID, reason
                elif k.status == AVAILABLE:
                    k.status, k.void_reason = VOID, reason
                    c.voided += 1
                    if ref.seq < c.next:  # already behind the claims: counted as passed at once
                        k.passed, c.passed = True, c.passed + 1
                else:
                    continue
                done += 1
        return done

    def expired_reservations(self, *, now: int, limit: int) -> list[ExpiredReservation]:
        with self.lock:
            due = []
            for (t, p, shard, seq), k in self.keys.items():
                if k.due and k.reserved_until is not None and k.reserved_until < now:
                    ref = KeyRef(shard, seq)
                    bucket = layout.due("RES", k.order_id or "")
                    due.append((bucket, layout.due_sk(k.reserved_until, f"{t}|{p}|{ref.encode()}"),
                                ExpiredReservation(t, p, k.order_id or "", ref)))
        due.sort(key=lambda d: (d[0], d[1]))
        return [d[2] for d in due[:limit]]

    # ---- for the sale ledger (same lock) ------------------------------------------------------------
    def reserved_for(self, tenant_id: str, product_id: str, ref: KeyRef, order_id: str) -> bool:
        k = self.keys.get((tenant_id, product_id, ref.shard, ref.seq))
        return k is not None and k.status == RESERVED and k.order_id == order_id

    def mark_sold(self, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> None:
        for ref in refs:
            k = self.keys[(tenant_id, product_id, ref.shard, ref.seq)]
            k.status, k.reserved_until, k.due = SOLD, None, False
        self.sold[(tenant_id, product_id)] = self.sold.get((tenant_id, product_id), 0) + len(refs)

    def status_of(self, *, tenant_id: str, product_id: str, ref: KeyRef) -> str | None:
        """Test helper: the status of the key item at ref, or None when there is none."""
        with self.lock:
            k = self.keys.get((tenant_id, product_id, ref.shard, ref.seq))
            return k.status if k else None


class FakeSaleLedger:
    """deliver() is DynamoSaleLedger.deliver: one all-or-nothing step over event, order, keys, outbox."""

    def __init__(self, *, orders: FakeOrderStore, pool: FakeKeyPool, outbox: FakeOutbox) -> None:
        self._orders, self._pool, self._outbox = orders, pool, outbox
        self.events: dict[str, tuple[str, int, str]] = {}

    def deliver(self, *, order: Order, refs: Sequence[KeyRef], event_id: str, now: int,
                outbox: OutboxMessage, bundle: bytes | None = None) -> bool:
        t = order.tenant_id
        with self._pool.lock, self._orders.lock, self._outbox.lock:
            if len(set(refs)) != len(refs) or len(refs) > 96:  # DynamoDB refuses such a transaction
                raise StoreUnavailable("the data store did not complete delivering the order "
                                       "(ValidationException); retry the request")
            stored = self._orders.orders.get((t, order.id))
            if event_id in self.events or stored is None or stored.status not in PAYABLE_STATUSES \
                    or stored.payment_intent_id is None or stored.payment_intent_id != (order.payment_intent_id or ""):
                return False  # this event already delivered, or the order left the payable states
            if not all(self._pool.reserved_for(t, order.product_id, r, order.id) for r in refs):
                raise ReservationLost("the reservation of this order's keys lapsed")
            self.events[event_id] = ("delivered", now, order.id)
            self._outbox.messages[(t, outbox.id)] = dataclasses.replace(outbox, order_id=order.id, created_at=now)
            self._orders.orders[(t, order.id)] = dataclasses.replace(
                stored, status=OrderStatus.DELIVERED, paid_at=now, delivered_at=now, keys=tuple(refs),
                **({} if bundle is None else {"keys_bundle": bundle}))
            self._orders.due.discard((t, order.id))
            self._pool.mark_sold(t, order.product_id, refs)
            return True

    def event_seen(self, event_id: str) -> bool:
        with self._pool.lock:
            return event_id in self.events

    def record_event(self, *, event_id: str, kind: str, now: int, note: str) -> bool:
        with self._pool.lock:
            if event_id in self.events:
                return False
            self.events[event_id] = (kind, now, note)
            return True
