"""JSON shapes of webhook endpoints, deliveries, attempts and events: schemas and serialisers side by side."""

from __future__ import annotations

from typing import Any

from chalicelib.http.schema import array, boolean, id_of, integer, obj, string, timestamp
from chalicelib.integrations.domain import (
    ALL_EVENTS,
    EVENT_TYPES,
    MAX_OVERLAP_SECONDS,
    MAX_URL_LENGTH,
    TEST_EVENT,
    Attempt,
    Delivery,
    DeliveryStatus,
    Event,
    WebhookEndpoint,
)

EVENT_NAMES = string("an event type, or * for all", enum=(*EVENT_TYPES, ALL_EVENTS))
_ENDPOINT_FIELDS = {
    "id": id_of("whe"), "object": string(enum=("webhook_endpoint",)), "url": string(max_length=MAX_URL_LENGTH),
    "events": array(EVENT_NAMES), "description": string(max_length=500), "enabled": boolean(),
    "disabled_reason": string("gone (410), failing (5 days), by_merchant", nullable=True),
    "failing_since": timestamp("first failed attempt of the current failure streak", nullable=True),
    "previous_secret_expires_at": timestamp("the rotated-out secret signs too until then", nullable=True),
    "created_at": timestamp(), "updated_at": timestamp(),
}
ENDPOINT = obj(_ENDPOINT_FIELDS, title="WebhookEndpoint")
ENDPOINT_WITH_SECRET = obj({**_ENDPOINT_FIELDS, "secret": string("whsec_...: shown only in this answer")},
                           title="WebhookEndpointWithSecret")
ENDPOINT_CREATE = obj({
    "url": string(max_length=MAX_URL_LENGTH), "events": array(EVENT_NAMES, min_items=1, max_items=len(EVENT_TYPES) + 1),
    "description": string(max_length=500),
}, required=("url", "events"), closed=True)
ENDPOINT_PATCH = obj({
    "url": string(max_length=MAX_URL_LENGTH), "events": array(EVENT_NAMES, min_items=1, max_items=len(EVENT_TYPES) + 1),
    "description": string(max_length=500), "enabled": boolean(),
}, required=(), closed=True)
ROTATE = obj({"overlap_seconds": integer("how long the old secret keeps signing (default 86400)", minimum=0,
                                         maximum=MAX_OVERLAP_SECONDS)}, required=(), closed=True)
REPLAY_SINCE = obj({"since": timestamp("re-send every undelivered message created at or after this time")},
                   closed=True)
DELETED = obj({"id": id_of("whe"), "object": string(enum=("webhook_endpoint",)), "deleted": boolean()})
ATTEMPT = obj({
    "id": id_of("wat"), "at": timestamp(), "status_code": integer("the receiver's HTTP status", nullable=True),
    "duration_ms": integer(minimum=0), "error": string("timeout, network or refused address", nullable=True),
    "outcome": string(enum=("delivered", "retry", "gone", "failed")),
}, title="WebhookAttempt")
DELIVERY = obj({
    "id": id_of("msg", "the message id, sent as the webhook-id header"), "object": string(enum=("webhook_delivery",)),
    "endpoint_id": id_of("whe"), "event_id": id_of("evt"), "event_type": string(),
    "status": string(enum=DeliveryStatus.ALL), "created_at": timestamp(),
    "next_attempt_at": timestamp(nullable=True), "delivered_at": timestamp(nullable=True),
    "attempts": array(ATTEMPT, "every attempt, oldest first"),
}, title="WebhookDelivery")
EVENT = obj({
    "id": id_of("evt"), "object": string(enum=("event",)), "type": string(enum=(*EVENT_TYPES, TEST_EVENT)),
    "api_version": string(), "created_at": timestamp(), "tenant_id": id_of("ten"),
    "data": {"type": "object", "description": "the object the event is about (never a card key)"},
}, title="Event")
EVENT_WITH_DELIVERIES = obj({**EVENT["properties"], "deliveries": array(DELIVERY)}, title="EventWithDeliveries")
REPLAYED = obj({"object": string(enum=("replay",)), "requeued": integer(minimum=0)})


def endpoint(e: WebhookEndpoint) -> dict[str, Any]:
    prev = e.previous_secret
    return {"id": e.id, "object": "webhook_endpoint", "url": e.url, "events": list(e.events),
            "description": e.description, "enabled": e.enabled, "disabled_reason": e.disabled_reason,
            "failing_since": e.failing_since, "previous_secret_expires_at": prev.expires_at if prev else None,
            "created_at": e.created_at, "updated_at": e.updated_at}


def attempt(a: Attempt) -> dict[str, Any]:
    return {"id": a.id, "at": a.at, "status_code": a.status_code, "duration_ms": a.duration_ms, "error": a.error,
            "outcome": a.outcome}


def delivery(d: Delivery) -> dict[str, Any]:
    return {"id": d.id, "object": "webhook_delivery", "endpoint_id": d.endpoint_id, "event_id": d.event_id,
            "event_type": d.event_type, "status": d.status, "created_at": d.created_at,
            "next_attempt_at": d.next_attempt_at if d.status == DeliveryStatus.PENDING else None,
            "delivered_at": d.delivered_at, "attempts": [attempt(a) for a in d.attempts]}


def event(e: Event) -> dict[str, Any]:
    return {"object": "event", **e.payload()}
