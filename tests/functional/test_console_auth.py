"""Console accounts over HTTP: sign-up with a confirmation link, sign-in with lockout, CSRF on every form,
cookie flags, password reset, sign out here and everywhere."""

from __future__ import annotations

import dataclasses
import html
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.http.conventions.rate_limits import POLICIES, RateLimitService
from chalicelib.http.conventions.store import DynamoRateCounter
from chalicelib.kernel.conventions import Limit
from chalicelib.kernel.errors import RateLimited
from tests.fakes import FakeMailer, FixedClock
from tests.support.console import Browser, cookie_header, csrf_of, link_in

ROOMY = {"ip:console": Limit(10_000, 60), "ip:console_auth": Limit(10_000, 60),
         "email:console_mail": Limit(10_000, 900), "ip:signup": Limit(10_000, 3600), "ip:public": Limit(10_000, 60)}
PASSWORD = "correct horse battery"


class Env:
    def __init__(self, settings: Any) -> None:
        self.clock = FixedClock(int(time.time()))
        self.mailer = FakeMailer()
        self.c = wiring.Container(settings, clock=self.clock, mailer=self.mailer, rate_limits=RateLimitService(
            counter=DynamoRateCounter(), clock=self.clock, policies={**POLICIES, **ROOMY}))

    def fresh_hour(self) -> None:
        """Every test starts an hour later: the test client's one IP leaves no lock behind for the next."""
        self.clock.advance(3600)


@pytest.fixture(scope="module")
def env(settings: Any) -> Env:
    return Env(settings)


@pytest.fixture()
def web(env: Env) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    previous = wiring._container
    wiring.use(env.c)
    env.fresh_hour()
    with Client(app) as test_client:
        yield test_client
    wiring.use(previous)


def signed_up(web: Any, env: Env, *, confirm: bool = True) -> tuple[Browser, dict[str, str]]:
    slug = f"con-{secrets.token_hex(4)}"
    fields = {"name": f"Shop {slug}", "slug": slug, "email": f"owner@{slug}.example.com", "password": PASSWORD}
    b = Browser(web)
    sent = b.form("/console/signup", "/console/signup", fields)
    assert sent.status_code == 200, sent.body[:500]
    if confirm:
        done = b.get(link_in(env.mailer.sent[-1], "/console/confirm"))
        assert done.status_code == 303
    return b, fields


def test_sign_up_mails_a_link_that_confirms_and_signs_in(web: Any, env: Env) -> None:
    # given the sign-up form filled in
    b = Browser(web)
    page = b.get("/console/signup")
    slug = f"con-{secrets.token_hex(4)}"
    email = f"owner@{slug}.example.com"
    before = len(env.mailer.sent)
    # when it is sent
    sent = b.post("/console/signup", {"name": "Moon Cards", "slug": slug, "email": email, "password": PASSWORD},
                  csrf=csrf_of(page))
    # then the page says to check the inbox, and exactly one mail carries the link
    assert sent.status_code == 200
    assert html.escape(email) in sent.body.decode()
    assert len(env.mailer.sent) == before + 1
    mail = env.mailer.sent[-1]
    assert mail["to"] == email
    assert mail["subject"] == "Confirm your e-mail for Moon Cards"
    # and the shop exists without an API key nobody saw
    tenant = env.c.tenancy.tenants.by_slug(slug)
    assert tenant is not None and tenant.name == "Moon Cards"
    assert env.c.tenancy.api_keys.list(tenant_id=tenant.id, limit=10, cursor=None).items == []
    # when the link is opened
    opened = b.get(link_in(mail, "/console/confirm"))
    # then it signs in with a session cookie and lands on the welcome home page
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/console?welcome=1"
    cookie = cookie_header(opened, "kd_console")
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie and "; Path=/console" in cookie
    assert "Secure" not in cookie  # the local stack is plain HTTP; production adds it (below)
    home = b.get("/console?welcome=1")
    assert home.status_code == 200
    text = home.body.decode()
    assert "Welcome, Moon Cards" in text and "0 of 4 done" in text
    assert home.headers["Cache-Control"] == "no-store"
    # and the link works once only
    again = Browser(web).get(link_in(mail, "/console/confirm"))
    assert again.status_code == 400 and "This link no longer works" in again.body.decode()


