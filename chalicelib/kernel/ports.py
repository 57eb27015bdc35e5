"""Ports every capability may need: clock, pages, encryption, mail, the queue, the outbox and events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboxMessage:
    """Something others must hear about, written in the same transaction as the change."""

    tenant_id: str
    id: str
    kind: str
    order_id: str
    created_at: int


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


class Clock(Protocol):
    def now(self) -> int: ...


class Outbox(Protocol):
    def pending(self, *, older_than: int, limit: int) -> list[OutboxMessage]: ...
    def mark_done(self, message: OutboxMessage, *, now: int, mailed: bool = False) -> None: ...
    def mark_done_many(self, messages: Sequence[OutboxMessage], *, now: int,
                       mailed: Collection[str] = ()) -> None:
        """Clears them; those whose ids are in `mailed` sent the buyer an e-mail (recorded with the time)."""
        ...
    def put(self, message: OutboxMessage) -> None: ...
    def mailed(self, *, tenant_id: str, outbox_ids: Sequence[str]) -> dict[str, int]:
        """When each of these messages e-mailed the buyer (ids that did not are left out)."""
        ...


class TenantKeys(Protocol):
    """What encryption needs of a tenant (tenancy's Tenant has it): whose key, and its sealed fingerprint secret."""

    @property
    def id(self) -> str: ...
    @property
    def fingerprint_key_ciphertext(self) -> bytes: ...


class Cipher(Protocol):
    def create_tenant_key(self) -> str: ...
    def encrypt_keys(self, *, tenant: TenantKeys, product_id: str, values: Sequence[str]) -> list[bytes]: ...
    def decrypt_key(self, *, tenant: TenantKeys, product_id: str, ciphertext: bytes) -> str: ...
    def encrypt_secret(self, *, tenant_id: str, branch_key_id: str, secret: bytes) -> bytes: ...
    def decrypt_secret(self, *, tenant: TenantKeys) -> bytes: ...
    def encrypt_bundle(self, *, tenant: TenantKeys, order_id: str, plaintext: bytes) -> bytes: ...
    def encrypt_account_secret(self, *, tenant: TenantKeys, user_id: str, secret: bytes) -> bytes: ...
    def decrypt_account_secret(self, *, tenant: TenantKeys, user_id: str, ciphertext: bytes) -> bytes: ...
    def decrypt_bundle(self, *, tenant: TenantKeys, order_id: str, ciphertext: bytes) -> bytes: ...


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str) -> str: ...


class MessageQueue(Protocol):
    def send(self, body: dict[str, str], *, delay_seconds: int = 0) -> None:
        """Queue one message, visible to consumers `delay_seconds` later (0 to 900)."""
        ...

    def acknowledge(self, receipt_handles: Sequence[str]) -> None:
        """Delete received messages that were handled (a consumer's part)."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...


class RateLimiter(Protocol):
    """Counts one request against a policy's window; raises RateLimited when over the limit."""

    def hit(self, *, policy: str, subject: str, tenant_id: str | None) -> object: ...


class EventPublisher(Protocol):
    """Records a platform event and fans it out to the tenant's webhook endpoints; idempotent on dedupe_key."""

    def publish(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str) -> str: ...
