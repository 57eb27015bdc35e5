"""Starting a checkout: reserve keys with conditional writes, open a PaymentIntent, save the order."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from chalicelib.catalog.domain import Product, ProductDirectory
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel import validation as v
from chalicelib.kernel.attribution import UNKNOWN, Origin
from chalicelib.kernel.errors import (
    ChallengeRequired,
    Conflict,
    DomainError,
    InvalidRequest,
    NotFound,
    OutOfStock,
    RiskRefused,
    VersionConflict,
)
from chalicelib.kernel.i18n import LOCALES
from chalicelib.kernel.ids import new_id, new_token, token_hash
from chalicelib.kernel.outbox_nudge import nudge
from chalicelib.kernel.ports import Clock, MessageQueue, Outbox, OutboxMessage
from chalicelib.marketing.domain.pricing import COUPON, PriceRules, Quote, Threshold, Tier, quote
from chalicelib.risk.domain.assessment import BLOCK, CHALLENGE, REVIEW
from chalicelib.risk.service.engine import Attempt, Verdict
from chalicelib.sales.domain.buyer_limits import Hold, coupon_holds, holds, limit_reached, limits_of, over
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.payments import PaymentGateway
from chalicelib.sales.domain.ports import OrderStore
from chalicelib.storefront.domain.lookup import PASSWORD_MAX, PASSWORD_MIN, OrderLinks, QueryPasswords
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory

log = logging.getLogger(__name__)


class Coupons(Protocol):
    def for_checkout(self, *, tenant_id: str, code: str, product_id: str, currency: str, email: str) -> Any: ...


class Thresholds(Protocol):
    def for_checkout(self, *, tenant_id: str, currency: str) -> tuple[Threshold, ...]: ...


class Risk(Protocol):
    def assess(self, attempt: Attempt, *, bought_before: Any) -> Verdict: ...


class Buyers(Protocol):
    def bought_before(self, *, tenant_id: str, email: str) -> bool: ...


@dataclass(frozen=True)
class Client:
    """Who is on the other end, as the request shows it: the address, and the CDN's country and network headers
    ("" when absent). The device id comes in the body: the checkout page's script sends it."""

    ip: str = ""
    country: str = ""
    network: str = ""


DEVICE_ID = re.compile(r"^[A-Za-z0-9_.-]{8,100}$")


@dataclass(frozen=True)
class CheckoutStarted:
    order: Order
    token: str
    client_secret: str  # "" when the order is held for review: it is paid once the merchant approves it
    publishable_key: str

    @property
    def in_review(self) -> bool:
        return self.order.status == OrderStatus.REVIEW


