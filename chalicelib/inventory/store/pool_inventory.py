"""The pool as the merchant manages it: voids (with the stock tally they move), key listings, stock in bulk."""

from __future__ import annotations

import builtins
import random
import time
from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.counters import read_numbers
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import (
    CounterItem,
    FingerprintItem,
    Item,
    KeyItem,
    transaction_connection,
)
from chalicelib.inventory.domain.keys import AVAILABLE, KEY_STATUSES, RESERVED, SOLD, VOID, VOID_REFUND, PoolKey
from chalicelib.inventory.domain.models import KeyRef, StockLevel
from chalicelib.inventory.domain.ports import ShardState
from chalicelib.kernel.errors import InvalidRequest
from chalicelib.kernel.ports import Page

VOID_ATTEMPTS = 5


class VoidTallyItem(Item):
    """Beside each shard counter (same partition, sk VOID): keys voided while available, and how many of
    those numbers a claim has since gone past. Available = size - next - (voided - passed)."""

    voided = NumberAttribute(default=0)
    passed = NumberAttribute(default=0)


def tally_key(tenant_id: str, product_id: str, shard: int) -> tuple[str, str]:
    return keys.counter(tenant_id, product_id, shard), "VOID"


def stock_level(states: Sequence[ShardState], tallies: dict[int, tuple[int, int]], sold: int) -> StockLevel:
    """Every number below `next` was claimed: reserved, sold, released (moved to the end) or a voided key a
    claim skipped. Numbers from `next` to `size` are available unless voided."""
    voided = sum(tallies.get(st.shard, (0, 0))[0] for st in states)
    passed = sum(tallies.get(st.shard, (0, 0))[1] for st in states)
    available = sum(st.size - st.next for st in states) - (voided - passed)
    claimed = sum(st.next - st.released for st in states) - passed
    return StockLevel(available=max(available, 0), reserved=max(claimed - sold, 0), sold=sold)


def _pool_key(product_id: str, ref: KeyRef, item: KeyItem) -> PoolKey:
    return PoolKey(product_id=product_id, ref=ref, status=item.status, batch_id=item.batch_id,
                   created_at=int(item.created_at), ciphertext=bytes(item.ct), order_id=item.order_id,
                   reserved_until=int(item.reserved_until) if item.reserved_until is not None else None,
                   voided_at=int(item.voided_at) if item.voided_at is not None else None,
                   void_reason=item.void_reason)