def test_the_sign_up_form_shows_what_to_fix_and_creates_nothing(web: Any, env: Env) -> None:
    # given a slug with a capital letter and a short password
    b = Browser(web)
    slug = f"Bad-{secrets.token_hex(3)}"
    # when the form is sent
    r = b.form("/console/signup", "/console/signup", {"name": "X", "slug": slug, "email": "a@example.com",
                                                      "password": "short"})
    # then the page answers 400 with the reason, keeps what was typed (never the password), and nothing exists
    assert r.status_code == 400
    text = r.body.decode()
    assert "Slug must be 3-40 characters" in text
    assert f'value="{slug}"' in text and 'value="short"' not in text
    assert env.c.tenancy.tenants.by_slug(slug.lower()) is None


def test_signing_in_before_confirming_sends_a_new_link_and_refuses(web: Any, env: Env) -> None:
    _b, fields = signed_up(web, env, confirm=False)
    before = len(env.mailer.sent)
    r = Browser(web).form("/console/login", "/console/login", {"email": fields["email"], "password": PASSWORD})
    assert r.status_code == 403
    assert "Confirm your e-mail address first" in r.body.decode()
    assert len(env.mailer.sent) == before + 1 and env.mailer.sent[-1]["to"] == fields["email"]
    assert "kd_console" not in (r.headers.get("Set-Cookie") or "")


def test_sign_in_and_out(web: Any, env: Env) -> None:
    # given a confirmed owner in a fresh browser
    _, fields = signed_up(web, env)
    b = Browser(web)
    # when they open a console page, they are sent to sign in, and come back after
    away = b.get("/console/security")
    assert away.status_code == 303
    assert away.headers["Location"] == "/console/login?next=%2Fconsole%2Fsecurity"
    page = b.get(away.headers["Location"])
    r = b.post("/console/login", {"email": fields["email"], "password": PASSWORD, "next": "/console/security"},
               csrf=csrf_of(page))
    assert r.status_code == 303 and r.headers["Location"] == "/console/security"
    assert b.get("/console/security").status_code == 200
    # when they sign out, the cookie is cleared and the session is over even if replayed
    token = b.cookies["kd_console"]
    out = b.post("/console/logout", {}, csrf=csrf_of(b.get("/console")))
    assert out.status_code == 303 and out.headers["Location"] == "/console/login?out=1"
    assert "Max-Age=0" in cookie_header(out, "kd_console")
    replay = Browser(web)
    replay.cookies["kd_console"] = token
    assert replay.get("/console").status_code == 303


def test_next_never_leaves_the_console(web: Any, env: Env) -> None:
    _, fields = signed_up(web, env)
    b = Browser(web)
    page = b.get("/console/login")
    r = b.post("/console/login", {"email": fields["email"], "password": PASSWORD, "next": "//evil.example/x"},
               csrf=csrf_of(page))
    assert r.status_code == 303 and r.headers["Location"] == "/console"


def test_a_json_client_without_a_session_gets_401(web: Any, env: Env) -> None:
    r = web.http.get("/console", headers={"Accept": "application/json"})
    assert r.status_code == 401
    assert b'"code": "console_sign_in_required"' in r.body


