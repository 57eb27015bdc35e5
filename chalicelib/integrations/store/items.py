"""PynamoDB items of outbound webhooks: endpoints, events, dedupe markers and deliveries; their key layout."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.dynamo.items import Gsi1, Gsi2, Item
from chalicelib.integrations.domain import Attempt, Delivery, EndpointSecret, Event, WebhookEndpoint

RETENTION_SECONDS = 30 * 86400  # events and deliveries are listed and replayable for 30 days


def endpoints_pk(tenant_id: str) -> str:
    # A tenant's few endpoints (at most 16) share one partition: fan-out reads them with one Query.
    return f"T#{tenant_id}#WHE"


def event_pk(tenant_id: str, event_id: str) -> str:
    return f"T#{tenant_id}#EVT#{event_id}"


def events_index(tenant_id: str) -> str:
    return f"T#{tenant_id}#EVENTS"


def dedupe_pk(tenant_id: str, dedupe_key: str) -> str:
    return f"T#{tenant_id}#EVTKEY#{hashlib.sha256(dedupe_key.encode()).hexdigest()}"


def deliveries_pk(tenant_id: str, endpoint_id: str) -> str:
    # One endpoint's deliveries in one partition, sorted by their time-ordered message ids.
    return f"T#{tenant_id}#WHM#{endpoint_id}"


DUE_KIND = "WHD"


class EndpointItem(Item):
    url = UnicodeAttribute()
    events = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    description = UnicodeAttribute(default="")
    enabled = BooleanAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    secret = BinaryAttribute(legacy_encoding=False)
    prev_secret = BinaryAttribute(legacy_encoding=False, null=True)
    prev_expires_at = NumberAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)
    failing_since = NumberAttribute(null=True)


class EventRecordItem(Item):
    event_id = UnicodeAttribute()
    type = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON text: the payload's data object as published
    api_version = UnicodeAttribute()
    created_at = NumberAttribute()
    deliveries = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    ttl = NumberAttribute(null=True)
    by_tenant = Gsi2()


class DedupeItem(Item):
    event_id = UnicodeAttribute()
    ttl = NumberAttribute(null=True)


class DeliveryItem(Item):
    tenant_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = NumberAttribute()
    next_at = NumberAttribute(null=True)
    tries = NumberAttribute(default=0)
    attempts = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    delivered_at = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    ttl = NumberAttribute(null=True)
    by_due = Gsi1()


def due_keys(d: Delivery, at: int) -> tuple[str, str]:
    from chalicelib.adapters.dynamo import layout as keys

    return keys.due(DUE_KIND, d.id), keys.due_sk(at, f"{d.tenant_id}|{d.endpoint_id}|{d.id}")


def to_endpoint(tenant_id: str, item: EndpointItem) -> WebhookEndpoint:
    prev = None
    if item.prev_secret is not None:
        expires = None if item.prev_expires_at is None else int(item.prev_expires_at)
        prev = EndpointSecret(bytes(item.prev_secret), expires)
    return WebhookEndpoint(
        tenant_id=tenant_id, id=item.sk, url=item.url, events=tuple(str(e) for e in (item.events or [])),
        description=item.description or "",
        enabled=bool(item.enabled), created_at=int(item.created_at), updated_at=int(item.updated_at),
        secret=EndpointSecret(bytes(item.secret)), previous_secret=prev, disabled_reason=item.disabled_reason,
        failing_since=None if item.failing_since is None else int(item.failing_since))


def endpoint_item(e: WebhookEndpoint) -> EndpointItem:
    prev = e.previous_secret
    return EndpointItem(endpoints_pk(e.tenant_id), e.id, url=e.url, events=list(e.events), description=e.description,
                        enabled=e.enabled, created_at=e.created_at, updated_at=e.updated_at, secret=e.secret.sealed,
                        prev_secret=prev.sealed if prev else None, prev_expires_at=prev.expires_at if prev else None,
                        disabled_reason=e.disabled_reason, failing_since=e.failing_since)


def to_event(tenant_id: str, item: EventRecordItem) -> Event:
    return Event(tenant_id=tenant_id, id=item.event_id, type=item.type, data=json.loads(item.data),
                 created_at=int(item.created_at), api_version=item.api_version)


def attempt_text(a: Attempt) -> str:
    return json.dumps({"id": a.id, "at": a.at, "code": a.status_code, "ms": a.duration_ms, "error": a.error,
                       "outcome": a.outcome}, separators=(",", ":"))


def to_attempt(text: str) -> Attempt:
    d: dict[str, Any] = json.loads(text)
    return Attempt(id=d["id"], at=int(d["at"]), status_code=d["code"], duration_ms=int(d["ms"]), error=d["error"],
                   outcome=d["outcome"])


def to_delivery(item: DeliveryItem) -> Delivery:
    return Delivery(
        tenant_id=item.tenant_id, id=item.sk, endpoint_id=item.endpoint_id, event_id=item.event_id,
        event_type=item.event_type, status=item.status, created_at=int(item.created_at),
        next_attempt_at=None if item.next_at is None else int(item.next_at), tries=int(item.tries or 0),
        attempts=tuple(to_attempt(str(a)) for a in (item.attempts or [])),
        delivered_at=None if item.delivered_at is None else int(item.delivered_at))


def delivery_item(d: Delivery) -> DeliveryItem:
    item = DeliveryItem(deliveries_pk(d.tenant_id, d.endpoint_id), d.id, tenant_id=d.tenant_id,
                        endpoint_id=d.endpoint_id, event_id=d.event_id, event_type=d.event_type, status=d.status,
                        created_at=d.created_at, next_at=d.next_attempt_at, tries=d.tries,
                        attempts=[attempt_text(a) for a in d.attempts], delivered_at=d.delivered_at,
                        ttl=d.created_at + RETENTION_SECONDS)
    if d.status == "pending" and d.next_attempt_at is not None:
        item.gsi1pk, item.gsi1sk = due_keys(d, d.next_attempt_at)
    return item
