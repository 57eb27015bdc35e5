"""Entities of the core sale: tenants, API keys, products, orders and key references."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tenant:
    id: str
    slug: str
    name: str
    email: str
    plan: str
    branch_key_id: str
    fingerprint_key_ciphertext: bytes
    created_at: int
    stripe_account_id: str | None = None
    # the storefront's face (PATCH /v1/tenant): all shown as text, never as HTML
    logo_url: str = ""
    announcement: str = ""
    support_contact: str = ""  # an e-mail address or an https URL the buyer can reach the shop at
    show_stock_counts: bool = False  # exact counts on the storefront; otherwise in stock / low / sold out
    payment_methods: tuple[str, ...] = ("card",)  # card always; alipay and wechat_pay when enabled
    locale: str = "en"  # the shop's language when the buyer's Accept-Language names neither en nor zh-CN


@dataclass(frozen=True)
class User:
    tenant_id: str
    id: str
    email: str
    password_hash: str
    role: str
    created_at: int


@dataclass(frozen=True)
class ApiKey:
    """An API key record; only the hash of the secret is ever stored."""

    tenant_id: str
    id: str
    key_hash: str
    name: str
    scopes: tuple[str, ...]
    created_at: int
    revoked: bool = False
    expires_at: int | None = None  # set on the old secret when a rotation leaves it a grace period
    last_used_at: int | None = None
    hint: str = ""  # the secret's last 4 characters, so people can tell keys apart

    def usable(self, now: int) -> bool:
        return not self.revoked and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class Product:
    tenant_id: str
    id: str
    name: str
    price: int
    currency: str
    description: str
    max_per_order: int
    active: bool
    shards: int
    created_at: int
    updated_at: int
    category: str = ""
    image_url: str = ""
    usage_guide: str = ""  # shown to the buyer with the key
    usage_url: str = ""
    min_per_order: int = 1
    max_per_buyer: int = 0  # keys one e-mail may buy over time; 0 = no limit
    archived: bool = False
    low_stock_threshold: int = 10  # stock.low fires when available stock falls to this
    activation_limit: int = 1  # licence activations per key (licence API)
    # after-sales: a reported key is replaced at once within `replace_window_minutes` of delivery, at most
    # `replace_max_per_order` times per order, when `auto_replace`; otherwise it waits for the merchant's review
    auto_replace: bool = True
    replace_window_minutes: int = 60
    replace_max_per_order: int = 1


@dataclass(frozen=True, order=True)
class KeyRef:
    """Where a card key lives: its pool shard and its number in that shard's import order."""

    shard: int
    seq: int

    def encode(self) -> str:
        return f"{self.shard}:{self.seq}"

    @staticmethod
    def decode(value: str) -> KeyRef:
        shard, seq = value.split(":")
        return KeyRef(int(shard), int(seq))


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    DELIVERED = "delivered"
    FAILED = "failed"
    REFUNDED = "refunded"
    EXPIRED = "expired"


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


@dataclass(frozen=True)
class StockLevel:
    available: int
    reserved: int
    sold: int


@dataclass(frozen=True)
class StoredKey:
    """One encrypted card key as the pool keeps it (never the plaintext)."""

    ref: KeyRef
    ciphertext: bytes
    fingerprint: str
    batch_id: str
    status: str
    order_id: str | None = None


@dataclass(frozen=True)
class NewKey:
    ciphertext: bytes
    fingerprint: str
    line: int


@dataclass(frozen=True)
class OutboxMessage:
    """Something others must hear about, written in the same transaction as the change."""

    tenant_id: str
    id: str
    kind: str
    order_id: str
    created_at: int
