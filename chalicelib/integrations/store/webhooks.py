"""Webhook endpoints and platform events in DynamoDB; an event and its deliveries are written in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import transaction_connection
from chalicelib.integrations.domain import Delivery, Event, WebhookEndpoint
from chalicelib.integrations.store.deliveries import DynamoDeliveries
from chalicelib.integrations.store.items import (
    RETENTION_SECONDS,
    DedupeItem,
    EndpointItem,
    EventRecordItem,
    dedupe_pk,
    delivery_item,
    endpoint_item,
    endpoints_pk,
    event_pk,
    events_index,
    to_endpoint,
    to_event,
)
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ports import Page

ENDPOINT_MISSING = "no such webhook endpoint"
EVENT_MISSING = "no such event"


def _chunks(drafts: Sequence[tuple[Event, str, Sequence[Delivery]]]) -> list[list[Any]]:
    """Drafts grouped so no transaction exceeds DynamoDB's 100 items (an event is 2 items and its deliveries)."""
    out: list[list[Any]] = [[]]
    size = 0
    for draft in drafts:
        items = 2 + len(draft[2])
        if out[-1] and size + items > 100:
            out.append([])
            size = 0
        out[-1].append(draft)
        size += items
    return [c for c in out if c]


class DynamoWebhookStore(DynamoDeliveries):
    # ---- endpoints ----------------------------------------------------------------------------------
    def create_endpoint(self, endpoint: WebhookEndpoint) -> None:
        try:
            endpoint_item(endpoint).save(condition=EndpointItem.sk.does_not_exist())  # ids are new: never overwrite
        except PynamoDBException as exc:
            raise unavailable(exc, "saving the webhook endpoint") from exc

    def get_endpoint(self, *, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        try:
            return to_endpoint(tenant_id, EndpointItem.get(endpoints_pk(tenant_id), endpoint_id, consistent_read=True))
        except DoesNotExist as exc:
            raise NotFound(ENDPOINT_MISSING, param="endpoint_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the webhook endpoint") from exc

    def endpoints(self, *, tenant_id: str) -> list[WebhookEndpoint]:
        try:
            # Oldest first (ids sort by time); at most 16 per tenant, so one page holds them all.
            return [to_endpoint(tenant_id, i) for i in EndpointItem.query(endpoints_pk(tenant_id))]
        except PynamoDBException as exc:
            raise unavailable(exc, "listing webhook endpoints") from exc

    def list_endpoints(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        pk = endpoints_pk(tenant_id)
        last_key = None if start is None else {"pk": {"S": pk}, "sk": {"S": str(start["sk"])}}
        try:
            found = list(EndpointItem.query(pk, limit=limit + 1, last_evaluated_key=last_key, scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing webhook endpoints") from exc
        more = len(found) > limit
        return Page([to_endpoint(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"sk": found[limit - 1].sk}) if more else None)

    def save_endpoint(self, endpoint: WebhookEndpoint) -> None:
        try:
            # Only an existing endpoint is replaced: a racing delete must not resurrect it.
            endpoint_item(endpoint).save(condition=EndpointItem.sk.exists())
        except PynamoDBException as exc:
            if is_condition_failure(exc):
                raise NotFound(ENDPOINT_MISSING, param="endpoint_id") from exc
            raise unavailable(exc, "saving the webhook endpoint") from exc

    def delete_endpoint(self, *, tenant_id: str, endpoint_id: str) -> None:
        try:
            EndpointItem(endpoints_pk(tenant_id), endpoint_id).delete(condition=EndpointItem.sk.exists())
        except PynamoDBException as exc:
            if is_condition_failure(exc):
                raise NotFound(ENDPOINT_MISSING, param="endpoint_id") from exc
            raise unavailable(exc, "deleting the webhook endpoint") from exc

    def mark_failing(self, *, tenant_id: str, endpoint_id: str, since: int) -> None:
        try:
            # Only the first failure of a streak sets the start; later ones must not move it forward.
            EndpointItem(endpoints_pk(tenant_id), endpoint_id).update(
                actions=[EndpointItem.failing_since.set(since)],
                condition=EndpointItem.sk.exists() & EndpointItem.failing_since.does_not_exist())
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "updating the webhook endpoint") from exc

    def clear_failing(self, *, tenant_id: str, endpoint_id: str) -> None:
        try:
            EndpointItem(endpoints_pk(tenant_id), endpoint_id).update(
                actions=[EndpointItem.failing_since.remove()], condition=EndpointItem.sk.exists())
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "updating the webhook endpoint") from exc

    def disable(self, *, tenant_id: str, endpoint_id: str, reason: str, now: int) -> bool:
        try:
            # Only the caller that flips it from enabled gets True (and so sends the one e-mail).
            EndpointItem(endpoints_pk(tenant_id), endpoint_id).update(
                actions=[EndpointItem.enabled.set(False), EndpointItem.disabled_reason.set(reason),
                         EndpointItem.updated_at.set(now)],
                condition=EndpointItem.sk.exists() & (EndpointItem.enabled == True))  # noqa: E712
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "disabling the webhook endpoint") from exc
        return True

    # ---- events -------------------------------------------------------------------------------------
    def record_events(self, drafts: Sequence[tuple[Event, str, Sequence[Delivery]]]) -> list[str]:
        """Each event with its dedupe marker and deliveries, in as few transactions as fit (100 items each);
        the ids recorded (an event already published under its dedupe key answers with that event's id).
        When one of several is a duplicate its transaction is refused whole, and each is recorded on its own."""
        ids: list[str] = []
        for chunk in _chunks(drafts):
            ids += self._record_together(chunk)
        return ids

    def _record_together(self, drafts: Sequence[tuple[Event, str, Sequence[Delivery]]]) -> list[str]:
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                for event, dedupe_key, deliveries in drafts:
                    self._stage(tx, event, dedupe_key, deliveries)
        except TransactWriteError as exc:
            codes = [r.code if r else None for r in exc.cancellation_reasons]
            # A duplicate (its dedupe marker exists) or a conflict (a busy stock line's marker written by a
            # parallel batch) refuses the transaction whole: each event is then recorded on its own.
            if "ConditionalCheckFailed" not in codes and not (len(drafts) > 1 and "TransactionConflict" in codes):
                raise unavailable(exc, "recording the event") from exc
            if len(drafts) > 1:
                return [self._record_together([draft])[0] for draft in drafts]
            return [self._deduped(drafts[0][0].tenant_id, drafts[0][1], exc)]
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the event") from exc
        return [event.id for event, _, _ in drafts]

    @staticmethod
    def _stage(tx: TransactWrite, event: Event, dedupe_key: str, deliveries: Sequence[Delivery]) -> None:
        t = event.tenant_id
        ttl = event.created_at + RETENTION_SECONDS
        record = EventRecordItem(
            event_pk(t, event.id), "EVENT", event_id=event.id, type=event.type,
            data=json.dumps(event.data, separators=(",", ":"), sort_keys=True), api_version=event.api_version,
            created_at=event.created_at, deliveries=[f"{d.endpoint_id}|{d.id}" for d in deliveries],
            gsi2pk=events_index(t), gsi2sk=event.id, ttl=ttl)
        # The dedupe marker: an event already published under this key wins, and nothing is written.
        tx.save(DedupeItem(dedupe_pk(t, dedupe_key), "DEDUPE", event_id=event.id, ttl=ttl),
                condition=DedupeItem.pk.does_not_exist())
        tx.save(record, condition=EventRecordItem.pk.does_not_exist())  # ids are new: never overwrite
        for d in deliveries:
            tx.save(delivery_item(d))

    def event_ids(self, *, tenant_id: str, dedupe_keys: Sequence[str]) -> dict[str, str]:
        """The event published under each of these dedupe keys, where one was (one BatchGetItem)."""
        wanted = {dedupe_pk(tenant_id, k): k for k in dedupe_keys}
        try:
            found = list(DedupeItem.batch_get([(pk, "DEDUPE") for pk in wanted]))
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the events") from exc
        return {wanted[i.pk]: str(i.event_id) for i in found}

    def _deduped(self, tenant_id: str, dedupe_key: str, cause: Exception) -> str:
        try:
            return str(DedupeItem.get(dedupe_pk(tenant_id, dedupe_key), "DEDUPE", consistent_read=True).event_id)
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the event") from cause

    def get_event(self, *, tenant_id: str, event_id: str) -> tuple[Event, list[tuple[str, str]]]:
        try:
            item = EventRecordItem.get(event_pk(tenant_id, event_id), "EVENT")
        except DoesNotExist as exc:
            raise NotFound(EVENT_MISSING, param="event_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the event") from exc
        pairs = [tuple(str(p).split("|", 1)) for p in (item.deliveries or [])]
        return to_event(tenant_id, item), [(a, b) for a, b in pairs]

    def list_events(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        last_key = None
        if start is not None:
            event_id = str(start["sk"])
            last_key = {"pk": {"S": event_pk(tenant_id, event_id)}, "sk": {"S": "EVENT"},
                        "gsi2pk": {"S": events_index(tenant_id)}, "gsi2sk": {"S": event_id}}
        try:
            found = list(EventRecordItem.by_tenant.query(events_index(tenant_id), limit=limit + 1,
                                                         last_evaluated_key=last_key, scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing events") from exc
        more = len(found) > limit
        return Page([to_event(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"sk": found[limit - 1].event_id}) if more else None)
