"""Outbound webhooks as pure rules: event catalogue, payload version, retry schedule, URL policy, ports."""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..kernel.errors import InvalidRequest

API_VERSION = "2026-11-01"
EVENT_TYPES = (
    "order.created", "order.paid", "order.delivered", "order.refunded", "order.failed",
    "stock.low", "stock.out", "key.redeemed", "key.reported", "report.ready",
)
TEST_EVENT = "webhook.test"  # sent only by the test call, to one endpoint; never subscribable
ALL_EVENTS = "*"
# Wait after attempt n (1-based) failed before attempt n + 1: 9 retries over about 3.15 days.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER_FAILING_SECONDS = 5 * 86400
FIRST_ATTEMPT_GRACE = 30  # the queue sends at once; the schedule takes over if it has not within this
SEND_TIMEOUT_SECONDS = 10.0
DEFAULT_OVERLAP_SECONDS = 24 * 3600
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
MAX_ENDPOINTS_PER_TENANT = 16
MAX_URL_LENGTH = 2048


class DeliveryStatus:
    PENDING = "pending"      # an attempt is due at next_attempt_at
    DELIVERED = "delivered"  # a 2xx answer
    FAILED = "failed"        # all attempts used, or the endpoint answered 410 Gone
    SKIPPED = "skipped"      # the endpoint was disabled or deleted before it could be sent
    ALL = ("pending", "delivered", "failed", "skipped")


@dataclass(frozen=True)
class EndpointSecret:
    """A signing secret as stored: sealed (encrypted) bytes; `expires_at` only on a rotated-out one."""

    sealed: bytes
    expires_at: int | None = None


@dataclass(frozen=True)
class WebhookEndpoint:
    tenant_id: str
    id: str
    url: str
    events: tuple[str, ...]
    description: str
    enabled: bool
    created_at: int
    updated_at: int
    secret: EndpointSecret
    previous_secret: EndpointSecret | None = None
    disabled_reason: str | None = None
    failing_since: int | None = None

    def subscribes(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events

    def signing_secrets(self, now: int) -> list[EndpointSecret]:
        """The current secret, plus the previous one while its overlap window lasts (two signatures)."""
        out = [self.secret]
        prev = self.previous_secret
        if prev is not None and prev.expires_at is not None and prev.expires_at > now:
            out.append(prev)
        return out


@dataclass(frozen=True)
class Event:
    tenant_id: str
    id: str
    type: str
    data: dict[str, Any]
    created_at: int
    api_version: str = API_VERSION

    def payload(self) -> dict[str, Any]:
        """The versioned body every endpoint receives for this event."""
        return {"id": self.id, "type": self.type, "api_version": self.api_version, "created_at": self.created_at,
                "tenant_id": self.tenant_id, "data": self.data}


@dataclass(frozen=True)
class Attempt:
    id: str
    at: int
    status_code: int | None
    duration_ms: int
    error: str | None
    outcome: str  # delivered, retry, gone, failed


@dataclass(frozen=True)
class Delivery:
    """One event to one endpoint (a Standard Webhooks "message"; its id is the webhook-id header)."""

    tenant_id: str
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    created_at: int
    next_attempt_at: int | None
    tries: int = 0  # attempts since the last (re)queue; drives the schedule
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)
    delivered_at: int | None = None


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    duration_ms: int
    error: str | None = None


