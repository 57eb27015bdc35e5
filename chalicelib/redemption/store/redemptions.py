"""Redemptions and licence activations in DynamoDB: one conditional transaction decides each race."""

from __future__ import annotations

import builtins
import random
import time
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import FingerprintItem, transaction_connection
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ports import Page
from chalicelib.redemption.domain import SOLD, Activation, KeyRecord, Redemption
from chalicelib.redemption.store.items import (
    ActivationItem,
    RedeemableKeyItem,
    RedemptionItem,
    activations_pk,
    redemption_pk,
    redemptions_index,
)

ATTEMPTS = 5  # concurrent transactions on one key cancel each other (TransactionConflict): retry those
CHECK_FAILED = "ConditionalCheckFailed"


def _record(tenant_id: str, product_id: str, ref: KeyRef, item: RedeemableKeyItem) -> KeyRecord:
    redemption = None
    if item.redemption_id and item.redeemed_at is not None:
        redemption = Redemption(tenant_id=tenant_id, id=item.redemption_id, product_id=product_id,
                                order_id=item.order_id, redeemer=item.redeemed_by or "",
                                redeemed_at=int(item.redeemed_at), ref=ref)
    return KeyRecord(tenant_id=tenant_id, product_id=product_id, ref=ref, fingerprint=item.fp, status=item.status,
                     order_id=item.order_id, redemption=redemption,
                     event_published=bool(item.redemption_published), activations=int(item.activations or 0))


def _redemption(tenant_id: str, item: RedemptionItem) -> Redemption:
    return Redemption(tenant_id=tenant_id, id=item.redemption_id, product_id=item.product_id,
                      order_id=item.order_id, redeemer=item.redeemer, redeemed_at=int(item.redeemed_at),
                      ref=KeyRef(int(item.shard), int(item.seq)))


def _key(record: KeyRecord) -> RedeemableKeyItem:
    return RedeemableKeyItem(keys.shard(record.tenant_id, record.product_id, record.ref.shard),
                             keys.key_sk(record.ref.seq))


def _activations_pk(record: KeyRecord) -> str:
    return activations_pk(record.tenant_id, record.product_id, record.ref.shard, record.ref.seq)