def test_forms_without_their_csrf_token_change_nothing(web: Any, env: Env) -> None:
    # given a signed-out browser that never loaded the form (a cross-site post)
    slug = f"con-{secrets.token_hex(4)}"
    r = Browser(web).post("/console/signup", {"name": "Evil", "slug": slug, "email": f"x@{slug}.example.com",
                                              "password": PASSWORD}, csrf="forged-token-value-123456")
    # then it is refused and no shop exists
    assert r.status_code == 403 and "This form expired" in r.body.decode()
    assert env.c.tenancy.tenants.by_slug(slug) is None
    # given a signed-in owner
    b, _ = signed_up(web, env)
    # when "sign out everywhere" comes without the session's token, or with another one
    assert b.post("/console/logout-all", {}).status_code == 403
    assert b.post("/console/logout-all", {}, csrf="x" * 32).status_code == 403
    # then the session still works
    assert b.get("/console").status_code == 200


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(web: Any, env: Env) -> None:
    _, fields = signed_up(web, env)
    b = Browser(web)
    statuses = []
    for _ in range(5):
        page = b.get("/console/login")
        statuses.append(b.post("/console/login", {"email": fields["email"], "password": "wrong password!"},
                               csrf=csrf_of(page)).status_code)
    assert statuses == [401, 401, 401, 401, 429]
    # the right password is refused while locked, with the time left
    locked = b.form("/console/login", "/console/login", {"email": fields["email"], "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked for 15 more minute(s)" in locked.body.decode()
    env.clock.advance(14 * 60)
    assert b.form("/console/login", "/console/login",
                  {"email": fields["email"], "password": PASSWORD}).status_code == 429
    env.clock.advance(60)
    assert b.form("/console/login", "/console/login",
                  {"email": fields["email"], "password": PASSWORD}).status_code == 303


def test_wrong_attempts_from_one_address_lock_that_address_only(web: Any, env: Env) -> None:
    # given an owner, and five wrong attempts on unknown accounts from one client address
    _, fields = signed_up(web, env)
    accounts = env.c.tenancy.accounts
    for n in range(5):
        with pytest.raises(Exception) as caught:
            accounts.sign_in({"email": f"nobody{n}@example.com", "password": "guess guess"}, ip="203.0.113.7",
                             locale="en")
    assert isinstance(caught.value, RateLimited) and caught.value.code == "sign_in_locked"
    # then the owner cannot sign in from that address, but can from another
    with pytest.raises(RateLimited):
        accounts.sign_in({"email": fields["email"], "password": PASSWORD}, ip="203.0.113.7", locale="en")
    assert accounts.sign_in({"email": fields["email"], "password": PASSWORD}, ip="198.51.100.4",
                            locale="en").account.email == fields["email"]


def test_password_reset_by_link_signs_out_every_other_session(web: Any, env: Env) -> None:
    # given an owner signed in on one browser
    first, fields = signed_up(web, env)
    assert first.get("/console").status_code == 200
    # when they ask for a reset on another and open the link
    other = Browser(web)
    asked = other.form("/console/forgot", "/console/forgot", {"email": fields["email"]})
    assert asked.status_code == 200 and "a reset link is on its way" in asked.body.decode()
    mail = env.mailer.sent[-1]
    assert mail["to"] == fields["email"] and mail["subject"].startswith("Reset your")
    link = link_in(mail, "/console/reset")
    page = other.get(link)
    assert page.status_code == 200
    token = link.split("token=")[1]
    saved = other.post("/console/reset", {"token": token, "password": "a brand new passphrase"},
                       csrf=csrf_of(page))
    # then the new password signs in here, the first browser is signed out, the old password is refused
    assert saved.status_code == 303 and saved.headers["Location"] == "/console"
    assert other.get("/console").status_code == 200
    assert first.get("/console").status_code == 303
    old = Browser(web).form("/console/login", "/console/login", {"email": fields["email"], "password": PASSWORD})
    assert old.status_code == 401
    # and the link does not work twice
    assert Browser(web).get(link).status_code == 400


def test_asking_for_a_reset_tells_nothing_about_the_address(web: Any, env: Env) -> None:
    before = len(env.mailer.sent)
    r = Browser(web).form("/console/forgot", "/console/forgot", {"email": "nobody-here@example.com"})
    assert r.status_code == 200 and "If that address has an account" in r.body.decode()
    assert len(env.mailer.sent) == before


def test_sign_out_everywhere_ends_every_session(web: Any, env: Env) -> None:
    # given one owner signed in on two browsers
    first, fields = signed_up(web, env)
    second = Browser(web)
    assert second.form("/console/login", "/console/login",
                       {"email": fields["email"], "password": PASSWORD}).status_code == 303
    # when the second signs out everywhere
    page = second.get("/console/security")
    r = second.post("/console/logout-all", {}, csrf=csrf_of(page))
    # then both are signed out
    assert r.status_code == 303 and r.headers["Location"] == "/console/login?out=all"
    assert first.get("/console").status_code == 303
    assert second.get("/console").status_code == 303


def test_production_cookies_are_secure(settings: Any) -> None:
    from chalicelib.console.routes.render import form_token, session_cookie

    class FakeCall:
        def __init__(self) -> None:
            self.c = type("C", (), {"settings": dataclasses.replace(settings, stage="prod")})()

        def cookie(self, name: str) -> None:
            return None

    call: Any = FakeCall()
    assert session_cookie(call, "tok").endswith("; HttpOnly; SameSite=Lax; Secure")
    assert str(form_token(call)[1]).endswith("; HttpOnly; SameSite=Strict; Secure")


def _enrol(b: Browser, env: Env) -> tuple[str, list[str]]:
    """Turns two-step sign-in on from the security page; returns the key and the recovery codes shown."""
    import pyotp

    started = b.post("/console/security/two-step/start", {}, csrf=csrf_of(b.get("/console/security")))
    assert started.status_code == 200
    text = started.body.decode()
    assert 'src="data:image/svg+xml' in text
    key = re.search(r'id="two-step-key">([A-Z2-7]+)<', text)
    assert key, text[:2000]
    code = pyotp.TOTP(key.group(1)).at(env.clock.now())
    done = b.post("/console/security/two-step/confirm", {"code": code}, csrf=csrf_of(started))
    assert done.status_code == 200, done.body[:500]
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.body.decode())
    return key.group(1), codes


def _password_step(env: Env, web: Any, email: str) -> Browser:
    b = Browser(web)
    r = b.form("/console/login", "/console/login", {"email": email, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/console/login/code?next=%2Fconsole", r.body[:300]
    assert "kd_challenge" in b.cookies and "kd_console" not in b.cookies
    return b


def test_two_step_sign_in_with_a_code_each_code_once(web: Any, env: Env) -> None:
    import pyotp

    # given an owner who turned two-step sign-in on (the confirming code is spent)
    owner, fields = signed_up(web, env)
    key, codes = _enrol(owner, env)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'id="two-step-state">On<' in owner.get("/console/security").body.decode()
    # when they sign in again: the right password alone opens no session
    b = _password_step(env, web, fields["email"])
    assert b.get("/console").status_code == 303
    page = b.get("/console/login/code?next=%2Fconsole")
    assert page.status_code == 200
    # then the code already used at enrolment is refused in its window (a code works once)
    same = b.post("/console/login/code", {"code": pyotp.TOTP(key).at(env.clock.now()), "next": "/console"},
                  csrf=csrf_of(page))
    assert same.status_code == 401 and "That code does not match" in same.body.decode()
    # and the next step's code signs in
    env.clock.advance(30)
    ok = b.post("/console/login/code", {"code": pyotp.TOTP(key).at(env.clock.now()), "next": "/console"},
                csrf=csrf_of(page))
    assert ok.status_code == 303 and ok.headers["Location"] == "/console"
    assert b.get("/console").status_code == 200
    assert "kd_challenge" not in b.cookies  # cleared with the sign-in


def test_a_recovery_code_signs_in_once(web: Any, env: Env) -> None:
    owner, fields = signed_up(web, env)
    _, codes = _enrol(owner, env)
    b = _password_step(env, web, fields["email"])
    page = b.get("/console/login/code")
    # spaces and capitals as people type them from paper
    typed = codes[3].upper().replace("-", " - ")
    assert b.post("/console/login/code", {"code": typed}, csrf=csrf_of(page)).status_code == 303
    assert "9 recovery codes left." in b.get("/console/security").body.decode()
    again = _password_step(env, web, fields["email"])
    page = again.get("/console/login/code")
    assert again.post("/console/login/code", {"code": codes[3]}, csrf=csrf_of(page)).status_code == 401


def test_wrong_codes_lock_like_wrong_passwords_and_a_challenge_expires(web: Any, env: Env) -> None:
    owner, fields = signed_up(web, env)
    _enrol(owner, env)
    b = _password_step(env, web, fields["email"])
    page = b.get("/console/login/code")
    statuses = [b.post("/console/login/code", {"code": "000000"}, csrf=csrf_of(page)).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    # after the lock lifts, a challenge left for more than five minutes asks for the password again
    env.clock.advance(16 * 60)
    b = _password_step(env, web, fields["email"])
    page = b.get("/console/login/code")
    env.clock.advance(301)
    late = b.post("/console/login/code", {"code": "123456"}, csrf=csrf_of(page))
    assert late.status_code == 401 and "This sign-in took too long" in late.body.decode()
    assert b.get("/console/login/code").status_code == 303  # no open challenge: back to the password


def test_turning_two_step_off_needs_a_code(web: Any, env: Env) -> None:
    import pyotp

    owner, fields = signed_up(web, env)
    key, _ = _enrol(owner, env)
    page = owner.get("/console/security")
    wrong = owner.post("/console/security/two-step/disable", {"code": "999999"}, csrf=csrf_of(page))
    assert wrong.status_code == 400
    assert 'id="two-step-state">On<' in owner.get("/console/security").body.decode()
    env.clock.advance(30)
    off = owner.post("/console/security/two-step/disable", {"code": pyotp.TOTP(key).at(env.clock.now())},
                     csrf=csrf_of(page))
    assert off.status_code == 200 and "Two-step sign-in is off." in off.body.decode()
    # and the password alone signs in again
    r = Browser(web).form("/console/login", "/console/login", {"email": fields["email"], "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/console"
