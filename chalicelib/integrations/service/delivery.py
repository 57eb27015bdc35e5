"""Sending webhook deliveries: one attempt each, the retry schedule, 410 and 5-day failure disabling the endpoint."""

from __future__ import annotations

import dataclasses
import html
import json
import logging

from chalicelib.integrations.domain import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Event,
    SecretBox,
    WebhookEndpoint,
    WebhookSender,
    WebhookStore,
    next_attempt_at,
    outcome_of,
    should_disable,
)
from chalicelib.kernel.errors import DomainError, NotFound
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock, Mailer
from chalicelib.tenancy.domain.ports import TenantDirectory

log = logging.getLogger(__name__)
DUE_BATCH = 100


class WebhookDeliverer:
    def __init__(self, *, store: WebhookStore, secrets: SecretBox, sender: WebhookSender, tenants: TenantDirectory,
                 mailer: Mailer, clock: Clock) -> None:
        self._store = store
        self._secrets = secrets
        self._sender = sender
        self._tenants = tenants
        self._mailer = mailer
        self._clock = clock

    def deliver_event(self, *, tenant_id: str, event_id: str, first_only: bool = True) -> int:
        """The queue's handler: send this event's deliveries that have not been tried since they were
        (re)queued; retries are left to the schedule so they keep its spacing. Returns how many were sent."""
        try:
            event, pairs = self._store.get_event(tenant_id=tenant_id, event_id=event_id)
        except NotFound:
            return 0  # expired with its retention; nothing left to send
        endpoints = {e.id: e for e in self._store.endpoints(tenant_id=tenant_id)}
        sent = 0
        for d in self._store.get_deliveries(tenant_id=tenant_id, keys=pairs):
            if d.status == DeliveryStatus.PENDING and (d.tries == 0 or not first_only):
                sent += self._attempt(d, event, endpoints) is not None
        return sent

    def deliver_due(self, *, limit: int = DUE_BATCH) -> dict[str, int]:
        """The schedule: every pending delivery whose time has come, oldest first per index partition."""
        now = self._clock.now()
        events: dict[tuple[str, str], Event | None] = {}
        endpoints: dict[str, dict[str, WebhookEndpoint]] = {}
        counts = {"due": 0, "delivered": 0, "retry": 0, "failed": 0, "skipped": 0, "errors": 0}
        for d in self._store.due(now=now, limit=limit):
            counts["due"] += 1
            try:
                key = (d.tenant_id, d.event_id)
                if key not in events:
                    try:
                        events[key] = self._store.get_event(tenant_id=d.tenant_id, event_id=d.event_id)[0]
                    except NotFound:
                        events[key] = None
                if d.tenant_id not in endpoints:
                    endpoints[d.tenant_id] = {e.id: e for e in self._store.endpoints(tenant_id=d.tenant_id)}
                event = events[key]
                if event is None:
                    self._store.settle(delivery=d, status=DeliveryStatus.SKIPPED)
                    counts["skipped"] += 1
                    continue
                outcome = self._attempt(d, event, endpoints[d.tenant_id])
                if outcome is not None:
                    counts[outcome] += 1
            except DomainError as exc:
                # One tenant's failing store call must not stop the others; it stays due.
                counts["errors"] += 1
                log.warning("webhook delivery not attempted", extra={"message_id": d.id, "code": exc.code})
        return counts

    def attempt_one(self, delivery: Delivery, event: Event) -> Delivery:
        """Send now (the test call) and return the delivery as recorded."""
        endpoints = {e.id: e for e in self._store.endpoints(tenant_id=delivery.tenant_id)}
        self._attempt(delivery, event, endpoints)
        return self._store.get_deliveries(tenant_id=delivery.tenant_id,
                                          keys=[(delivery.endpoint_id, delivery.id)])[0]

    def _attempt(self, d: Delivery, event: Event, endpoints: dict[str, WebhookEndpoint]) -> str | None:
        endpoint = endpoints.get(d.endpoint_id)
        if endpoint is None or not endpoint.enabled:
            return "skipped" if self._store.settle(delivery=d, status=DeliveryStatus.SKIPPED) else None
        now = self._clock.now()
        secrets = [self._secrets.open(tenant_id=d.tenant_id, endpoint_id=endpoint.id, sealed=s.sealed)
                   for s in endpoint.signing_secrets(now)]
        body = json.dumps(event.payload(), separators=(",", ":"), ensure_ascii=False).encode()
        result = self._sender.send(url=endpoint.url, secrets=secrets, message_id=d.id, body=body)
        now = self._clock.now()
        outcome = outcome_of(result)
        next_at: int | None = None
        status = DeliveryStatus.DELIVERED if outcome == "delivered" else DeliveryStatus.FAILED
        if outcome == "retry":
            next_at = next_attempt_at(tries=d.tries + 1, at=now)
            status = DeliveryStatus.PENDING if next_at is not None else DeliveryStatus.FAILED
            outcome = "retry" if next_at is not None else "failed"
        attempt = Attempt(id=new_id("webhook_attempt"), at=now, status_code=result.status_code,
                          duration_ms=result.duration_ms, error=result.error, outcome=outcome)
        if not self._store.record_attempt(delivery=d, attempt=attempt, status=status, next_at=next_at, now=now):
            return None  # another sender recorded this attempt first
        endpoints[endpoint.id] = self._health(endpoint, outcome, now)
        return "delivered" if outcome == "delivered" else "failed" if outcome in ("failed", "gone") else "retry"

    def _health(self, endpoint: WebhookEndpoint, outcome: str, now: int) -> WebhookEndpoint:
        t, e = endpoint.tenant_id, endpoint.id
        if outcome == "delivered":
            if endpoint.failing_since is not None:
                self._store.clear_failing(tenant_id=t, endpoint_id=e)
            return dataclasses.replace(endpoint, failing_since=None)
        if outcome == "gone":
            return self._disable(endpoint, "gone", now)
        if endpoint.failing_since is None:
            self._store.mark_failing(tenant_id=t, endpoint_id=e, since=now)
            return dataclasses.replace(endpoint, failing_since=now)
        if should_disable(failing_since=endpoint.failing_since, now=now):
            return self._disable(endpoint, "failing", now)
        return endpoint

    def _disable(self, endpoint: WebhookEndpoint, reason: str, now: int) -> WebhookEndpoint:
        if self._store.disable(tenant_id=endpoint.tenant_id, endpoint_id=endpoint.id, reason=reason, now=now):
            self._tell_owner(endpoint, reason)
        return dataclasses.replace(endpoint, enabled=False, disabled_reason=reason)

    def _tell_owner(self, endpoint: WebhookEndpoint, reason: str) -> None:
        why = ("it answered 410 Gone" if reason == "gone"
               else "every delivery to it has failed for 5 days")
        text = (f"We disabled your webhook endpoint {endpoint.id} ({endpoint.url}) because {why}.\n\n"
                "Events are still recorded. Fix the receiver, enable the endpoint again "
                f"(PATCH /v1/webhook_endpoints/{endpoint.id} with {{\"enabled\": true}}), then replay what it "
                f"missed (POST /v1/webhook_endpoints/{endpoint.id}/replay with {{\"since\": <unix time>}}).\n")
        try:
            owner = self._tenants.get(tenant_id=endpoint.tenant_id)
            body = html.escape(text).replace("\n", "<br>")
            self._mailer.send(to=owner.email, subject=f"Webhook endpoint {endpoint.id} was disabled", text=text,
                              html=f"<p>{body}</p>")
        except DomainError as exc:
            # The endpoint is disabled either way; the console shows it. A lost notice is logged, not retried.
            log.warning("could not e-mail the endpoint owner", extra={"endpoint_id": endpoint.id, "code": exc.code})