class DynamoRedemptionStore:
    # ---- finding keys by value -------------------------------------------------------------------
    def find(self, *, tenant_id: str, fingerprint: str) -> builtins.list[KeyRecord]:
        """Every slot the tenant's fingerprint items point at (one per product), read consistently;
        a slot holding another fingerprint is a leftover pointer and is skipped."""
        try:
            pointers = [(item.sk[2:], KeyRef(int(item.shard), int(item.seq))) for item in
                        FingerprintItem.query(keys.fingerprint(tenant_id, fingerprint), consistent_read=True)]
            if not pointers:
                return []
            wanted = [(keys.shard(tenant_id, p, r.shard), keys.key_sk(r.seq)) for p, r in pointers]
            found = {(i.pk, i.sk): i for i in RedeemableKeyItem.batch_get(wanted, consistent_read=True)}
        except PynamoDBException as exc:
            raise unavailable(exc, "finding the key") from exc
        out = []
        for (product_id, ref), slot in zip(pointers, wanted, strict=True):
            item = found.get(slot)
            if item is not None and item.fp == fingerprint:
                out.append(_record(tenant_id, product_id, ref, item))
        return out

    def read(self, *, tenant_id: str, product_id: str, ref: KeyRef, fingerprint: str) -> KeyRecord | None:
        try:
            item = RedeemableKeyItem.get(keys.shard(tenant_id, product_id, ref.shard), keys.key_sk(ref.seq),
                                         consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the key") from exc
        return _record(tenant_id, product_id, ref, item) if item.fp == fingerprint else None

    # ---- redemption ------------------------------------------------------------------------------
    def redeem(self, *, record: KeyRecord, redemption: Redemption) -> bool:
        """True if this call redeemed the key; False if it is no longer sold-and-unredeemed."""
        t = record.tenant_id

        def write(tx: TransactWrite) -> None:
            tx.save(RedemptionItem(redemption_pk(t, redemption.id), "RED", redemption_id=redemption.id,
                                   product_id=record.product_id, order_id=record.order_id,
                                   redeemer=redemption.redeemer, redeemed_at=redemption.redeemed_at,
                                   shard=record.ref.shard, seq=record.ref.seq, gsi2pk=redemptions_index(t),
                                   gsi2sk=redemption.id),
                    condition=RedemptionItem.pk.does_not_exist())  # a fresh id: never overwrite a record
            tx.update(_key(record),
                      actions=[RedeemableKeyItem.redemption_id.set(redemption.id),
                               RedeemableKeyItem.redeemed_at.set(redemption.redeemed_at),
                               RedeemableKeyItem.redeemed_by.set(redemption.redeemer)],
                      # Sold, never redeemed, and still this key: of N concurrent calls exactly one passes.
                      condition=(RedeemableKeyItem.status == SOLD) & RedeemableKeyItem.redeemed_at.does_not_exist()
                      & (RedeemableKeyItem.fp == record.fingerprint))

        return self._transact(write, lost_at=1, token=redemption.id, what="redeeming the key")

    def mark_published(self, *, record: KeyRecord) -> None:
        if record.redemption is None:
            return
        try:
            # Only the redemption the event was about; harmless to repeat.
            _key(record).update(actions=[RedeemableKeyItem.redemption_published.set(True)],
                                condition=RedeemableKeyItem.redemption_id == record.redemption.id)
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "recording the event") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the event") from exc

    def get(self, *, tenant_id: str, redemption_id: str) -> Redemption:
        try:
            return _redemption(tenant_id, RedemptionItem.get(redemption_pk(tenant_id, redemption_id), "RED"))
        except DoesNotExist as exc:
            raise NotFound("no such redemption", param="redemption_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the redemption") from exc

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        last_key = None
        if start is not None:
            red_id = str(start["sk"])
            last_key = {"pk": {"S": redemption_pk(tenant_id, red_id)}, "sk": {"S": "RED"},
                        "gsi2pk": {"S": redemptions_index(tenant_id)}, "gsi2sk": {"S": red_id}}
        try:
            found = builtins.list(RedemptionItem.by_tenant.query(
                redemptions_index(tenant_id), limit=limit + 1, last_evaluated_key=last_key,
                scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing redemptions") from exc
        more = len(found) > limit
        return Page([_redemption(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"sk": found[limit - 1].redemption_id}) if more else None)

    # ---- licence activations -----------------------------------------------------------------------
    def activate(self, *, record: KeyRecord, activation: Activation, limit: int) -> bool:
        """True if the activation took a slot; False at the limit or when the key is no longer sold."""
        condition = (RedeemableKeyItem.status == SOLD) & (RedeemableKeyItem.fp == record.fingerprint)
        if limit > 0:
            # The counter and the activation item change together, so the count is exact and this
            # condition holds the limit however many clients activate at once.
            condition = condition & (RedeemableKeyItem.activations.does_not_exist()
                                     | (RedeemableKeyItem.activations < limit))

        def write(tx: TransactWrite) -> None:
            tx.save(ActivationItem(_activations_pk(record), activation.id, instance_name=activation.instance_name,
                                   created_at=activation.created_at),
                    condition=ActivationItem.pk.does_not_exist())
            tx.update(_key(record), actions=[RedeemableKeyItem.activations.add(1)], condition=condition)

        return self._transact(write, lost_at=1, token=activation.id, what="activating the licence")

    def deactivate(self, *, record: KeyRecord, instance_id: str) -> bool:
        """True if this call removed the instance (and freed its slot); False if it was not there."""

        def write(tx: TransactWrite) -> None:
            # Only an instance that exists frees a slot: a repeated deactivate changes nothing.
            tx.delete(ActivationItem(_activations_pk(record), instance_id),
                      condition=ActivationItem.pk.exists())
            tx.update(_key(record), actions=[RedeemableKeyItem.activations.add(-1)],
                      condition=RedeemableKeyItem.activations > 0)  # never below zero

        return self._transact(write, lost_at=0, token=None, what="deactivating the licence")

    def activation(self, *, record: KeyRecord, instance_id: str) -> Activation | None:
        try:
            item = ActivationItem.get(_activations_pk(record), instance_id, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the licence") from exc
        return Activation(id=instance_id, instance_name=item.instance_name, created_at=int(item.created_at))

    # ---- one place for the transaction retry rules ---------------------------------------------------
    def _transact(self, write: Callable[[TransactWrite], None], *, lost_at: int, token: str | None,
                  what: str) -> bool:
        """Run the transaction: True when it committed, False when the condition at `lost_at` failed
        (the race was lost). Conflicts with a concurrent transaction are retried with jitter."""
        for attempt in range(ATTEMPTS):
            try:
                # A client token makes the SDK's own resend of a commit whose answer was lost succeed instead
                # of failing on its own condition (DynamoDB remembers tokens for 10 minutes); one per attempt.
                attempt_token = f"{token}-{attempt}" if token else None
                with TransactWrite(connection=transaction_connection(), client_request_token=attempt_token) as tx:
                    write(tx)
                return True
            except TransactWriteError as exc:
                codes = [r.code if r else None for r in (exc.cancellation_reasons or [])]
                if len(codes) > lost_at and codes[lost_at] == CHECK_FAILED:
                    return False
                if CHECK_FAILED in codes or "TransactionConflict" not in codes or attempt == ATTEMPTS - 1:
                    raise unavailable(exc, what) from exc
                time.sleep(0.01 * (2 ** attempt) * random.random())
            except PynamoDBException as exc:
                raise unavailable(exc, what) from exc
        return False  # not reached: the last attempt returns or raises
