"""Ports: what services need from stores and adapters, as Protocols the wiring fills in."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .models import ApiKey, KeyRef, NewKey, Order, OutboxMessage, Product, StockLevel, StoredKey, Tenant, User


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


class Clock(Protocol):
    def now(self) -> int: ...


class TenantStore(Protocol):
    def create(self, *, tenant: Tenant, owner: User, api_key: ApiKey) -> None: ...
    def get(self, *, tenant_id: str) -> Tenant: ...
    def by_slug(self, slug: str) -> Tenant | None: ...
    def api_key_by_hash(self, key_hash: str) -> ApiKey | None: ...


class ProductStore(Protocol):
    def create(self, product: Product) -> None: ...
    def get(self, *, tenant_id: str, product_id: str) -> Product: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def update(self, product: Product) -> None: ...
    def every_product(self) -> Iterator[Product]: ...


@dataclass(frozen=True)
class ShardState:
    shard: int
    next: int
    size: int
    released: int


@dataclass(frozen=True)
class ExpiredReservation:
    tenant_id: str
    product_id: str
    order_id: str
    ref: KeyRef


class KeyPool(Protocol):
    def begin_import(self, *, tenant_id: str, product_id: str, owner: str, lease_seconds: int) -> None: ...
    def end_import(self, *, tenant_id: str, product_id: str, owner: str) -> None: ...
    def shard_states(self, *, tenant_id: str, product_id: str, shards: int) -> list[ShardState]: ...
    def committed_fingerprints(
        self, *, tenant_id: str, product_id: str, fingerprints: Sequence[str], states: Sequence[ShardState]
    ) -> set[str]: ...
    def append(
        self, *, tenant_id: str, product_id: str, shard: int, start: int, new_keys: Sequence[NewKey],
        batch_id: str, now: int,
    ) -> None: ...
    def claim(
        self, *, tenant_id: str, product_id: str, shards: int, order_id: str, count: int, reserved_until: int
    ) -> list[KeyRef]: ...
    def release(self, *, tenant_id: str, product_id: str, order_id: str, refs: Sequence[KeyRef]) -> int: ...
    def read(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> list[StoredKey]: ...
    def stock(self, *, tenant_id: str, product_id: str, shards: int) -> StockLevel: ...
    def expired_reservations(self, *, now: int, limit: int) -> list[ExpiredReservation]: ...
    def recover_skipped(self, *, tenant_id: str, product_id: str, shards: int) -> int: ...


class OrderStore(Protocol):
    def create(self, order: Order, *, announce: OutboxMessage | None = None) -> None:
        """Saves a new order, and the outbox message announcing it in the same write when given."""
        ...
    def get(self, *, tenant_id: str, order_id: str) -> Order: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def set_status(
        self, *, tenant_id: str, order_id: str, status: str, allowed_from: Sequence[str], now: int,
        reason: str | None = None,
    ) -> bool: ...
    def expired_pending(self, *, now: int, limit: int) -> builtins.list[Order]: ...


class SaleLedger(Protocol):
    """The one transaction that turns reserved keys into a delivered order."""

    def deliver(
        self, *, order: Order, refs: Sequence[KeyRef], event_id: str, now: int, outbox: OutboxMessage
    ) -> bool: ...
    def event_seen(self, event_id: str) -> bool: ...
    def record_event(self, *, event_id: str, kind: str, now: int, note: str) -> bool: ...


class Outbox(Protocol):
    def pending(self, *, older_than: int, limit: int) -> list[OutboxMessage]: ...
    def mark_done(self, message: OutboxMessage, *, now: int) -> None: ...
    def put(self, message: OutboxMessage) -> None: ...


class Cipher(Protocol):
    def create_tenant_key(self) -> str: ...
    def encrypt_keys(self, *, tenant: Tenant, product_id: str, values: Sequence[str]) -> list[bytes]: ...
    def decrypt_key(self, *, tenant: Tenant, product_id: str, ciphertext: bytes) -> str: ...
    def encrypt_secret(self, *, tenant_id: str, branch_key_id: str, secret: bytes) -> bytes: ...
    def decrypt_secret(self, *, tenant: Tenant) -> bytes: ...


@dataclass(frozen=True)
class PaymentIntentView:
    id: str
    status: str
    amount: int
    currency: str
    metadata: dict[str, str]
    client_secret: str | None = None


@dataclass(frozen=True)
class PaymentEvent:
    id: str
    type: str
    intent: PaymentIntentView


class PaymentGateway(Protocol):
    publishable_key: str

    def create_intent(
        self, *, tenant: Tenant, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str,
        email: str,
    ) -> PaymentIntentView: ...
    def retrieve_intent(self, *, tenant: Tenant, intent_id: str) -> PaymentIntentView: ...
    def refund(self, *, tenant: Tenant, intent_id: str, idempotency_key: str) -> str: ...
    def parse_event(self, *, payload: bytes, signature: str) -> PaymentEvent | None: ...


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str) -> str: ...


class MessageQueue(Protocol):
    def send(self, body: dict[str, str]) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...


class EventPublisher(Protocol):
    """Records a platform event and fans it out to the tenant's webhook endpoints; idempotent on dedupe_key."""

    def publish(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str) -> str: ...
