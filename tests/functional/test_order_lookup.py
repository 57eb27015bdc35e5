"""Order lookup: number + e-mail + query password, sign-in links by mail, buyer sessions, and buyer mails."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.http.conventions.rate_limits import POLICIES, RateLimitService
from chalicelib.http.conventions.store import DynamoRateCounter
from chalicelib.kernel.conventions import Limit
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.service.notifications import NotificationService
from tests.fakes import FakeMailer, FakeOutbox, FixedClock
from tests.support.shop import call, import_keys, new_keys, pay, post_event, product, sign_up, stripe_event

ROOMY = {"ip:lookup": Limit(1000, 60), "ip:login_link": Limit(1000, 60), "email:lookup": Limit(1000, 900),
         "email:login_link": Limit(1000, 900), "ip:checkout": Limit(1000, 60), "ip:signup": Limit(1000, 3600),
         "ip:order_lookup": Limit(1000, 60), "ip:public": Limit(1000, 60)}


class Env:
    def __init__(self, settings: Any, policies: dict[str, Limit]) -> None:
        self.clock = FixedClock(int(time.time()))
        self.mailer = FakeMailer()
        self.settings = settings
        self.c = wiring.Container(settings, clock=self.clock, mailer=self.mailer, rate_limits=RateLimitService(
            counter=DynamoRateCounter(), clock=self.clock, policies={**POLICIES, **policies}))


def _client(env: Env) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    previous = wiring._container
    wiring.use(env.c)
    with Client(app) as test_client:
        yield test_client
    wiring.use(previous)


@pytest.fixture(scope="module")
def env(settings: Any) -> Env:
    return Env(settings, ROOMY)


@pytest.fixture()
def web(env: Env) -> Iterator[Any]:
    yield from _client(env)


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _shop(web: Any, keys: int = 10) -> dict[str, Any]:
    shop = sign_up(web)
    shop["product"] = product(web, shop["key"], price=1250)
    if keys:
        import_keys(web, shop["key"], shop["product"]["id"], new_keys(keys))
    return shop


def _checkout(web: Any, shop: dict[str, Any], email: str, headers: dict[str, str] | None = None,
              **extra: Any) -> Any:
    return call(web, "POST", f"/s/{shop['slug']}/checkout",
                {"product_id": shop["product"]["id"], "quantity": 1, "email": email, **extra}, headers=headers)


def _started(web: Any, shop: dict[str, Any], email: str, **extra: Any) -> dict[str, Any]:
    r = _checkout(web, shop, email, **extra)
    assert r.status_code == 201, _text(r)
    return dict(_json(r))


def _deliver(web: Any, env: Env, started: dict[str, Any]) -> None:
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    pay(env.settings, intent_id)
    payload, signature = stripe_event(env.settings, intent_id)
    assert _json(post_event(web, payload, signature))["result"] == "delivered"


def _text(r: Any) -> str:
    return r.body.decode() if isinstance(r.body, bytes) else str(r.body)


def _lookup(web: Any, slug: str, email: str, order_id: str, password: str) -> Any:
    return call(web, "POST", f"/s/{slug}/lookup", {"email": email, "order_id": order_id, "password": password})


def _path(url: str, env: Env) -> str:
    assert url.startswith(env.settings.public_base_url + "/"), url
    return url[len(env.settings.public_base_url):]


# ---- lookup by order number, e-mail and query password ------------------------------------------------

def test_the_order_number_email_and_query_password_give_the_permanent_order_link(web, env):
    # given an order with a query password
    shop = _shop(web)
    started = _started(web, shop, "finder@example.com", query_password="s3cret-pass")
    # when the buyer looks it up (the e-mail typed in another case)
    r = _lookup(web, shop["slug"], "Finder@Example.com", started["order_id"], "s3cret-pass")
    # then the answer is the order's permanent link, with the very token the checkout gave
    assert r.status_code == 200, _text(r)
    assert _json(r) == {"order_id": started["order_id"], "order_url": (
        f"{env.settings.public_base_url}/s/{shop['slug']}/orders/{started['order_id']}?token={started['order_token']}")}
    assert r.headers["Cache-Control"] == "no-store"
    assert len(started["order_token"]) == 22
    # and the link opens the order page
    page = call(web, "GET", _path(_json(r)["order_url"], env), headers={"Accept": "application/json"})
    assert (page.status_code, _json(page)["order"]["id"]) == (200, started["order_id"])


def test_every_failed_lookup_answers_the_same_404(web, env):
    # given shop A with an order with a password and one without, and shop B with its own order
    a, b = _shop(web), _shop(web)
    with_password = _started(web, a, "same@example.com", query_password="right-pass")
    without = _started(web, a, "same@example.com")
    other_shop = _started(web, b, "same@example.com", query_password="right-pass")
    before = call(web, "GET", f"/v1/orders/{with_password['order_id']}", key=a["key"]).body
    # when each wrong combination is tried
    attempts = {
        "unknown order": _lookup(web, a["slug"], "same@example.com", "ord_01jzzzzzzzzzzzzzzzzzzzzzzz", "right-pass"),
        "not an order id": _lookup(web, a["slug"], "same@example.com", "hello", "right-pass"),
        "wrong e-mail": _lookup(web, a["slug"], "other@example.com", with_password["order_id"], "right-pass"),
        "wrong password": _lookup(web, a["slug"], "same@example.com", with_password["order_id"], "wrong-pass"),
        "no password set": _lookup(web, a["slug"], "same@example.com", without["order_id"], "right-pass"),
        "another shop's order": _lookup(web, a["slug"], "same@example.com", other_shop["order_id"], "right-pass"),
    }
    # then every answer is the same 404 with one message that says what to do
    expected = {"error": {"type": "not_found", "code": "order_lookup_failed", "message": (
        "no order matches this order number, e-mail and query password; check the order number in your order "
        "e-mail and the query password you chose at checkout, or ask for a sign-in link by e-mail to see all "
        "your orders")}}
    assert {name: (r.status_code, _json(r)) for name, r in attempts.items()} == {
        name: (404, expected) for name in attempts}
    # and nothing changed on the order
    assert call(web, "GET", f"/v1/orders/{with_password['order_id']}", key=a["key"]).body == before


@pytest.mark.parametrize(("body", "param"), [
    ({"order_id": "ord_x", "password": "p"}, "email"),
    ({"email": "a@example.com", "password": "p"}, "order_id"),
    ({"email": "a@example.com", "order_id": "ord_x"}, "password"),
    ({"email": "a@example.com", "order_id": "ord_x", "password": "p" * 65}, "password"),
    ({"email": "a@example.com", "order_id": "ord_x", "password": "p", "extra": 1}, "extra"),
])
def test_a_malformed_lookup_names_the_field(web, env, body, param):
    shop = _shop(web, keys=0)
    r = call(web, "POST", f"/s/{shop['slug']}/lookup", body)
    assert (r.status_code, _json(r)["error"]["type"], _json(r)["error"].get("param")) == (
        400, "invalid_request", param)


# ---- checkout: query password and locale ----------------------------------------------------------------

@pytest.mark.parametrize(("extra", "param"), [
    ({"query_password": "12345"}, "query_password"),
    ({"query_password": "x" * 65}, "query_password"),
    ({"query_password": 123456}, "query_password"),
    ({"locale": "fr"}, "locale"),
    ({"locale": ["en"]}, "locale"),
])
def test_checkout_refuses_a_bad_query_password_or_locale_and_reserves_nothing(web, env, extra, param):
    shop = _shop(web, keys=2)
    r = _checkout(web, shop, "bad@example.com", **extra)
    assert (r.status_code, _json(r)["error"]["param"]) == (400, param)
    stock = _json(call(web, "GET", f"/v1/products/{shop['product']['id']}/stock", key=shop["key"]))
    assert (stock["available"], stock["reserved"]) == (2, 0)


def test_checkout_stores_the_locale_and_only_a_hash_of_the_password(web, env):
    shop = _shop(web)
    chosen = _started(web, shop, "lang@example.com", locale="zh-CN", query_password="pw-123456")
    negotiated = _started(web, shop, "lang@example.com", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"})
    default = _started(web, shop, "lang@example.com")
    orders = {s["order_id"]: env.c.sales.order_store.get(tenant_id=shop["tenant"]["id"], order_id=s["order_id"])
              for s in (chosen, negotiated, default)}
    assert [orders[s["order_id"]].locale for s in (chosen, negotiated, default)] == ["zh-CN", "zh-CN", "en"]
    stored = orders[chosen["order_id"]].lookup_hash
    assert stored.startswith("$argon2id$") and "pw-123456" not in stored
    assert env.c.platform.query_passwords.verify(stored, "pw-123456") is True
    assert orders[default["order_id"]].lookup_hash == ""


# ---- the delivered mail ------------------------------------------------------------------------------------

def _delivered_mail(web: Any, env: Env, shop: dict[str, Any], email: str, **extra: Any) -> tuple[dict, dict]:
    started = _started(web, shop, email, **extra)
    _deliver(web, env, started)
    mailer = FakeMailer()
    notices = NotificationService(tenants=env.c.tenancy.tenant_store, orders=env.c.sales.order_store, order_service=env.c.sales.orders,
                                  outbox=FakeOutbox(), mailer=mailer, clock=env.clock,
                                  public_base_url=env.settings.public_base_url, links=env.c.platform.order_links)
    notices.deliver(OutboxMessage(shop["tenant"]["id"], "obx_t", "order_delivered", started["order_id"], 0))
    assert len(mailer.sent) == 1
    return started, mailer.sent[0]


def test_the_delivered_mail_carries_the_keys_and_a_link_that_opens_the_order(web, env):
    shop = _shop(web)
    started, mail = _delivered_mail(web, env, shop, "keys@example.com", locale="en")
    page = _json(call(web, "GET", f"/s/{shop['slug']}/orders/{started['order_id']}?token={started['order_token']}",
                      headers={"Accept": "application/json"}))
    link = (f"{env.settings.public_base_url}/s/{shop['slug']}/orders/{started['order_id']}"
            f"?token={started['order_token']}")
    assert mail["subject"] == f"Your Game card from Shop {shop['slug']} — order {started['order_id']}"
    assert mail["text"].splitlines() == [
        f"Thank you for your order at Shop {shop['slug']}.", "", "Game card × 1",
        f"Order number: {started['order_id']}", "", "Your keys:", *page["keys"], "",
        "Your order page (keep this e-mail; the link shows your keys again):", link]
    assert f'<a href="{link.replace("&", "&amp;")}">' in mail["html"]
    # the link in the mail opens the order page with its keys
    opened = call(web, "GET", _path(link, env), headers={"Accept": "application/json"})
    assert (opened.status_code, _json(opened)["keys"]) == (200, page["keys"])


def test_the_delivered_mail_is_in_the_buyers_language_and_escapes_html(web, env):
    shop = sign_up(web)
    shop["product"] = product(web, shop["key"], name="<b>卡</b>")
    import_keys(web, shop["key"], shop["product"]["id"], ["KEY-<i>1</i>"])
    started, mail = _delivered_mail(web, env, shop, "zh@example.com", locale="zh-CN")
    assert mail["subject"] == f"您在Shop {shop['slug']}购买的<b>卡</b>已发货 — 订单号 {started['order_id']}"
    assert "您的卡密：" in mail["text"].splitlines() and "KEY-<i>1</i>" in mail["text"].splitlines()
    assert "<b>卡</b>" not in mail["html"] and "&lt;b&gt;卡&lt;/b&gt;" in mail["html"]
    assert "KEY-&lt;i&gt;1&lt;/i&gt;" in mail["html"] and '<html lang="zh-CN">' in mail["html"]


# ---- sign-in links and buyer sessions --------------------------------------------------------------------

def _ask_link(web: Any, slug: str, email: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
    return call(web, "POST", f"/s/{slug}/lookup/link", {"email": email, **extra}, headers=headers)


def _login_token(mail: dict[str, str], env: Env, slug: str) -> str:
    match = re.search(re.escape(f"{env.settings.public_base_url}/s/{slug}/my?login=") + r"([A-Za-z0-9_-]{43})",
                      mail["text"])
    assert match, mail["text"]
    return match.group(1)


def _cookie(r: Any) -> str:
    return r.headers["Set-Cookie"].split(";", 1)[0]


def test_a_sign_in_link_opens_a_session_that_lists_exactly_this_buyers_orders_here(web, env):
    # given buyer A with two orders in shop 1 and one in shop 2, and buyer B with one in shop 1
    one, two = _shop(web), _shop(web)
    first = _started(web, one, "a@example.com")
    env.clock.advance(1)
    second = _started(web, one, "A@example.com")
    _started(web, one, "b@example.com")
    _started(web, two, "a@example.com")
    env.mailer.sent.clear()
    # when A asks shop 1 for a sign-in link
    asked = _ask_link(web, one["slug"], "a@example.com")
    # then the answer is the usual one and one mail with a link went to A
    assert (asked.status_code, _json(asked)) == (202, {"sent": True})
    assert [(m["to"], m["subject"]) for m in env.mailer.sent] == [
        ("a@example.com", f"Your sign-in link for Shop {one['slug']}")]
    token = _login_token(env.mailer.sent[0], env, one["slug"])
    # when A opens it: a session cookie scoped to the shop, and a redirect to the list
    opened = call(web, "GET", f"/s/{one['slug']}/my?login={token}")
    assert (opened.status_code, opened.headers["Location"]) == (303, f"/s/{one['slug']}/my")
    assert re.fullmatch(rf"kd_buyer=[A-Za-z0-9_-]{{43}}; Path=/s/{one['slug']}; Max-Age=604800; HttpOnly; "
                        r"SameSite=Lax", opened.headers["Set-Cookie"])
    session = {"Cookie": _cookie(opened), "Accept": "application/json"}
    # then the list holds exactly A's two orders of shop 1, newest first, each with its permanent link
    listed = _json(call(web, "GET", f"/s/{one['slug']}/my", headers=session))
    assert [(o["id"], o["order_url"]) for o in listed["data"]] == [
        (s["order_id"], f"{env.settings.public_base_url}/s/{one['slug']}/orders/{s['order_id']}?token="
                        f"{s['order_token']}") for s in (second, first)]
    assert (listed["has_more"], listed["next_cursor"]) == (False, None)
    # and pages of one follow the cursor
    page1 = _json(call(web, "GET", f"/s/{one['slug']}/my?limit=1", headers=session))
    page2 = _json(call(web, "GET", f"/s/{one['slug']}/my?limit=1&cursor={page1['next_cursor']}", headers=session))
    assert ([o["id"] for o in page1["data"]], page1["has_more"]) == ([second["order_id"]], True)
    assert [o["id"] for o in page2["data"]] == [first["order_id"]]
    # and the HTML page shows the same two orders, translated
    html = call(web, "GET", f"/s/{one['slug']}/my?lang=zh-CN", headers={"Cookie": _cookie(opened)})
    assert html.status_code == 200 and "我的订单" in _text(html) and "待支付" in _text(html)
    assert re.findall(r'data-order-id="(ord_[a-z0-9]+)"', _text(html)) == [second["order_id"], first["order_id"]]
    # and the link still works a second time (mail scanners open links first)
    assert call(web, "GET", f"/s/{one['slug']}/my?login={token}").status_code == 303
    # and the session of shop 1 shows nothing in shop 2
    foreign = call(web, "GET", f"/s/{two['slug']}/my", headers=session)
    assert (foreign.status_code, _json(foreign)["error"]["code"]) == (401, "buyer_session_required")


def test_an_address_without_orders_gets_the_same_answer_and_no_mail(web, env):
    shop = _shop(web, keys=0)
    env.mailer.sent.clear()
    r = _ask_link(web, shop["slug"], "nobody@example.com")
    assert (r.status_code, _json(r)) == (202, {"sent": True})
    assert env.mailer.sent == []


def test_the_sign_in_mail_follows_the_locale(web, env):
    shop = _shop(web)
    _started(web, shop, "zh-link@example.com")
    env.mailer.sent.clear()
    assert _ask_link(web, shop["slug"], "zh-link@example.com", locale="zh-CN").status_code == 202
    assert _ask_link(web, shop["slug"], "zh-link@example.com").status_code == 202  # no locale, no language
    # no locale in the body: the request's language
    assert _ask_link(web, shop["slug"], "zh-link@example.com", headers={"Accept-Language": "zh-CN"}).status_code == 202
    assert [m["subject"] for m in env.mailer.sent] == [f"Shop {shop['slug']}订单查询登录链接",
                                                       f"Your sign-in link for Shop {shop['slug']}",
                                                       f"Shop {shop['slug']}订单查询登录链接"]
    assert "请在 30 分钟内打开以下链接" in env.mailer.sent[0]["text"]


def test_a_mail_that_cannot_be_sent_is_a_503_not_a_silent_success(web, env):
    shop = _shop(web)
    _started(web, shop, "down@example.com")
    env.mailer.fail = True
    try:
        r = _ask_link(web, shop["slug"], "down@example.com")
    finally:
        env.mailer.fail = False
    assert (r.status_code, _json(r)["error"]["code"]) == (503, "email_unavailable")


def test_an_expired_link_shows_the_lookup_page_and_starts_no_session(web, env):
    shop = _shop(web)
    _started(web, shop, "late@example.com")
    env.mailer.sent.clear()
    _ask_link(web, shop["slug"], "late@example.com")
    token = _login_token(env.mailer.sent[0], env, shop["slug"])
    env.clock.advance(30 * 60)
    r = call(web, "GET", f"/s/{shop['slug']}/my?login={token}")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    assert "This sign-in link has expired or is not valid. Ask for a new one below." in _text(r)
    assert 'id="lookup-form"' in _text(r)
    as_json = call(web, "GET", f"/s/{shop['slug']}/my?login={token}", headers={"Accept": "application/json"})
    assert (as_json.status_code, _json(as_json)["error"]["code"]) == (401, "sign_in_link_invalid")


def test_a_session_ends_after_seven_days_and_on_sign_out(web, env):
    shop = _shop(web)
    _started(web, shop, "bye@example.com")
    env.mailer.sent.clear()
    _ask_link(web, shop["slug"], "bye@example.com")
    token = _login_token(env.mailer.sent[0], env, shop["slug"])
    first = _cookie(call(web, "GET", f"/s/{shop['slug']}/my?login={token}"))
    second = _cookie(call(web, "GET", f"/s/{shop['slug']}/my?login={token}"))
    json_accept = {"Accept": "application/json"}
    # sign-out ends that session and clears its cookie, the other session stays
    out = call(web, "POST", f"/s/{shop['slug']}/logout", headers={"Cookie": first})
    assert (out.status_code, _json(out)) == (200, {"signed_out": True})
    assert out.headers["Set-Cookie"] == f"kd_buyer=; Path=/s/{shop['slug']}; Max-Age=0; HttpOnly; SameSite=Lax"
    assert call(web, "GET", f"/s/{shop['slug']}/my", headers={"Cookie": first, **json_accept}).status_code == 401
    assert call(web, "GET", f"/s/{shop['slug']}/my", headers={"Cookie": second, **json_accept}).status_code == 200
    # and seven days later the other one is over too
    env.clock.advance(7 * 24 * 3600)
    assert call(web, "GET", f"/s/{shop['slug']}/my", headers={"Cookie": second, **json_accept}).status_code == 401


def test_a_forged_cookie_gets_the_lookup_page(web, env):
    shop = _shop(web, keys=0)
    for forged in ("kd_buyer=" + "A" * 43, "kd_buyer=", "kd_buyer=" + "x" * 500, 'kd_buyer="a;b'):
        r = call(web, "GET", f"/s/{shop['slug']}/my", headers={"Cookie": forged})
        assert r.status_code == 200 and 'id="lookup-form"' in _text(r) and 'id="orders"' not in _text(r), forged


# ---- the lookup page ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "title"), [("en", "Find my order"), ("zh-CN", "查询订单")])
def test_the_lookup_page_in_both_languages(web, env, lang, title):
    shop = _shop(web, keys=0)
    r = call(web, "GET", f"/s/{shop['slug']}/lookup?lang={lang}")
    assert r.status_code == 200 and f"<h1>{title}</h1>" in _text(r) and f'<html lang="{lang}">' in _text(r)
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">' in _text(r) and "<script>" not in _text(r)
    ids = re.findall(r'<input id="([a-z-]+)"', _text(r))
    assert ids == ["lookup-order", "lookup-email", "lookup-password", "link-email"]
    assert all(f'<label for="{i}">' in _text(r) for i in ids)


# ---- rate limits ------------------------------------------------------------------------------------------------

@pytest.fixture()
def tight(settings: Any) -> Iterator[tuple[Any, Env]]:
    env = Env(settings, {**ROOMY, "ip:lookup": Limit(3, 60), "email:login_link": Limit(2, 900)})
    for c in _client(env):
        yield c, env


def test_lookups_are_limited_per_ip_with_retry_after(tight):
    web, env = tight
    shop = _shop(web, keys=0)
    answers = [_lookup(web, shop["slug"], f"ip{i}@example.com", "ord_01jzzzzzzzzzzzzzzzzzzzzzzz", "pw")
               for i in range(4)]
    assert [r.status_code for r in answers] == [404, 404, 404, 429]
    assert answers[-1].headers["Retry-After"] == str(60 - env.clock.now() % 60)
    assert _json(answers[-1])["error"]["type"] == "rate_limited"


def test_sign_in_links_are_limited_per_email_with_retry_after(tight):
    web, env = tight
    shop = _shop(web)
    _started(web, shop, "often@example.com")
    env.mailer.sent.clear()
    answers = [_ask_link(web, shop["slug"], e) for e in ("often@example.com", "OFTEN@example.com",
                                                         "often@example.com", "else@example.com")]
    assert [r.status_code for r in answers] == [202, 202, 429, 202]
    refused = answers[2]
    assert refused.headers["Retry-After"] == str(900 - env.clock.now() % 900)
    assert (refused.headers["RateLimit-Limit"], refused.headers["RateLimit-Policy"]) == ("2", "2;w=900")
    assert _json(refused)["error"] == {"type": "rate_limited", "code": "rate_limited", "message": (
        f"too many requests: the limit is 2 per 900 s; retry after {900 - env.clock.now() % 900} s")}
    assert len(env.mailer.sent) == 2  # the refused request sent nothing


def test_lookups_are_limited_per_email(settings):
    env = Env(settings, {**ROOMY, "email:lookup": Limit(2, 900)})
    for web in _client(env):
        shop = _shop(web, keys=0)
        answers = [_lookup(web, shop["slug"], "same@example.com", "ord_01jzzzzzzzzzzzzzzzzzzzzzzz", "pw")
                   for _ in range(3)]
        other = _lookup(web, shop["slug"], "fresh@example.com", "ord_01jzzzzzzzzzzzzzzzzzzzzzzz", "pw")
        assert [r.status_code for r in answers] + [other.status_code] == [404, 404, 429, 404]
        assert answers[-1].headers["Retry-After"] == str(900 - env.clock.now() % 900)