class CheckoutService:
    def __init__(self, *, tenants: TenantDirectory, products: ProductDirectory, pool: KeyPool, orders: OrderStore,
                 payments: PaymentGateway, clock: Clock, reservation_seconds: int, outbox: Outbox | None = None,
                 queue: MessageQueue | None = None, links: OrderLinks | None = None,
                 passwords: QueryPasswords | None = None, coupons: Coupons | None = None, risk: Risk | None = None,
                 buyers: Buyers | None = None, thresholds: Thresholds | None = None) -> None:
        self._thresholds = thresholds  # marketing's spend thresholds (满减) in the product's currency
        self._coupons = coupons  # marketing's coupons: which applies to a buyer's order
        self._risk = risk  # risk's engine: allow, challenge, review or block (None: every checkout allowed)
        self._buyers = buyers  # whether an e-mail bought here before (the new-buyer rule asks for large orders)
        self._tenants = tenants
        self._products = products
        self._pool = pool
        self._orders = orders
        self._payments = payments
        self._clock = clock
        self._reservation_seconds = reservation_seconds
        self._outbox = outbox  # when wired in, order.created is announced through the outbox
        self._queue = queue
        # links: the order token derived from the order id (the e-mail can carry it); without it a random one
        self._links = links
        self._passwords = passwords

    def shop(self, slug: str) -> Tenant:
        tenant = self._tenants.by_slug(slug) if v.SLUG_RE.fullmatch(slug) else None
        if tenant is None:
            raise NotFound("no such shop")
        return tenant

    def start(self, *, slug: str, body: Any, locale: str = "en", origin: Origin = UNKNOWN,
              client: Client = Client()) -> CheckoutStarted:
        """`locale` is the buyer's language negotiated from the request; the body's `locale` overrides it.
        `origin`: the channel and device the storefront saw, kept on the order for the funnel. `client`: the
        address and headers the risk rules read, with the body's `device` and `challenge`.

        The product comes from this container's recent copy; the order is saved only while the product is
        still at that version, so a change made elsewhere meanwhile makes the checkout read it again."""
        tenant = self.shop(slug)
        data = v.body_object(body)
        v.unknown_fields(data, {"product_id", "quantity", "email", "query_password", "locale", "coupon", "device",
                                "challenge"})
        coupon_code = v.optional_text(data, "coupon", max_len=40, single_line=True) if "coupon" in data else ""
        device = _device(data.get("device"))
        solved = _challenge(data.get("challenge"))
        product_id = v.text(data, "product_id", max_len=64)
        email = v.email(data.get("email"))
        password = _query_password(data.get("query_password"))
        locale = _locale(data.get("locale"), default=locale)
        lookup_hash: str | None = None
        for fresh in (False, True):
            product = (self._products.get if fresh else self._products.recent)(tenant_id=tenant.id,
                                                                                 product_id=product_id)
            try:
                quantity = _quantity(product, data, now=self._clock.now())
            except InvalidRequest:
                if fresh:
                    raise
                continue  # refused on a copy that may be old: ask the store before saying no
            if lookup_hash is None:
                lookup_hash = self._hash(password) if password else ""  # ~0.1 s of argon2, before any key is held
            try:
                return self._place(tenant, product, quantity=quantity, email=email, locale=locale,
                                   lookup_hash=lookup_hash, origin=origin, coupon_code=coupon_code,
                                   attempt=Attempt(tenant=tenant, email=email, ip=client.ip, device=device,
                                                   quantity=quantity, amount=0, country=client.country,
                                                   network=client.network, challenge=solved[0], nonce=solved[1]))
            except VersionConflict as exc:
                self._products.forget(tenant_id=tenant.id, product_id=product_id)
                if fresh:
                    raise Conflict("the product changed while the order was placed; place it again",
                                   code="product_changed", param="product_id") from exc
        raise AssertionError("unreachable: the fresh attempt returns or raises")

    def _place(self, tenant: Tenant, product: Product, *, quantity: int, email: str, locale: str,
               lookup_hash: str, origin: Origin, coupon_code: str = "", attempt: Attempt | None = None,
               ) -> CheckoutStarted:
        """Price it, ask the risk rules, take the buyer's limits and the coupon's uses, reserve the keys, open the
        PaymentIntent (not for an order held for review), save the order; nothing stays reserved or taken if any
        step fails."""
        now = self._clock.now()
        coupon = self._coupon(tenant, product, coupon_code, email) if coupon_code else None
        steps = (self._thresholds.for_checkout(tenant_id=tenant.id, currency=product.currency)
                 if self._thresholds is not None else ())
        priced = quote(PriceRules(product.price, quantity, tiers=tuple(Tier(q, p) for q, p in product.price_tiers),
                                  thresholds=steps, coupon=coupon.terms if coupon else None))
        if coupon is not None and not any(line.kind == COUPON for line in priced.lines):
            raise InvalidRequest(f"this coupon needs an order of at least {coupon.min_amount} (minor units of "
                                 f"{product.currency.upper()}); add to the order or leave the coupon out",
                                 code="coupon_below_minimum", param="coupon", extra={"min_amount": coupon.min_amount})
        if priced.total < 1:
            raise InvalidRequest("this coupon would make the order free, which card payment cannot take; the shop "
                                 "can give keys away from the console instead", code="coupon_makes_free",
                                 param="coupon")
        limits = limits_of(product)
        too_many = over(limits, quantity)
        if too_many is not None:  # no counter needed to say no: the order alone passes the limit
            raise limit_reached(too_many, limits.of(too_many), product.name, alone=True)
        verdict = self._assess(attempt, priced.total, product) if attempt is not None else None
        taken = holds(limits, now, tenant.zone) + (
            coupon_holds(coupon.code, coupon.total_cap, coupon.per_buyer_cap) if coupon else [])
        # the buyer's limit first: a buyer past it is refused by the counters alone, before any key is claimed
        self._orders.hold_limits(tenant_id=tenant.id, product_id=product.id, email=email, quantity=quantity,
                                 holds=taken, product_name=product.name)
        try:
            return self._claim_and_save(tenant, product, quantity=quantity, email=email, locale=locale,
                                        lookup_hash=lookup_hash, origin=origin, taken=taken, now=now, priced=priced,
                                        verdict=verdict)
        except DomainError:
            try:
                self._orders.unhold_limits(tenant_id=tenant.id, product_id=product.id, email=email,
                                           quantity=quantity, holds=taken)
            except DomainError:
                # left taken: the buyer is limited more until the window closes, never less
                log.warning("buyer limit not given back", extra={"product_id": product.id})
            raise

    def _assess(self, attempt: Attempt, amount: int, product: Product) -> Verdict | None:
        """The risk decision, before anything is held: a blocked or challenged checkout takes nothing."""
        if self._risk is None:
            return None
        buyers = self._buyers

        def bought_before() -> bool:
            return buyers is not None and buyers.bought_before(tenant_id=attempt.tenant.id, email=attempt.email)

        verdict = self._risk.assess(replace(attempt, amount=amount), bought_before=bought_before)
        if verdict.decision == BLOCK:
            raise RiskRefused("this shop cannot take this order; if you think that is a mistake, contact the shop",
                              extra={"reasons": [r for r, _ in verdict.assessment.reasons]})
        if verdict.decision == CHALLENGE:
            raise ChallengeRequired(
                "confirm this checkout first: solve the challenge (the checkout page does it by itself) and send "
                "it back with the order as challenge.token and challenge.nonce", param="challenge",
                extra={"challenge": verdict.challenge, "difficulty": verdict.bits})
        return verdict

    def _coupon(self, tenant: Tenant, product: Product, code: str, email: str) -> Any:
        if self._coupons is None:
            raise InvalidRequest("this shop takes no coupons right now; leave the coupon out", param="coupon",
                                 code="coupon_not_found")
        return self._coupons.for_checkout(tenant_id=tenant.id, code=code, product_id=product.id,
                                          currency=product.currency, email=email)

    def _claim_and_save(self, tenant: Tenant, product: Product, *, quantity: int, email: str, locale: str,
                        lookup_hash: str, origin: Origin, taken: list[Hold], now: int,
                        priced: Quote, verdict: Verdict | None = None) -> CheckoutStarted:
        order_id = new_id("order")
        review = verdict is not None and verdict.decision == REVIEW
        # held for review: the keys wait for the merchant's decision (and then the payment) instead of a few minutes
        expires_at = now + (verdict.review_seconds if verdict is not None and review else self._reservation_seconds)
        refs = self._pool.claim(tenant_id=tenant.id, product_id=product.id, shards=product.shards,
                                order_id=order_id, count=quantity, reserved_until=expires_at)
        if len(refs) < quantity:
            # If the release fails (an import holds the pool), the expiry sweep returns these keys.
            with contextlib.suppress(DomainError):
                self._pool.release(tenant_id=tenant.id, product_id=product.id, order_id=order_id, refs=refs)
            raise OutOfStock(f"only {len(refs)} left of '{product.name}'; lower the quantity or try later"
                             if refs else f"'{product.name}' is sold out", param="quantity")
        try:
            token = self._links.token(tenant, order_id) if self._links is not None else new_token(16)
            # nothing to pay while held: the PaymentIntent is opened when the merchant approves the order
            intent = None if review else self._payments.create_intent(
                tenant=tenant, amount=priced.total, currency=product.currency,
                metadata={"order_id": order_id, "tenant_id": tenant.id, "product_id": product.id},
                idempotency_key=order_id, email=email)
            order = Order(
                tenant_id=tenant.id, id=order_id, status=OrderStatus.REVIEW if review else OrderStatus.PENDING,
                product_id=product.id,
                quantity=quantity, amount=priced.total, currency=product.currency, email=email,
                price_lines=tuple((line.kind, line.amount, line.ref) for line in priced.lines),
                token_hash=token_hash(token), created_at=now, expires_at=expires_at, keys=tuple(refs),
                payment_intent_id=intent.id if intent else None, product_name=product.name, locale=locale,
                lookup_hash=lookup_hash,
                # the guide as sold: the order page shows it with the keys without reading the product again
                usage_guide=product.usage_guide, usage_url=product.usage_url,
                source=origin.source, device=origin.device, **_risk_fields(verdict),
            )
            created = self._announcement(order)
            self._orders.create(order, announce=created, product_version=product.version, holds=taken)
        except DomainError:
            # Nothing may stay reserved for an order that never came to be.
            self._pool.release(tenant_id=tenant.id, product_id=product.id, order_id=order_id, refs=refs)
            raise
        if created is not None and self._queue is not None:
            nudge(self._queue, created)
        return CheckoutStarted(order=order, token=token, client_secret=(intent.client_secret or "") if intent else "",
                               publishable_key=self._payments.publishable_key)

    def _hash(self, password: str) -> str:
        if self._passwords is None:
            raise InvalidRequest("this shop cannot take a query password right now; leave it out",
                                 code="query_password_unavailable", param="query_password")
        return self._passwords.hash(password)

    def _announcement(self, order: Order) -> OutboxMessage | None:
        """The order.created message, written in the same transaction as the order, so it cannot be lost."""
        if self._outbox is None:
            return None
        return OutboxMessage(order.tenant_id, new_id("outbox"), "order_created", order.id, order.created_at)


