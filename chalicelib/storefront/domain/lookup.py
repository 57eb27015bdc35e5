"""Finding an order again: derived order links, query passwords, sign-in links and buyer sessions (ports)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from ...tenancy.domain.models import Tenant

LINK_SECONDS = 30 * 60  # a sign-in link by e-mail works this long (and more than once: mail scanners open it)
SESSION_SECONDS = 7 * 24 * 3600  # a buyer session from a sign-in link
SESSION_COOKIE = "kd_buyer"
PASSWORD_MIN, PASSWORD_MAX = 6, 64
LOOKUP_FAILED = ("no order matches this order number, e-mail and query password; check the order number in "
                 "your order e-mail and the query password you chose at checkout, or ask for a sign-in link "
                 "by e-mail to see all your orders")


def normal_email(email: str) -> str:
    """The form two spellings of one address share (Bob@x and bob@x are one buyer, as customers count them)."""
    return email.strip().lower()


def email_subject(email: str) -> str:
    """A rate-limit subject for an address that does not store the address itself."""
    return "email:" + hashlib.sha256(normal_email(email).encode()).hexdigest()[:32]


def order_path(slug: str, order_id: str, token: str) -> str:
    """The order page's permanent address (path and query), the token being the order's derived token."""
    return f"/s/{slug}/orders/{order_id}?token={token}"


class OrderLinks(Protocol):
    """The order page token of an order, derived again whenever it is needed (nothing to store or lose)."""

    def token(self, tenant: Tenant, order_id: str) -> str: ...


class QueryPasswords(Protocol):
    """The buyer's optional query password: an argon2 hash, and a verification that always costs the same."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def burn(self, password: str) -> None:
        """One verification against a dummy hash: the work a real check costs, when there is nothing to check."""
        ...


@dataclass(frozen=True)
class BuyerSession:
    tenant_id: str
    email: str
    expires_at: int


class BuyerSessions(Protocol):
    """Sign-in links and sessions by the SHA-256 of their tokens; both end through the table's TTL."""

    def put_link(self, *, tenant_id: str, token_hash: str, email: str, expires_at: int) -> None: ...
    def link_email(self, *, tenant_id: str, token_hash: str, now: int) -> str | None: ...
    def put_session(self, *, tenant_id: str, token_hash: str, email: str, expires_at: int) -> None: ...
    def session(self, *, tenant_id: str, token_hash: str, now: int) -> BuyerSession | None: ...
    def delete_session(self, *, tenant_id: str, token_hash: str) -> None: ...
