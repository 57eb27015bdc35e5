"""Tenants, their users and API keys: the records every other capability is scoped by."""

from __future__ import annotations

from dataclasses import dataclass


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
    timezone: str = ""  # IANA zone the shop's days and hours are counted in; "" = the locale's default

    @property
    def zone(self) -> str:
        """The zone reports use: the one set, else Asia/Shanghai for a Chinese shop and UTC otherwise."""
        return self.timezone or ("Asia/Shanghai" if self.locale == "zh-CN" else "UTC")


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
