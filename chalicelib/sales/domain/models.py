"""Orders and their statuses: the record of one sale from checkout to delivery or refund."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ...inventory.domain.models import KeyRef


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    DELIVERED = "delivered"
    FAILED = "failed"
    REFUNDED = "refunded"
    EXPIRED = "expired"
    REVIEW = "review"  # held before payment by the shop's risk rules: the merchant approves or rejects it
    REJECTED = "rejected"  # the merchant rejected it in review: nothing was paid, the keys went back


# A payment may still land on these; the others are final.
PAYABLE_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.EXPIRED, OrderStatus.FAILED})


@dataclass(frozen=True)
class Order:
    tenant_id: str
    id: str
    status: OrderStatus
    product_id: str
    quantity: int
    amount: int
    currency: str
    email: str
    token_hash: str
    created_at: int
    expires_at: int
    keys: tuple[KeyRef, ...] = ()
    payment_intent_id: str | None = None
    paid_at: int | None = None
    delivered_at: int | None = None
    refunded_at: int | None = None
    failure_reason: str | None = None
    product_name: str = ""
    events: tuple[str, ...] = field(default_factory=tuple)
    locale: str = "en"  # the buyer's language at checkout: their e-mails use it
    lookup_hash: str = ""  # argon2 hash of the buyer's optional query password ("" = none set)
    replacements: int = 0  # keys replaced through after-sales so far
    reported: tuple[KeyRef, ...] = ()  # keys of this order the buyer reported (never sold again)
    # Written at delivery: the keys sealed as one bundle (sales/domain/bundle.py) and the product's usage guide
    # as it was then, so the order page reads one item and decrypts once. None on orders delivered before.
    keys_bundle: bytes | None = field(default=None, repr=False)
    usage_guide: str | None = None
    usage_url: str = ""
    # where the buyer came from and on what (kernel.attribution), for the funnel's paid step; "" when unknown
    source: str = ""
    device: str = ""
    # the buyer-limit windows (sales/domain/buyer_limits.py) its quantity was counted in at checkout, and whether
    # it counts there now (False once given back: lapsed, failed or refunded before delivery)
    limit_windows: tuple[str, ...] = ()
    limits_held: bool = False
    # the price it was sold at, as the pricing function made it: (kind, amount, ref) lines that add up to `amount`
    # (list price first); empty on orders placed before, which sold at the list price
    price_lines: tuple[tuple[str, int, str], ...] = ()
    # the risk decision at checkout (risk/domain/assessment.py): its score, decision and (reason, points), and
    # the digests of the subjects it was counted against (a failed payment counts against them too)
    risk_score: int = 0
    risk_decision: str = ""
    risk_reasons: tuple[tuple[str, int], ...] = ()
    risk_subjects: tuple[tuple[str, str], ...] = ()

    @property
    def pricing(self) -> tuple[tuple[str, int, str], ...]:
        return self.price_lines or (("list", self.amount, ""),)
