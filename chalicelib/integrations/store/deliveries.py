"""Webhook deliveries: state per (event, endpoint) with its attempts; pending ones wait in the due index."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import PynamoDBException, UpdateError
from pynamodb.expressions.update import Action
from ulid import ULID

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.integrations.domain import Attempt, Delivery, DeliveryStatus
from chalicelib.integrations.store.items import (
    DUE_KIND,
    DeliveryItem,
    attempt_text,
    deliveries_pk,
    due_keys,
    to_delivery,
)
from chalicelib.kernel.ids import PREFIXES
from chalicelib.kernel.ports import Page

REPLAY_LIMIT = 1000


def _first_id_at(ts: int) -> str:
    """The smallest message id a message created at `ts` (Unix seconds) can have: ULIDs start with the time."""
    return f"{PREFIXES['webhook_message']}_{str(ULID.from_bytes((ts * 1000).to_bytes(6, 'big') + bytes(10))).lower()}"


class DynamoDeliveries:
    def get_deliveries(self, *, tenant_id: str, keys: Sequence[tuple[str, str]]) -> list[Delivery]:
        if not keys:
            return []
        try:
            items = DeliveryItem.batch_get([(deliveries_pk(tenant_id, e), m) for e, m in keys],
                                           consistent_read=True)
            return sorted((to_delivery(i) for i in items), key=lambda d: (d.endpoint_id, d.id))
        except PynamoDBException as exc:
            raise unavailable(exc, "reading webhook deliveries") from exc

    def list_deliveries(self, *, tenant_id: str, endpoint_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        pk = deliveries_pk(tenant_id, endpoint_id)
        last_key = None if start is None else {"pk": {"S": pk}, "sk": {"S": str(start["sk"])}}
        try:
            found = list(DeliveryItem.query(pk, limit=limit + 1, last_evaluated_key=last_key,
                                            scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing webhook deliveries") from exc
        more = len(found) > limit
        next_cursor = cursors.encode({"sk": found[limit - 1].sk}) if more else None
        return Page([to_delivery(i) for i in found[:limit]], next_cursor)

    def undelivered_since(self, *, tenant_id: str, endpoint_id: str, since: int) -> list[Delivery]:
        try:
            # Message ids sort by creation time, so "since" is a key condition, not a scan of the endpoint.
            found = DeliveryItem.query(deliveries_pk(tenant_id, endpoint_id), DeliveryItem.sk >= _first_id_at(since),
                                       filter_condition=DeliveryItem.status != DeliveryStatus.DELIVERED)
            out = []
            for item in found:
                out.append(to_delivery(item))
                if len(out) >= REPLAY_LIMIT:
                    break
            return out
        except PynamoDBException as exc:
            raise unavailable(exc, "finding undelivered messages") from exc

    def record_attempt(self, *, delivery: Delivery, attempt: Attempt, status: str, next_at: int | None,
                       now: int) -> bool:
        item = DeliveryItem(deliveries_pk(delivery.tenant_id, delivery.endpoint_id), delivery.id)
        actions: list[Action] = [DeliveryItem.status.set(status), DeliveryItem.tries.set(delivery.tries + 1),
                   DeliveryItem.attempts.set(DeliveryItem.attempts.append([attempt_text(attempt)]))]
        if status == DeliveryStatus.PENDING and next_at is not None:
            pk, sk = due_keys(delivery, next_at)
            actions += [DeliveryItem.next_at.set(next_at), DeliveryItem.gsi1pk.set(pk), DeliveryItem.gsi1sk.set(sk)]
        else:
            actions += [DeliveryItem.next_at.remove(), DeliveryItem.gsi1pk.remove(), DeliveryItem.gsi1sk.remove()]
        if status == DeliveryStatus.DELIVERED:
            actions.append(DeliveryItem.delivered_at.set(now))
        try:
            # Still the state this sender read: two senders racing (queue and schedule) record one result.
            item.update(actions=actions, condition=(DeliveryItem.tries == delivery.tries)
                        & (DeliveryItem.status == DeliveryStatus.PENDING))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "recording the webhook attempt") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the webhook attempt") from exc
        return True

    def settle(self, *, delivery: Delivery, status: str) -> bool:
        """Take a pending delivery out of the schedule without an attempt (its endpoint is gone or disabled)."""
        item = DeliveryItem(deliveries_pk(delivery.tenant_id, delivery.endpoint_id), delivery.id)
        try:
            item.update(actions=[DeliveryItem.status.set(status), DeliveryItem.next_at.remove(),
                                 DeliveryItem.gsi1pk.remove(), DeliveryItem.gsi1sk.remove()],
                        condition=(DeliveryItem.tries == delivery.tries)
                        & (DeliveryItem.status == DeliveryStatus.PENDING))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "updating the webhook delivery") from exc
        return True

    def requeue(self, *, delivery: Delivery, at: int) -> bool:
        item = DeliveryItem(deliveries_pk(delivery.tenant_id, delivery.endpoint_id), delivery.id)
        pk, sk = due_keys(delivery, at)
        try:
            # A fresh schedule (tries from 0); the attempt history stays. Only an existing delivery.
            item.update(actions=[DeliveryItem.status.set(DeliveryStatus.PENDING), DeliveryItem.tries.set(0),
                                 DeliveryItem.next_at.set(at), DeliveryItem.gsi1pk.set(pk),
                                 DeliveryItem.gsi1sk.set(sk)],
                        condition=DeliveryItem.sk.exists())
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "re-queueing the webhook delivery") from exc
        return True

    def due(self, *, now: int, limit: int) -> list[Delivery]:
        out: list[Delivery] = []
        try:
            for bucket in range(keys.DUE_PARTITIONS):
                # Due means next_at <= now: every sort key below the first one of second now + 1.
                before = DeliveryItem.gsi1sk < keys.due_sk(now + 1, "")
                for item in DeliveryItem.by_due.query(f"{DUE_KIND}#{bucket}", before, limit=limit):
                    out.append(to_delivery(item))
                    if len(out) >= limit:
                        return out
        except PynamoDBException as exc:
            raise unavailable(exc, "finding due webhook deliveries") from exc
        return out
