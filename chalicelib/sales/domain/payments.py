"""Payments as the sale sees them: PaymentIntents, verified events and the gateway port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ...tenancy.domain.models import Tenant


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
