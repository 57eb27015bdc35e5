"""Platform events: record once per dedupe key with one delivery per subscribed endpoint, then nudge the queue."""

from __future__ import annotations

import logging
from typing import Any

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


class EventService:
    """The EventPublisher port. The event and its deliveries are one transaction, and each delivery is due
    FIRST_ATTEMPT_GRACE seconds later in the schedule's index: if the queue is down or its handler dies, the
    schedule sends it, so an event recorded is never lost."""

    def __init__(self, *, store: WebhookStore, queue: MessageQueue, clock: Clock) -> None:
        self._store = store
        self._queue = queue
        self._clock = clock

    def publish(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str) -> str:
        if type not in EVENT_TYPES:
            raise InvalidRequest(f"unknown event type {type!r}", param="type")
        if not dedupe_key or len(dedupe_key) > 500:
            raise InvalidRequest("dedupe_key must be 1 to 500 characters", param="dedupe_key")
        return self.record(tenant_id=tenant_id, type=type, data=data, dedupe_key=dedupe_key)

    def record(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str,
               only_endpoint: str | None = None) -> str:
        """Record the event and its deliveries; `only_endpoint` addresses one endpoint (the test event)."""
        now = self._clock.now()
        if only_endpoint is None:
            targets = [e.id for e in self._store.endpoints(tenant_id=tenant_id) if e.enabled and e.subscribes(type)]
        else:
            targets = [only_endpoint]
        event = Event(tenant_id=tenant_id, id=new_id("event"), type=type, data=data, created_at=now)
        deliveries = [Delivery(tenant_id=tenant_id, id=new_id("webhook_message"), endpoint_id=endpoint_id,
                               event_id=event.id, event_type=type, status=DeliveryStatus.PENDING, created_at=now,
                               next_attempt_at=now + FIRST_ATTEMPT_GRACE) for endpoint_id in targets]
        event_id = self._store.record_event(event=event, dedupe_key=dedupe_key, deliveries=deliveries)
        if event_id == event.id and deliveries and only_endpoint is None:
            self.nudge(tenant_id=tenant_id, event_id=event_id)
        return event_id

    def nudge(self, *, tenant_id: str, event_id: str) -> None:
        try:
            self._queue.send({"kind": QUEUE_KIND, "tenant_id": tenant_id, "event_id": event_id})
        except DomainError:
            # The deliveries are already in the due index; the schedule sends them.
            log.warning("queue unavailable; webhook schedule will deliver", extra={"event_id": event_id})