def _quantity(product: Product, data: Mapping[str, Any], *, now: int) -> int:
    """The quantity asked for, within the product's own purchase limits, of a product on sale (active and
    inside its scheduled window, to the second)."""
    if not product.on_sale_at(now):
        raise InvalidRequest("this product is not on sale right now", code="product_inactive", param="product_id")
    return v.integer(data, "quantity", low=product.min_per_order, high=product.max_per_order,
                     default=product.min_per_order)


def _risk_fields(verdict: Verdict | None) -> dict[str, Any]:
    if verdict is None:
        return {}
    a = verdict.assessment
    return {"risk_score": a.score, "risk_decision": "challenge_passed" if a.challenge_passed else a.decision,
            "risk_reasons": a.reasons, "risk_subjects": tuple(sorted(verdict.subjects.items()))}


def _device(value: Any) -> str:
    """The device id the checkout page's script made ("" when none came: a script, or an integrator)."""
    if value is None:
        return ""
    if not isinstance(value, str) or not DEVICE_ID.fullmatch(value):
        raise InvalidRequest("device must be the id the checkout page made (8 to 100 letters, digits, ., - or _); "
                             "leave it out if there is none", param="device")
    return value


def _challenge(value: Any) -> tuple[str, str]:
    """The challenge the buyer solved and its nonce, or ("", "")."""
    if value is None:
        return "", ""
    if (not isinstance(value, dict) or set(value) != {"token", "nonce"}
            or not all(isinstance(value[k], str) and 0 < len(value[k]) <= 200 for k in ("token", "nonce"))):
        raise InvalidRequest("challenge must be {\"token\": ..., \"nonce\": ...}: the challenge the checkout was "
                             "answered with and its solution", param="challenge")
    return value["token"], value["nonce"]


def _query_password(value: Any) -> str:
    """Optional; kept exactly as typed (no trimming): it is a password."""
    if value is None:
        return ""
    if not isinstance(value, str) or not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise InvalidRequest(f"query_password must be a string of {PASSWORD_MIN} to {PASSWORD_MAX} characters; "
                             f"leave it out to set none", param="query_password")
    return value


def _locale(value: Any, *, default: str) -> str:
    if value is None:
        return default if default in LOCALES else "en"
    if value not in LOCALES:
        raise InvalidRequest(f"locale must be one of {', '.join(LOCALES)}", param="locale")
    return str(value)
