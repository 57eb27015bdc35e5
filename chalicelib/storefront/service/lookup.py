"""Finding an order again: order number + e-mail + query password, or a sign-in link that opens a buyer session."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.i18n import LOCALES, Translator
from chalicelib.kernel.ids import has_prefix, new_token, token_hash
from chalicelib.kernel.ports import Clock, Mailer, Page, RateLimiter
from chalicelib.sales.domain.models import Order
from chalicelib.sales.domain.orders import OrderQuery, OrderSearch
from chalicelib.sales.service import buyer_mail
from chalicelib.storefront.domain.lookup import (
    LINK_SECONDS,
    LOOKUP_FAILED,
    PASSWORD_MAX,
    SESSION_SECONDS,
    BuyerSession,
    BuyerSessions,
    OrderLinks,
    QueryPasswords,
    email_subject,
    normal_email,
    order_path,
)
from chalicelib.tenancy.domain.models import Tenant

MAX_TOKEN = 100  # our tokens are 22 to 43 characters; anything longer is not one of ours


@dataclass(frozen=True)
class FoundOrder:
    order: Order
    url: str  # the order page's permanent link, with its token


class OrderLookupService:
    def __init__(self, *, orders: OrderSearch, passwords: QueryPasswords, links: OrderLinks, sessions: BuyerSessions,
                 mailer: Mailer, rate_limits: RateLimiter, clock: Clock, public_base_url: str) -> None:
        self._orders = orders
        self._passwords = passwords
        self._links = links
        self._sessions = sessions
        self._mailer = mailer
        self._rate_limits = rate_limits
        self._clock = clock
        self._base = public_base_url

    def order_url(self, tenant: Tenant, order_id: str) -> str:
        return self._base + order_path(tenant.slug, order_id, self._links.token(tenant, order_id))

    def lookup(self, *, tenant: Tenant, body: Any) -> FoundOrder:
        """All three must match; every other case is the same 404 after the same argon2 work."""
        data = v.body_object(body)
        v.unknown_fields(data, {"email", "order_id", "password"})
        email = v.email(data.get("email"))
        order_id = v.text(data, "order_id", max_len=64)
        password = _password(data)
        self._rate_limits.hit(policy="email:lookup", subject=email_subject(email), tenant_id=tenant.id)
        order = self._find(tenant, order_id)
        same_email = order is not None and hmac.compare_digest(normal_email(order.email).encode(),
                                                               normal_email(email).encode())
        if order is not None and order.lookup_hash:
            matches = self._passwords.verify(order.lookup_hash, password)
        else:
            self._passwords.burn(password)  # no hash to check: spend the same time as a wrong password
            matches = False
        if order is None or not (same_email and matches):
            raise NotFound(LOOKUP_FAILED, code="order_lookup_failed")
        return FoundOrder(order, self.order_url(tenant, order.id))

    def _find(self, tenant: Tenant, order_id: str) -> Order | None:
        if not has_prefix(order_id, "order"):
            return None
        try:
            return self._orders.get(tenant_id=tenant.id, order_id=order_id)  # another shop's id is just missing
        except NotFound:
            return None

    def send_link(self, *, tenant: Tenant, body: Any, locale: str) -> None:
        """E-mails a sign-in link when the address has orders here; the caller's answer is the same either way.
        A mail that cannot be sent raises (503) so the buyer retries, never a silent success."""
        data = v.body_object(body)
        v.unknown_fields(data, {"email", "locale"})
        email = normal_email(v.email(data.get("email")))
        chosen = data.get("locale")
        if chosen is not None and chosen not in LOCALES:
            raise InvalidRequest(f"locale must be one of {', '.join(LOCALES)}", param="locale")
        self._rate_limits.hit(policy="email:login_link", subject=email_subject(email), tenant_id=tenant.id)
        if not self._has_orders(tenant, email):
            return
        token = new_token(32)
        self._sessions.put_link(tenant_id=tenant.id, token_hash=token_hash(token), email=email,
                                expires_at=self._clock.now() + LINK_SECONDS)
        url = f"{self._base}/s/{tenant.slug}/my?login={token}"
        mail = buyer_mail.sign_in_link(Translator(str(chosen or locale)), tenant=tenant, url=url)
        self._mailer.send(to=email, subject=mail.subject, text=mail.text, html=mail.html)

    def _has_orders(self, tenant: Tenant, email: str) -> bool:
        found = self._orders.search(tenant_id=tenant.id, query=OrderQuery(email=email), limit=1, cursor=None)
        return bool(found.items)

    def open_link(self, *, tenant: Tenant, token: str | None) -> str | None:
        """A new session token for a live sign-in link (the link stays usable until it expires), else None."""
        if not _plausible(token):
            return None
        now = self._clock.now()
        email = self._sessions.link_email(tenant_id=tenant.id, token_hash=token_hash(str(token)), now=now)
        if email is None:
            return None
        session = new_token(32)
        self._sessions.put_session(tenant_id=tenant.id, token_hash=token_hash(session), email=email,
                                   expires_at=now + SESSION_SECONDS)
        return session

    def session(self, *, tenant: Tenant, token: str | None) -> BuyerSession | None:
        if not _plausible(token):
            return None
        return self._sessions.session(tenant_id=tenant.id, token_hash=token_hash(str(token)), now=self._clock.now())

    def my_orders(self, *, tenant: Tenant, session: BuyerSession, limit: int, cursor: str | None) -> Page:
        """The session's e-mail's orders in this shop, newest first, each with its permanent link."""
        found = self._orders.search(tenant_id=tenant.id, query=OrderQuery(email=session.email), limit=limit,
                                    cursor=cursor)
        items = [FoundOrder(o, self.order_url(tenant, o.id)) for o in found.items
                 if o.tenant_id == tenant.id and normal_email(o.email) == session.email]
        return Page(items, found.next_cursor)

    def logout(self, *, tenant: Tenant, token: str | None) -> None:
        if _plausible(token):
            self._sessions.delete_session(tenant_id=tenant.id, token_hash=token_hash(str(token)))


def _password(data: Mapping[str, Any]) -> str:
    value = data.get("password")
    if not isinstance(value, str) or not 1 <= len(value) <= PASSWORD_MAX:
        raise InvalidRequest(f"password must be the query password you chose at checkout (1 to {PASSWORD_MAX} "
                             f"characters)", param="password")
    return value


def _plausible(token: str | None) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN
