"""Webhook endpoints for integrators: create, change, delete, rotate the secret, test, list deliveries, replay."""

from __future__ import annotations

import builtins
import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

from chalicelib.integrations.domain import (
    DEFAULT_OVERLAP_SECONDS,
    MAX_ENDPOINTS_PER_TENANT,
    MAX_OVERLAP_SECONDS,
    TEST_EVENT,
    Delivery,
    EndpointSecret,
    Event,
    SecretBox,
    WebhookEndpoint,
    WebhookStore,
    endpoint_url,
    event_types,
    new_secret,
)
from chalicelib.integrations.service.delivery import WebhookDeliverer
from chalicelib.integrations.service.events import EventService
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.kernel.ids import has_prefix, new_id
from chalicelib.kernel.ports import Clock, Page
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission

NUDGE_LIMIT = 100  # replays nudge the queue for this many events; the schedule takes the rest within a minute


@dataclass(frozen=True)
class Replayed:
    requeued: int


ORDER_EVENT_TYPES = ("order.created", "order.paid", "order.delivered", "order.refunded", "order.failed")


class WebhookService:
    def __init__(self, *, store: WebhookStore, secrets: SecretBox, events: EventService,
                 deliverer: WebhookDeliverer, clock: Clock, production: bool) -> None:
        self._store = store
        self._secrets = secrets
        self._events = events
        self._deliverer = deliverer
        self._clock = clock
        self._production = production

    # ---- endpoints ----------------------------------------------------------------------------------
    def create(self, *, tenant_id: str, body: Any, actor: Actor = SYSTEM) -> tuple[WebhookEndpoint, str]:
        actor.require(Permission.INTEGRATIONS)
        data = v.body_object(body)
        v.unknown_fields(data, {"url", "events", "description"})
        url = endpoint_url(data.get("url"), production=self._production)
        events = event_types(data.get("events"))
        description = v.text(data, "description", min_len=0, max_len=500, required=False)
        if len(self._store.endpoints(tenant_id=tenant_id)) >= MAX_ENDPOINTS_PER_TENANT:
            raise Conflict(f"a shop can have at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first",
                           code="too_many_endpoints")
        now = self._clock.now()
        endpoint_id = new_id("webhook_endpoint")
        secret = new_secret()
        endpoint = WebhookEndpoint(
            tenant_id=tenant_id, id=endpoint_id, url=url, events=events, description=description, enabled=True,
            created_at=now, updated_at=now,
            secret=EndpointSecret(self._secrets.seal(tenant_id=tenant_id, endpoint_id=endpoint_id, secret=secret)))
        self._store.create_endpoint(endpoint)
        return endpoint, secret

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self._store.list_endpoints(tenant_id=tenant_id, limit=limit, cursor=cursor)  # type: ignore[no-any-return]

    def get(self, *, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        _check_id(endpoint_id, "webhook_endpoint", "endpoint_id")
        return self._store.get_endpoint(tenant_id=tenant_id, endpoint_id=endpoint_id)

    def patch(self, *, tenant_id: str, endpoint_id: str, body: Any, actor: Actor = SYSTEM) -> WebhookEndpoint:
        actor.require(Permission.INTEGRATIONS)
        data = v.body_object(body)
        v.unknown_fields(data, {"url", "events", "description", "enabled"})
        endpoint = self.get(tenant_id=tenant_id, endpoint_id=endpoint_id)
        changes: dict[str, Any] = {"updated_at": self._clock.now()}
        if "url" in data:
            changes["url"] = endpoint_url(data["url"], production=self._production)
        if "events" in data:
            changes["events"] = event_types(data["events"])
        if "description" in data:
            changes["description"] = v.text(data, "description", min_len=0, max_len=500)
        if "enabled" in data:
            changes["enabled"] = v.boolean(data, "enabled")
            if changes["enabled"]:
                # A fresh start: the 5-day failure clock restarts with the next failed attempt.
                changes.update(disabled_reason=None, failing_since=None)
            elif endpoint.enabled:
                changes["disabled_reason"] = "by_merchant"
        updated = dataclasses.replace(endpoint, **changes)
        self._store.save_endpoint(updated)
        return updated

    def delete(self, *, tenant_id: str, endpoint_id: str, actor: Actor = SYSTEM) -> None:
        actor.require(Permission.INTEGRATIONS)
        _check_id(endpoint_id, "webhook_endpoint", "endpoint_id")
        self._store.delete_endpoint(tenant_id=tenant_id, endpoint_id=endpoint_id)

    def rotate_secret(self, *, tenant_id: str, endpoint_id: str, body: Any,
                      actor: Actor = SYSTEM) -> tuple[WebhookEndpoint, str]:
        actor.require(Permission.INTEGRATIONS)
        data = v.body_object(body if body is not None else {})
        v.unknown_fields(data, {"overlap_seconds"})
        overlap = v.integer(data, "overlap_seconds", low=0, high=MAX_OVERLAP_SECONDS, default=DEFAULT_OVERLAP_SECONDS)
        endpoint = self.get(tenant_id=tenant_id, endpoint_id=endpoint_id)
        now = self._clock.now()
        secret = new_secret()
        # The old secret keeps signing (a second signature) until the overlap ends, so receivers can switch.
        previous = EndpointSecret(endpoint.secret.sealed, now + overlap) if overlap else None
        updated = dataclasses.replace(
            endpoint, updated_at=now, previous_secret=previous,
            secret=EndpointSecret(self._secrets.seal(tenant_id=tenant_id, endpoint_id=endpoint_id, secret=secret)))
        self._store.save_endpoint(updated)
        return updated, secret

    # ---- test, deliveries, replay -------------------------------------------------------------------
    def send_test(self, *, tenant_id: str, endpoint_id: str, actor: Actor = SYSTEM) -> Delivery:
        actor.require(Permission.INTEGRATIONS)
        endpoint = self.get(tenant_id=tenant_id, endpoint_id=endpoint_id)
        if not endpoint.enabled:
            raise Conflict("this endpoint is disabled; enable it (PATCH enabled=true) before testing it",
                           code="endpoint_disabled", param="endpoint_id")
        data = {"object": "webhook_test", "endpoint_id": endpoint.id, "message": "a test event from kamidrop"}
        event_id = self._events.record(tenant_id=tenant_id, type=TEST_EVENT, data=data,
                                       dedupe_key=f"test:{uuid.uuid4()}", only_endpoint=endpoint.id)
        event, pairs = self._store.get_event(tenant_id=tenant_id, event_id=event_id)
        delivery = self._store.get_deliveries(tenant_id=tenant_id, keys=pairs)[0]
        return self._deliverer.attempt_one(delivery, event)

    def deliveries(self, *, tenant_id: str, endpoint_id: str, limit: int, cursor: str | None) -> Page:
        self.get(tenant_id=tenant_id, endpoint_id=endpoint_id)  # another tenant's endpoint is a 404
        return self._store.list_deliveries(tenant_id=tenant_id, endpoint_id=endpoint_id,  # type: ignore[no-any-return]
                                           limit=limit, cursor=cursor)

    def replay_endpoint(self, *, tenant_id: str, endpoint_id: str, body: Any, actor: Actor = SYSTEM) -> Replayed:
        actor.require(Permission.INTEGRATIONS)
        data = v.body_object(body)
        v.unknown_fields(data, {"since"})
        now = self._clock.now()
        since = v.integer(data, "since", low=0, high=now)
        self.get(tenant_id=tenant_id, endpoint_id=endpoint_id)
        found = self._store.undelivered_since(tenant_id=tenant_id, endpoint_id=endpoint_id, since=since)
        return self._requeue(tenant_id, found, now)

    def events(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self._store.list_events(tenant_id=tenant_id, limit=limit, cursor=cursor)  # type: ignore[no-any-return]

    def event(self, *, tenant_id: str, event_id: str) -> tuple[Event, builtins.list[Delivery]]:
        _check_id(event_id, "event", "event_id")
        event, pairs = self._store.get_event(tenant_id=tenant_id, event_id=event_id)
        return event, self._store.get_deliveries(tenant_id=tenant_id, keys=pairs)

    def for_order(self, *, tenant_id: str, order_id: str) -> builtins.list[tuple[Event, builtins.list[Delivery]]]:
        """The order's platform events (created, paid, delivered, refunded, failed) with every delivery and
        its attempts, oldest first: found by their dedupe keys, so no event list is scanned."""
        keys = [f"{t}:{order_id}" for t in ORDER_EVENT_TYPES]
        ids = self._store.event_ids(tenant_id=tenant_id, dedupe_keys=keys)
        found = [self.event(tenant_id=tenant_id, event_id=ids[k]) for k in keys if k in ids]
        return sorted(found, key=lambda pair: (pair[0].created_at, pair[0].id))

    def replay_event(self, *, tenant_id: str, event_id: str, actor: Actor = SYSTEM) -> Replayed:
        actor.require(Permission.INTEGRATIONS)
        _, deliveries = self.event(tenant_id=tenant_id, event_id=event_id)
        return self._requeue(tenant_id, deliveries, self._clock.now())

    def _requeue(self, tenant_id: str, deliveries: builtins.list[Delivery], now: int) -> Replayed:
        count = 0
        nudged: set[str] = set()
        for d in deliveries:
            if self._store.requeue(delivery=d, at=now):
                count += 1
                nudged.add(d.event_id)
        for event_id in sorted(nudged)[:NUDGE_LIMIT]:
            self._events.nudge(tenant_id=tenant_id, event_id=event_id)
        return Replayed(count)


def _check_id(value: str, kind: str, param: str) -> None:
    """A malformed id can name nothing: answer exactly as for a missing one, without a store read."""
    if not has_prefix(value, kind):
        raise NotFound(f"no such {'event' if param == 'event_id' else 'webhook endpoint'}", param=param)