class PoolInventoryMixin:
    """Mixed into DynamoKeyPool; relies on its shard_states()."""

    def shard_states(self, *, tenant_id: str, product_id: str, shards: int) -> list[ShardState]:
        raise NotImplementedError

    # ---- voids --------------------------------------------------------------------------------------
    def void(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef], reason: str) -> int:
        now = int(time.time())
        return sum(1 for ref in refs if self._void_one(tenant_id, product_id, ref, reason, now))

    def _void_one(self, tenant_id: str, product_id: str, ref: KeyRef, reason: str, now: int) -> bool:
        pk, sk = keys.shard(tenant_id, product_id, ref.shard), keys.key_sk(ref.seq)
        counter_pk = keys.counter(tenant_id, product_id, ref.shard)
        marks: list[Action] = [KeyItem.status.set(VOID), KeyItem.void_reason.set(reason), KeyItem.voided_at.set(now)]
        for attempt in range(VOID_ATTEMPTS):
            try:
                item = KeyItem.get(pk, sk, consistent_read=True)
                counter = CounterItem.get(counter_pk, "CTR", consistent_read=True)
            except DoesNotExist:
                return False
            except PynamoDBException as exc:
                raise unavailable(exc, "voiding a key") from exc
            if ref.seq >= int(counter.size):
                return False  # a leftover of a failed import: not in the pool
            try:
                if item.status == SOLD and reason == VOID_REFUND:
                    # A sold key sits below `next` and stays counted as sold: only its status changes,
                    # and only while it is still sold (never a key that moved on meanwhile).
                    item.update(actions=marks, condition=KeyItem.status == SOLD)
                    return True
                if item.status != AVAILABLE:
                    return False
                ahead = ref.seq >= int(counter.next)
                with TransactWrite(connection=transaction_connection()) as tx:
                    # Whether a claim can still reach this number decides which tally moves; the check
                    # fails (and we retry) if a claim moved `next` across it meanwhile.
                    tx.condition_check(CounterItem, counter_pk, "CTR",
                                       condition=(CounterItem.next <= ref.seq) if ahead
                                       else (CounterItem.next > ref.seq))
                    tx.update(KeyItem(pk, sk), actions=marks if ahead else [*marks, KeyItem.passed.set(True)],
                              condition=KeyItem.status == AVAILABLE)  # a claim that got there first wins
                    tally = VoidTallyItem(*tally_key(tenant_id, product_id, ref.shard))
                    tx.update(tally, actions=[VoidTallyItem.voided.add(1)] if ahead
                              else [VoidTallyItem.voided.add(1), VoidTallyItem.passed.add(1)])
                return True
            except (TransactWriteError, UpdateError) as exc:
                if isinstance(exc, UpdateError) and not is_condition_failure(exc):
                    raise unavailable(exc, "voiding a key") from exc
                if attempt == VOID_ATTEMPTS - 1:
                    raise unavailable(exc, "voiding a key") from exc
                time.sleep(0.01 * (2 ** attempt) * random.random())  # the key or counter moved: look again
            except PynamoDBException as exc:
                raise unavailable(exc, "voiding a key") from exc
        return False

    def pass_void(self, tenant_id: str, product_id: str, ref: KeyRef) -> bool:
        """A claim went past a voided number: move it from "voided ahead" to "passed", exactly once."""
        pk, sk = keys.shard(tenant_id, product_id, ref.shard), keys.key_sk(ref.seq)
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                # Only a void not yet passed: a second claimer or the recovery job cannot count it twice.
                tx.update(KeyItem(pk, sk), actions=[KeyItem.passed.set(True)],
                          condition=(KeyItem.status == VOID) & KeyItem.passed.does_not_exist())
                tx.update(VoidTallyItem(*tally_key(tenant_id, product_id, ref.shard)),
                          actions=[VoidTallyItem.passed.add(1)])
        except PynamoDBException:
            return False  # not a void, or already passed; a failure here is fixed by recover_skipped
        return True

    # ---- reading ------------------------------------------------------------------------------------
    def by_fingerprint(self, *, tenant_id: str, fingerprint: str) -> builtins.list[tuple[str, KeyRef]]:
        """Where a key with this fingerprint sits, per product (one Query of its fingerprint partition)."""
        try:
            found = list(FingerprintItem.query(keys.fingerprint(tenant_id, fingerprint)))
        except PynamoDBException as exc:
            raise unavailable(exc, "finding the key") from exc
        return [(str(i.sk)[2:], KeyRef(int(i.shard), int(i.seq))) for i in found if str(i.sk).startswith("P#")]

    def get_keys(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> builtins.list[PoolKey]:
        wanted = {(keys.shard(tenant_id, product_id, r.shard), keys.key_sk(r.seq)): r for r in refs}
        try:
            found = list(KeyItem.batch_get(list(wanted), consistent_read=True))
            sizes = {st.shard: st.size for st in self.shard_states(
                tenant_id=tenant_id, product_id=product_id, shards=max((r.shard for r in refs), default=-1) + 1)}
        except PynamoDBException as exc:
            raise unavailable(exc, "reading keys") from exc
        out = [_pool_key(product_id, wanted[(i.pk, i.sk)], i) for i in found]
        # Past `size` lie leftovers of failed imports; released slots only point at where a key moved.
        return [k for k in out if k.ref.seq < sizes.get(k.ref.shard, 0) and k.status in KEY_STATUSES]

    def list_keys(self, *, tenant_id: str, product_id: str, shards: int, status: str | None,
                  batch_id: str | None, limit: int, cursor: str | None) -> Page:
        """Shard by shard in pool order (the order keys sell). Available keys sit at or past `next`,
        reserved and sold ones below it, so the range read is as narrow as the status allows."""
        start = cursors.decode(cursor, expect=("shard", "sk"))
        first = 0
        if start is not None:
            if not str(start["shard"]).isdigit() or int(str(start["shard"])) >= shards:
                raise InvalidRequest("cursor is not one this API returned", param="cursor")
            first = int(str(start["shard"]))
        found: list[PoolKey] = []
        for st in self.shard_states(tenant_id=tenant_id, product_id=product_id, shards=shards)[first:]:
            lo, hi = (st.next if status == AVAILABLE else 0), (st.next if status in (RESERVED, SOLD) else st.size) - 1
            if lo > hi:
                continue
            condition: Any = KeyItem.status == status if status else KeyItem.status.is_in(*KEY_STATUSES)
            if batch_id is not None:
                condition &= KeyItem.batch_id == batch_id
            pk = keys.shard(tenant_id, product_id, st.shard)
            after = ({"pk": {"S": pk}, "sk": {"S": str(start["sk"])}}
                     if start is not None and st.shard == first else None)
            try:
                for item in KeyItem.query(pk, KeyItem.sk.between(keys.key_sk(lo), keys.key_sk(hi)),
                                          filter_condition=condition, limit=limit + 1 - len(found),
                                          last_evaluated_key=after, consistent_read=True):
                    found.append(_pool_key(product_id, KeyRef(st.shard, int(item.sk[2:])), item))
            except PynamoDBException as exc:
                raise unavailable(exc, "listing keys") from exc
            if len(found) > limit:
                break
        more = len(found) > limit
        last = found[limit - 1] if more else None
        next_cursor = (cursors.encode({"shard": str(last.ref.shard), "sk": keys.key_sk(last.ref.seq)})
                       if last is not None else None)
        return Page(found[:limit], next_cursor)

    def batch_counts(self, *, tenant_id: str, product_id: str, shards: int, batch_id: str) -> dict[str, int]:
        """Keys of one batch by status; reads the product's pool (a detail view, not a hot path)."""
        counts = dict.fromkeys(KEY_STATUSES, 0)
        for st in self.shard_states(tenant_id=tenant_id, product_id=product_id, shards=shards):
            if st.size == 0:
                continue
            try:
                for item in KeyItem.query(keys.shard(tenant_id, product_id, st.shard),
                                          KeyItem.sk.between(keys.key_sk(0), keys.key_sk(st.size - 1)),
                                          filter_condition=KeyItem.batch_id == batch_id,
                                          attributes_to_get=["status"]):
                    if item.status in counts:
                        counts[item.status] += 1
            except PynamoDBException as exc:
                raise unavailable(exc, "counting a batch") from exc
        return counts

    def tallies(self, *, tenant_id: str, product_id: str, shards: int) -> dict[int, tuple[int, int]]:
        return self._tallies_many(tenant_id, [(product_id, shards)]).get(product_id, {})

    def _tallies_many(self, tenant_id: str,
                      products: Sequence[tuple[str, int]]) -> dict[str, dict[int, tuple[int, int]]]:
        wanted = [tally_key(tenant_id, p, s) for p, n in products for s in range(n)]
        out: dict[str, dict[int, tuple[int, int]]] = {}
        try:
            for t in VoidTallyItem.batch_get(wanted, consistent_read=True):
                product_id, shard = t.pk.split("#P#", 1)[1].split("#S#")
                out.setdefault(product_id, {})[int(shard.split("#")[0])] = (int(t.voided or 0), int(t.passed or 0))
        except PynamoDBException as exc:
            raise unavailable(exc, "reading stock") from exc
        return out

    def stock_many(self, *, tenant_id: str, products: Sequence[tuple[str, int]],
                   consistent: bool = True) -> dict[str, StockLevel]:
        """Stock of many products: their counters, void tallies and sold buckets, all kinds together in the fewest
        BatchGets (100 keys each), no Query. `consistent=False` for readers that may lag a second (the storefront's
        advisory stock, the hourly alert check): half the read units."""
        counters = {(keys.counter(tenant_id, p, s), "CTR"): (p, s) for p, n in products for s in range(n)}
        tallies = {tally_key(tenant_id, p, s): (p, s) for p, n in products for s in range(n)}
        stats = {(keys.stat(tenant_id, p, b), "STAT"): p for p, _ in products for b in range(keys.STAT_BUCKETS)}
        found = read_numbers([*counters, *tallies, *stats], "reading stock", consistent=consistent)
        sold: dict[str, int] = {}
        for key, product_id in stats.items():
            sold[product_id] = sold.get(product_id, 0) + found.get(key, {}).get("sold", 0)
        voids: dict[str, dict[int, tuple[int, int]]] = {}
        for key, (product_id, shard) in tallies.items():
            if key in found:
                voids.setdefault(product_id, {})[shard] = (found[key].get("voided", 0), found[key].get("passed", 0))
        states: dict[str, list[ShardState]] = {p: [] for p, _ in products}
        for key, (product_id, shard) in counters.items():
            c = found.get(key, {})
            states[product_id].append(ShardState(shard, c.get("next", 0), c.get("size", 0), c.get("released", 0)))
        return {p: stock_level(states[p], voids.get(p, {}), sold.get(p, 0)) for p, _ in products}
