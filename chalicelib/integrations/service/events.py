"""Platform events: record once per dedupe key with one delivery per subscribed endpoint, then nudge the queue."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

from chalicelib.integrations.domain import (
    EVENT_TYPES,
    FIRST_ATTEMPT_GRACE,
    Delivery,
    DeliveryStatus,
    Event,
    WebhookStore,
)
from chalicelib.kernel.errors import DomainError, InvalidRequest
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock, MessageQueue

log = logging.getLogger(__name__)
QUEUE_KIND = "webhook_event"


class EventDraft(NamedTuple):
    type: str
    data: dict[str, Any]
    dedupe_key: str


class EventService:
    """The EventPublisher port. The event and its deliveries are one transaction, and each delivery is due
    FIRST_ATTEMPT_GRACE seconds later in the schedule's index: if the queue is down or its handler dies, the
    schedule sends it, so an event recorded is never lost."""

    def __init__(self, *, store: WebhookStore, queue: MessageQueue, clock: Clock) -> None:
        self._store = store
        self._queue = queue
        self._clock = clock

    def publish(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str) -> str:
        return self.publish_many(tenant_id=tenant_id, drafts=[EventDraft(type, data, dedupe_key)])[0]

    def publish_many(self, *, tenant_id: str, drafts: Sequence[EventDraft]) -> list[str]:
        """Several events of one tenant (one outbox message's): the endpoints read once, all recorded in one
        transaction; the ids in the drafts' order."""
        for d in drafts:
            if d.type not in EVENT_TYPES:
                raise InvalidRequest(f"unknown event type {d.type!r}", param="type")
            if not d.dedupe_key or len(d.dedupe_key) > 500:
                raise InvalidRequest("dedupe_key must be 1 to 500 characters", param="dedupe_key")
        if not drafts:
            return []
        # A dedupe key twice in one call (two orders of a batch crossing the same stock line) is one event.
        unique = _first_of_each(drafts)
        endpoints = [e for e in self._store.endpoints(tenant_id=tenant_id) if e.enabled]
        staged = [self._staged(tenant_id, d.type, d.data, d.dedupe_key,
                               [e.id for e in endpoints if e.subscribes(d.type)]) for d in unique]
        ids = self._store.record_events(staged)
        for (event, _, deliveries), event_id in zip(staged, ids, strict=True):
            if event_id == event.id and deliveries:
                self.nudge(tenant_id=tenant_id, event_id=event_id)
        by_key = {d.dedupe_key: event_id for d, event_id in zip(unique, ids, strict=True)}
        return [by_key[d.dedupe_key] for d in drafts]

    def record(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str,
               only_endpoint: str) -> str:
        """Record an event for one endpoint only (the test event); no nudge: the caller sends it."""
        return self._store.record_events([self._staged(tenant_id, type, data, dedupe_key, [only_endpoint])])[0]

    def _staged(self, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str,
                targets: Sequence[str]) -> tuple[Event, str, list[Delivery]]:
        now = self._clock.now()
        event = Event(tenant_id=tenant_id, id=new_id("event"), type=type, data=data, created_at=now)
        deliveries = [Delivery(tenant_id=tenant_id, id=new_id("webhook_message"), endpoint_id=endpoint_id,
                               event_id=event.id, event_type=type, status=DeliveryStatus.PENDING, created_at=now,
                               next_attempt_at=now + FIRST_ATTEMPT_GRACE) for endpoint_id in targets]
        return event, dedupe_key, deliveries

    def nudge(self, *, tenant_id: str, event_id: str) -> None:
        try:
            self._queue.send({"kind": QUEUE_KIND, "tenant_id": tenant_id, "event_id": event_id})
        except DomainError:
            # The deliveries are already in the due index; the schedule sends them.
            log.warning("queue unavailable; webhook schedule will deliver", extra={"event_id": event_id})


def _first_of_each(drafts: Sequence[EventDraft]) -> list[EventDraft]:
    seen: set[str] = set()
    out = []
    for d in drafts:
        if d.dedupe_key not in seen:
            seen.add(d.dedupe_key)
            out.append(d)
    return out
