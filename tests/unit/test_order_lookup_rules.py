"""Order lookup rules on fakes: one argon2 verification on every path, derived tokens, sign-in link expiry."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.order_tokens import DerivedOrderLinks
from chalicelib.http.conventions.rate_limits import RateLimitService
from chalicelib.kernel.conventions import Limit
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ids import token_hash
from chalicelib.kernel.ports import Page
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.storefront.service.lookup import OrderLookupService
from chalicelib.tenancy.domain.models import Tenant
from tests.fakes import FakeMailer, FixedClock
from tests.fakes_conventions import FakeRateCounter
from tests.fakes_lookup import CountingPasswords, FakeBuyerSessions, FakeOrderLinks

T0 = 1_800_000_000


def _tenant(tenant_id: str) -> Tenant:
    return Tenant(tenant_id, f"shop-{tenant_id[-4:]}", "Shop", "o@x.test", "starter", "bk", b"", 0)


class Orders:
    def __init__(self, *orders: Order) -> None:
        self.orders = {(o.tenant_id, o.id): o for o in orders}

    def get(self, *, tenant_id: str, order_id: str) -> Order:
        try:
            return self.orders[(tenant_id, order_id)]
        except KeyError:
            raise NotFound("no such order") from None

    def search(self, *, tenant_id: str, query: Any, limit: int, cursor: str | None) -> Page:
        found = sorted((o for (t, _), o in self.orders.items()
                        if t == tenant_id and o.email.lower() == query.email.lower()),
                       key=lambda o: o.created_at, reverse=True)
        return Page(found[:limit], None)


def _order(tenant_id: str, order_id: str, email: str, lookup_hash: str, created_at: int = T0) -> Order:
    return Order(tenant_id, order_id, OrderStatus.DELIVERED, "prd_1", 1, 100, "usd", email, "h", created_at, 0,
                 lookup_hash=lookup_hash)


@pytest.fixture()
def world() -> dict[str, Any]:
    passwords, clock, mailer, sessions = CountingPasswords(), FixedClock(T0), FakeMailer(), FakeBuyerSessions()
    a, b = _tenant("ten_aaaa"), _tenant("ten_bbbb")
    orders = Orders(_order(a.id, "ord_0000000001", "buyer@x.test", passwords.hash("right-pass")),
                    _order(a.id, "ord_0000000002", "buyer@x.test", ""),
                    _order(b.id, "ord_0000000003", "buyer@x.test", passwords.hash("right-pass")))
    service = OrderLookupService(
        orders=orders, passwords=passwords, links=FakeOrderLinks(), sessions=sessions, mailer=mailer,
        rate_limits=RateLimitService(counter=FakeRateCounter(), clock=clock, policies={
            "plan:starter": Limit(1000, 10), "email:lookup": Limit(1000, 900), "email:login_link": Limit(1000, 900)}),
        clock=clock, public_base_url="https://shop.test")
    return {"service": service, "passwords": passwords, "a": a, "b": b, "clock": clock, "mailer": mailer,
            "sessions": sessions}


@pytest.mark.parametrize(("email", "order_id", "password"), [
    ("buyer@x.test", "ord_0000000009", "right-pass"),  # unknown order
    ("buyer@x.test", "nonsense", "right-pass"),  # not an order id at all
    ("other@x.test", "ord_0000000001", "right-pass"),  # another e-mail
    ("buyer@x.test", "ord_0000000001", "wrong-pass"),  # wrong password
    ("buyer@x.test", "ord_0000000002", "right-pass"),  # no password set on the order
    ("buyer@x.test", "ord_0000000003", "right-pass"),  # another shop's order
])
def test_every_failure_costs_exactly_one_argon2_verification(world, email, order_id, password):
    service, passwords = world["service"], world["passwords"]
    with pytest.raises(NotFound) as failed:
        service.lookup(tenant=world["a"], body={"email": email, "order_id": order_id, "password": password})
    assert (failed.value.code, passwords.work) == ("order_lookup_failed", 1)


def test_a_match_costs_one_verification_too_and_gives_the_link(world):
    found = world["service"].lookup(tenant=world["a"], body={"email": "BUYER@x.test", "order_id": "ord_0000000001",
                                                             "password": "right-pass"})
    token = FakeOrderLinks().token(world["a"], "ord_0000000001")
    assert (found.url, world["passwords"].work) == (
        f"https://shop.test/s/{world['a'].slug}/orders/ord_0000000001?token={token}", 1)


def test_a_sign_in_link_lives_30_minutes_and_a_session_7_days(world):
    service, clock, mailer = world["service"], world["clock"], world["mailer"]
    service.send_link(tenant=world["a"], body={"email": "Buyer@x.test"}, locale="en")
    token = mailer.sent[0]["text"].split("?login=", 1)[1].split()[0]
    clock.advance(30 * 60 - 1)
    session = service.open_link(tenant=world["a"], token=token)
    assert session is not None
    assert service.open_link(tenant=world["b"], token=token) is None  # the link belongs to its shop
    clock.advance(1)
    assert service.open_link(tenant=world["a"], token=token) is None
    assert service.session(tenant=world["a"], token=session).email == "buyer@x.test"  # type: ignore[union-attr]
    clock.advance(7 * 24 * 3600)
    assert service.session(tenant=world["a"], token=session) is None
    assert list(world["sessions"].links) == [(world["a"].id, token_hash(token))]  # only the hash is kept


def test_derived_order_tokens_are_stable_per_order_and_tenant_and_unwrap_once():
    unwrapped: list[str] = []

    def unwrap(tenant: Tenant) -> bytes:
        unwrapped.append(tenant.id)
        return b"k" * 32 if tenant.id == "ten_aaaa" else b"j" * 32

    links = DerivedOrderLinks(unwrap=unwrap)
    a, b = _tenant("ten_aaaa"), _tenant("ten_bbbb")
    first = links.token(a, "ord_1")
    assert len(first) == 22 and first == links.token(a, "ord_1")
    assert len({first, links.token(a, "ord_2"), links.token(b, "ord_1")}) == 3
    assert unwrapped == ["ten_aaaa", "ten_bbbb"]


@pytest.mark.parametrize(("locale", "reason", "text"), [
    ("en", "merchant_refund", "Shop refunded your order of <Card>.\nYour payment has been refunded in full; the keys "
                              "of this order no longer work.\n"),
    ("zh-CN", "merchant_refund", "Shop已为您的<Card>订单退款。\n款项已全额退回，该订单的卡密已失效。\n"),
    ("zh-CN", "sold_out", "很抱歉：您付款时<Card>已售罄。\n款项已全额退回。\n"),
])
def test_refund_mails_are_in_the_buyers_language_and_escape_html(locale, reason, text):
    from chalicelib.kernel.i18n import Translator
    from chalicelib.sales.service import buyer_mail

    order = Order("ten_aaaa", "ord_1", OrderStatus.REFUNDED, "prd_1", 1, 100, "usd", "b@x.test", "h", T0, 0,
                  failure_reason=reason, product_name="<Card>", locale=locale)
    mail = buyer_mail.refunded(Translator(locale), tenant=_tenant("ten_aaaa"), order=order)
    assert mail.text == text
    assert "<Card>" not in mail.html and "&lt;Card&gt;" in mail.html
