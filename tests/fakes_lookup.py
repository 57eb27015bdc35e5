"""In-memory fakes for order lookup: query passwords that count their work, order links, buyer sessions."""

from __future__ import annotations

import hashlib

from chalicelib.storefront.domain.lookup import BuyerSession
from chalicelib.tenancy.domain.models import Tenant


class CountingPasswords:
    """Stands in for argon2: `work` counts every verification, real or dummy."""

    def __init__(self) -> None:
        self.work = 0

    def hash(self, password: str) -> str:
        return "fake$" + hashlib.sha256(password.encode()).hexdigest()

    def verify(self, password_hash: str, password: str) -> bool:
        self.work += 1
        return password_hash == self.hash(password)

    def burn(self, password: str) -> None:
        self.work += 1


class FakeOrderLinks:
    def token(self, tenant: Tenant, order_id: str) -> str:
        return hashlib.sha256(f"{tenant.id}|{order_id}".encode()).hexdigest()[:22]


class FakeBuyerSessions:
    def __init__(self) -> None:
        self.links: dict[tuple[str, str], tuple[str, int]] = {}
        self.sessions: dict[tuple[str, str], tuple[str, int]] = {}

    def put_link(self, *, tenant_id: str, token_hash: str, email: str, expires_at: int) -> None:
        self.links[(tenant_id, token_hash)] = (email, expires_at)

    def link_email(self, *, tenant_id: str, token_hash: str, now: int) -> str | None:
        found = self.links.get((tenant_id, token_hash))
        return found[0] if found and found[1] > now else None

    def put_session(self, *, tenant_id: str, token_hash: str, email: str, expires_at: int) -> None:
        self.sessions[(tenant_id, token_hash)] = (email, expires_at)

    def session(self, *, tenant_id: str, token_hash: str, now: int) -> BuyerSession | None:
        found = self.sessions.get((tenant_id, token_hash))
        return BuyerSession(tenant_id, found[0], found[1]) if found and found[1] > now else None

    def delete_session(self, *, tenant_id: str, token_hash: str) -> None:
        self.sessions.pop((tenant_id, token_hash), None)