def new_secret() -> str:
    """Standard Webhooks format: whsec_ + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def outcome_of(result: SendResult) -> str:
    """2xx delivered; 410 Gone disables the endpoint; anything else (timeouts, network errors, 3xx, 4xx, 5xx)
    is retried on the schedule, as the Standard Webhooks spec recommends for every non-2xx."""
    code = result.status_code
    if code is not None and 200 <= code < 300:
        return "delivered"
    if code == 410:
        return "gone"
    return "retry"


def next_attempt_at(*, tries: int, at: int) -> int | None:
    """After `tries` failed attempts (the last at `at`), when to try again; None when they are used up."""
    if tries < 1 or tries > len(RETRY_DELAYS):
        return None
    return at + RETRY_DELAYS[tries - 1]


def should_disable(*, failing_since: int | None, now: int) -> bool:
    return failing_since is not None and now - failing_since >= DISABLE_AFTER_FAILING_SECONDS


def event_types(value: Any, *, param: str = "events") -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= len(EVENT_TYPES) + 1:
        raise InvalidRequest(f"{param} must be a list of 1 to {len(EVENT_TYPES) + 1} event types, or [\"*\"]",
                             param=param)
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or (item not in EVENT_TYPES and item != ALL_EVENTS):
            raise InvalidRequest(f"unknown event type {item!r}; known: {', '.join(EVENT_TYPES)} or '*'", param=param)
        if item not in out:
            out.append(item)
    return tuple(out)


def endpoint_url(value: Any, *, production: bool) -> str:
    """Shape checks that need no DNS; addresses are checked by the sender on every send."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_URL_LENGTH:
        raise InvalidRequest(f"url must be a string of 1 to {MAX_URL_LENGTH} characters", param="url")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest("url is not a valid URL", param="url") from exc
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise InvalidRequest(f"url must be an absolute {' or '.join(allowed)} URL", code="invalid_url", param="url")
    if parts.username or parts.password:
        raise InvalidRequest("url must not carry a user name or password", code="invalid_url", param="url")
    if parts.fragment:
        raise InvalidRequest("url must not have a #fragment", code="invalid_url", param="url")
    if port == 0:
        raise InvalidRequest("url has an invalid port", code="invalid_url", param="url")
    if production:
        refused = refused_address_reason(parts.hostname)
        if refused is not None or parts.hostname.lower() in ("localhost",) or parts.hostname.endswith(".localhost"):
            raise InvalidRequest(f"url points at a {refused or 'loopback'} address; use a public host",
                                 code="url_not_allowed", param="url")
    return value


def refused_address_reason(host: str) -> str | None:
    """Why an IP literal may not receive webhooks in production (None for a public address or a name)."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "non-public"
    return None


class WebhookStore(Protocol):
    def create_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    def get_endpoint(self, *, tenant_id: str, endpoint_id: str) -> WebhookEndpoint: ...
    def endpoints(self, *, tenant_id: str) -> list[WebhookEndpoint]: ...
    def list_endpoints(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...
    def save_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    def delete_endpoint(self, *, tenant_id: str, endpoint_id: str) -> None: ...
    def mark_failing(self, *, tenant_id: str, endpoint_id: str, since: int) -> None: ...
    def clear_failing(self, *, tenant_id: str, endpoint_id: str) -> None: ...
    def disable(self, *, tenant_id: str, endpoint_id: str, reason: str, now: int) -> bool: ...
    def record_events(self, drafts: Sequence[tuple[Event, str, Sequence[Delivery]]]) -> list[str]: ...
    def get_event(self, *, tenant_id: str, event_id: str) -> tuple[Event, list[tuple[str, str]]]: ...
    def event_ids(self, *, tenant_id: str, dedupe_keys: Sequence[str]) -> dict[str, str]: ...
    def list_events(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...
    def get_deliveries(self, *, tenant_id: str, keys: Sequence[tuple[str, str]]) -> list[Delivery]: ...
    def list_deliveries(self, *, tenant_id: str, endpoint_id: str, limit: int, cursor: str | None) -> Any: ...
    def undelivered_since(self, *, tenant_id: str, endpoint_id: str, since: int) -> list[Delivery]: ...
    def record_attempt(self, *, delivery: Delivery, attempt: Attempt, status: str, next_at: int | None,
                       now: int) -> bool: ...
    def settle(self, *, delivery: Delivery, status: str) -> bool: ...
    def requeue(self, *, delivery: Delivery, at: int) -> bool: ...
    def due(self, *, now: int, limit: int) -> list[Delivery]: ...


class SecretBox(Protocol):
    """Seals endpoint signing secrets under the tenant's key material; they must be usable again to sign."""

    def seal(self, *, tenant_id: str, endpoint_id: str, secret: str) -> bytes: ...
    def open(self, *, tenant_id: str, endpoint_id: str, sealed: bytes) -> str: ...


class WebhookSender(Protocol):
    def send(self, *, url: str, secrets: Sequence[str], message_id: str, body: bytes) -> SendResult: ...
