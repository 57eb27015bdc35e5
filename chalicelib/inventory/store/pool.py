"""The card-key pool: sharded, numbered keys claimed with two conditional writes and no search."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Sequence

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBException,
    TransactWriteError,
    UpdateError,
)
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import (
    CounterItem,
    FingerprintItem,
    KeyItem,
    LeaseItem,
    StatItem,
    transaction_connection,
)
from chalicelib.inventory.domain.keys import VOID
from chalicelib.inventory.domain.models import KeyRef, NewKey, StockLevel, StoredKey
from chalicelib.inventory.domain.ports import ExpiredReservation, ShardState
from chalicelib.inventory.store.pool_inventory import PoolInventoryMixin, stock_level
from chalicelib.kernel.errors import Conflict

AVAILABLE, RESERVED, SOLD, RELEASED = "available", "reserved", "sold", "released"
RELEASE_ATTEMPTS = 5
# After a shard answers "no keys left", skip it for this long in this process: a sold-out rush
# otherwise costs one failed (billed) conditional write per shard per buyer.
EXHAUSTED_MEMO_SECONDS = 2.0



class DynamoKeyPool(PoolInventoryMixin):
    def __init__(self) -> None:
        self._exhausted: dict[tuple[str, str, int], float] = {}
    # ---- import -------------------------------------------------------------------------------
    def begin_import(self, *, tenant_id: str, product_id: str, owner: str, lease_seconds: int) -> None:
        """Imports and releases append at a shard's end, so one writer at a time holds the lease."""
        now = int(time.time())
        lease = LeaseItem(keys.lease(tenant_id, product_id), "LEASE", owner=owner, until=now + lease_seconds)
        try:
            # Free, expired (a crashed importer), or already ours.
            lease.save(condition=LeaseItem.pk.does_not_exist() | (LeaseItem.until < now)
                       | (LeaseItem.owner == owner))
        except PutError as exc:
            if is_condition_failure(exc):
                raise Conflict("another import into this product is running; retry when it has finished",
                               code="import_in_progress") from exc
            raise unavailable(exc, "starting the import") from exc

    def end_import(self, *, tenant_id: str, product_id: str, owner: str) -> None:
        # The lease expires by itself: nothing is lost if this delete fails.
        with contextlib.suppress(PynamoDBException):
            LeaseItem(keys.lease(tenant_id, product_id), "LEASE").delete(condition=LeaseItem.owner == owner)

    def shard_states(self, *, tenant_id: str, product_id: str, shards: int) -> list[ShardState]:
        wanted = [(keys.counter(tenant_id, product_id, s), "CTR") for s in range(shards)]
        found: dict[str, CounterItem] = {}
        try:
            for item in CounterItem.batch_get(wanted, consistent_read=True):
                found[item.pk] = item
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the pool") from exc
        states = []
        for s in range(shards):
            c = found.get(keys.counter(tenant_id, product_id, s))
            states.append(ShardState(s, int(c.next), int(c.size), int(c.released)) if c
                          else ShardState(s, 0, 0, 0))
        return states

    def committed_fingerprints(
        self, *, tenant_id: str, product_id: str, fingerprints: Sequence[str], states: Sequence[ShardState]
    ) -> set[str]:
        """Fingerprints already in this pool. One pointing past its shard's size is a leftover
        of an import that failed before committing, so it does not count."""
        size = {st.shard: st.size for st in states}
        candidates: dict[tuple[str, str], str] = {}
        wanted = [(keys.fingerprint(tenant_id, fp), f"P#{product_id}") for fp in fingerprints]
        try:
            for item in FingerprintItem.batch_get(wanted, consistent_read=True):
                if int(item.seq) < size.get(int(item.shard), 0):
                    slot = (keys.shard(tenant_id, product_id, int(item.shard)), keys.key_sk(int(item.seq)))
                    candidates[slot] = item.pk.rsplit("#", 1)[1]
            # A leftover pointer may name a slot a later import or release has since filled:
            # only a key that really sits there with this fingerprint is a duplicate.
            found = {candidates[(k.pk, k.sk)] for k in KeyItem.batch_get(list(candidates), consistent_read=True)
                     if candidates.get((k.pk, k.sk)) == k.fp}
        except PynamoDBException as exc:
            raise unavailable(exc, "checking for duplicate keys") from exc
        return found

    def append(
        self, *, tenant_id: str, product_id: str, shard: int, start: int, new_keys: Sequence[NewKey],
        batch_id: str, now: int,
    ) -> None:
        """Write keys at numbers start.. past the shard's size, then move size over them: until that
        conditional update succeeds no buyer can aim at them, so a failure leaves nothing half-sold."""
        pk = keys.shard(tenant_id, product_id, shard)
        try:
            with KeyItem.batch_write() as batch:
                for i, k in enumerate(new_keys):
                    batch.save(KeyItem(pk, keys.key_sk(start + i), status=AVAILABLE, ct=k.ciphertext, fp=k.fingerprint,
                                       batch_id=batch_id, created_at=now))
            with FingerprintItem.batch_write() as batch:
                for i, k in enumerate(new_keys):
                    batch.save(FingerprintItem(keys.fingerprint(tenant_id, k.fingerprint), f"P#{product_id}",
                                               shard=shard, seq=start + i))
            counter = CounterItem(keys.counter(tenant_id, product_id, shard), "CTR")
            if start == 0:
                condition = CounterItem.pk.does_not_exist() | (CounterItem.size == 0)
            else:
                condition = CounterItem.size == start
            # size == start: nobody else appended meanwhile (the lease makes that the rule, this proves it).
            counter.update(
                actions=[CounterItem.size.set(start + len(new_keys)), CounterItem.next.set(CounterItem.next | 0),
                         CounterItem.released.set(CounterItem.released | 0)],
                condition=condition,
            )
            self._exhausted.pop((tenant_id, product_id, shard), None)  # keys again in this shard
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise Conflict("the pool changed during the import; retry it (duplicates are recognised)",
                               code="import_conflict") from exc
            raise unavailable(exc, "storing keys") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "storing keys") from exc

    # ---- claim and release -----------------------------------------------------------------------
    def claim(
        self, *, tenant_id: str, product_id: str, shards: int, order_id: str, count: int, reserved_until: int
    ) -> list[KeyRef]:
        """Reserve up to `count` keys: per key one conditional counter update and one conditional
        key update. Fewer than `count` means the pool ran dry; the caller releases what it got."""
        taken: list[KeyRef] = []
        order = list(range(shards))
        random.shuffle(order)  # spread buyers over shards so no partition takes every write
        now = time.monotonic()
        for shard in order:
            memo = (tenant_id, product_id, shard)
            if self._exhausted.get(memo, 0.0) > now:
                continue  # answered "sold out" a moment ago; imports and releases show up after the memo
            while len(taken) < count:
                seq = self._next_number(tenant_id, product_id, shard)
                if seq is None:
                    self._exhausted[memo] = now + EXHAUSTED_MEMO_SECONDS
                    break  # this shard is sold out
                if self._reserve(tenant_id, product_id, KeyRef(shard, seq), order_id, reserved_until):
                    taken.append(KeyRef(shard, seq))
                else:
                    # Only a voided key is skipped here: the stock tally learns its number is behind us.
                    self.pass_void(tenant_id, product_id, KeyRef(shard, seq))
            if len(taken) == count:
                break
        return taken

    def _next_number(self, tenant_id: str, product_id: str, shard: int) -> int | None:
        counter = CounterItem(keys.counter(tenant_id, product_id, shard), "CTR")
        try:
            # next < size: a number is handed out only while unclaimed keys remain, and each once.
            counter.update(actions=[CounterItem.next.add(1)], condition=CounterItem.next < CounterItem.size)
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise unavailable(exc, "reserving a key") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reserving a key") from exc
        return int(counter.next) - 1

    def _reserve(self, tenant_id: str, product_id: str, ref: KeyRef, order_id: str, until: int) -> bool:
        item = KeyItem(keys.shard(tenant_id, product_id, ref.shard), keys.key_sk(ref.seq))
        try:
            # status = available: a voided or moved key is skipped, never handed out.
            item.update(
                actions=[KeyItem.status.set(RESERVED), KeyItem.order_id.set(order_id),
                         KeyItem.reserved_until.set(until),
                         KeyItem.gsi1pk.set(keys.due("RES", order_id)),
                         KeyItem.gsi1sk.set(keys.due_sk(until, f"{tenant_id}|{product_id}|{ref.encode()}"))],
                condition=KeyItem.status == AVAILABLE,
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "reserving a key") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reserving a key") from exc
        return True

    def release(self, *, tenant_id: str, product_id: str, order_id: str, refs: Sequence[KeyRef]) -> int:
        """Return reserved keys to the pool by re-appending each at the end of its shard."""
        released = 0
        for ref in refs:
            if self._release_one(tenant_id, product_id, order_id, ref):
                released += 1
        return released

    def _release_one(self, tenant_id: str, product_id: str, order_id: str, ref: KeyRef) -> bool:
        return self._move_to_end(tenant_id, product_id, ref, order_id=order_id)

    def _move_to_end(self, tenant_id: str, product_id: str, ref: KeyRef, *, order_id: str | None) -> bool:
        """Re-append the key at `ref` to its shard's end. With an order id it must be reserved for that
        order (a release); without, it must still be `available` below `next` (a skipped key)."""
        shard_pk = keys.shard(tenant_id, product_id, ref.shard)
        for attempt in range(RELEASE_ATTEMPTS):
            try:
                old = KeyItem.get(shard_pk, keys.key_sk(ref.seq), consistent_read=True)
            except DoesNotExist:
                return False
            except PynamoDBException as exc:
                raise unavailable(exc, "releasing a key") from exc
            if order_id is not None and (old.status != RESERVED or old.order_id != order_id):
                return False  # sold, or already released: nothing to return
            if order_id is None and old.status != AVAILABLE:
                return False
            if order_id is None:
                # A claim may still be reserving it this instant: whoever's condition holds first wins.
                still_ours = KeyItem.status == AVAILABLE
            else:
                # Still reserved for this order: a payment that won the race keeps its key.
                still_ours = (KeyItem.status == RESERVED) & (KeyItem.order_id == order_id)
            size = self.shard_states(tenant_id=tenant_id, product_id=product_id, shards=ref.shard + 1)[-1].size
            now = int(time.time())
            try:
                with TransactWrite(connection=transaction_connection()) as tx:
                    # No import may be appending to this product right now.
                    tx.condition_check(LeaseItem, keys.lease(tenant_id, product_id), "LEASE",
                                       condition=LeaseItem.pk.does_not_exist() | (LeaseItem.until < now))
                    # No condition on the slot: anything at or past `size` is a leftover of a failed
                    # import that no buyer can reach; the lease check and `size == :seen` prove we own it.
                    tx.save(KeyItem(shard_pk, keys.key_sk(size), status=AVAILABLE, ct=old.ct, fp=old.fp,
                                    batch_id=old.batch_id, created_at=old.created_at))
                    tx.update(old, actions=[KeyItem.status.set(RELEASED), KeyItem.gsi1pk.remove(),
                                            KeyItem.gsi1sk.remove()], condition=still_ours)
                    tx.update(CounterItem(keys.counter(tenant_id, product_id, ref.shard), "CTR"),
                              actions=[CounterItem.size.add(1), CounterItem.released.add(1)],
                              condition=CounterItem.size == size)
                    tx.update(FingerprintItem(keys.fingerprint(tenant_id, old.fp), f"P#{product_id}"),
                              actions=[FingerprintItem.shard.set(ref.shard), FingerprintItem.seq.set(size)])
                self._exhausted.pop((tenant_id, product_id, ref.shard), None)
                return True
            except TransactWriteError as exc:
                codes = [r.code if r else None for r in exc.cancellation_reasons]
                if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
                    return False  # the key left the reservation meanwhile
                if attempt == RELEASE_ATTEMPTS - 1:
                    raise unavailable(exc, "releasing a key") from exc
                time.sleep(0.01 * (2 ** attempt) * random.random())
            except PynamoDBException as exc:
                raise unavailable(exc, "releasing a key") from exc
        return False

    def recover_skipped(self, *, tenant_id: str, product_id: str, shards: int) -> int:
        """Keys left `available` below a shard's `next` (a claim took the number, then its process died
        before reserving the key) go back to the end of the shard. Each number is checked once: the
        counter's `checked` watermark remembers how far previous runs got."""
        recovered = 0
        for shard in range(shards):
            counter_key = (keys.counter(tenant_id, product_id, shard), "CTR")
            try:
                counter = CounterItem.get(*counter_key, consistent_read=True)
            except DoesNotExist:
                continue
            except PynamoDBException as exc:
                raise unavailable(exc, "checking the pool") from exc
            start, end = int(counter.checked or 0), int(counter.next)
            if start >= end:
                continue
            try:
                found = list(KeyItem.query(
                    keys.shard(tenant_id, product_id, shard), KeyItem.sk.between(keys.key_sk(start),
                                                                                keys.key_sk(end - 1)),
                    filter_condition=(KeyItem.status == AVAILABLE)
                    | ((KeyItem.status == VOID) & KeyItem.passed.does_not_exist()), consistent_read=True))
            except PynamoDBException as exc:
                raise unavailable(exc, "checking the pool") from exc
            skipped = [int(item.sk[2:]) for item in found if item.status == AVAILABLE]
            for item in found:
                if item.status == VOID:  # a claim went past it but died before telling the tally
                    self.pass_void(tenant_id, product_id, KeyRef(shard, int(item.sk[2:])))
            for seq in skipped:
                if self._move_to_end(tenant_id, product_id, KeyRef(shard, seq), order_id=None):
                    recovered += 1
            try:
                # Only forward: a slower run must not move the watermark back.
                CounterItem(*counter_key).update(
                    actions=[CounterItem.checked.set(end)],
                    condition=CounterItem.checked.does_not_exist() | (CounterItem.checked < end))
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise unavailable(exc, "checking the pool") from exc
            except PynamoDBException as exc:
                raise unavailable(exc, "checking the pool") from exc
        return recovered

    # ---- reading ------------------------------------------------------------------------------------
    def read(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> list[StoredKey]:
        wanted = [(keys.shard(tenant_id, product_id, r.shard), keys.key_sk(r.seq)) for r in refs]
        try:
            found = {(i.pk, i.sk): i for i in KeyItem.batch_get(wanted, consistent_read=True)}
        except PynamoDBException as exc:
            raise unavailable(exc, "reading keys") from exc
        out = []
        for ref, key in zip(refs, wanted, strict=True):
            item = found.get(key)
            if item is not None:
                out.append(StoredKey(ref=ref, ciphertext=bytes(item.ct), fingerprint=item.fp,
                                     batch_id=item.batch_id, status=item.status, order_id=item.order_id))
        return out

    def stock(self, *, tenant_id: str, product_id: str, shards: int) -> StockLevel:
        states = self.shard_states(tenant_id=tenant_id, product_id=product_id, shards=shards)
        wanted = [(keys.stat(tenant_id, product_id, b), "STAT") for b in range(keys.STAT_BUCKETS)]
        try:
            sold = sum(int(i.sold) for i in StatItem.batch_get(wanted))
        except PynamoDBException as exc:
            raise unavailable(exc, "reading stock") from exc
        return stock_level(states, self.tallies(tenant_id=tenant_id, product_id=product_id, shards=shards), sold)

    def expired_reservations(self, *, now: int, limit: int) -> list[ExpiredReservation]:
        out: list[ExpiredReservation] = []
        try:
            for bucket in range(keys.DUE_PARTITIONS):
                for item in KeyItem.by_due.query(f"RES#{bucket}", KeyItem.gsi1sk < keys.due_sk(now, ""),
                                                 limit=limit):
                    tenant_id, product_id, ref = item.gsi1sk.split("#", 1)[1].split("|")
                    out.append(ExpiredReservation(tenant_id, product_id, item.order_id or "", KeyRef.decode(ref)))
                    if len(out) >= limit:
                        return out
        except PynamoDBException as exc:
            raise unavailable(exc, "finding expired reservations") from exc
        return out
