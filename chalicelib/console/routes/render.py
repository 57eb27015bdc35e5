"""What every console view shares: its pages, its cookies, the anonymous forms' CSRF token, safe redirects."""

from __future__ import annotations

import secrets
from typing import Any

from chalice import Response

from chalicelib.http.pages import page
from chalicelib.http.routes import CONSOLE_COOKIE, CSRF_FIELD, Call, check_csrf
from chalicelib.kernel.errors import DomainError, RateLimited
from chalicelib.tenancy.domain.accounts import SESSION_SECONDS, SignedIn

CHALLENGE_COOKIE = "kd_challenge"  # a right password waiting for its two-step code (five minutes)
FORM_COOKIE = "kd_form"  # the signed-out forms' CSRF token (double submit: cookie and hidden field must match)
FORM_COOKIE_SECONDS = 2 * 3600
NO_STORE = {"Cache-Control": "no-store"}
TAG = "Console"


def _secure(call: Call) -> str:
    return "; Secure" if call.c.settings.production else ""


def session_cookie(call: Call, token: str, max_age: int = SESSION_SECONDS) -> str:
    # HttpOnly: no script reads it. SameSite=Lax: a link from an e-mail arrives signed in, a cross-site form
    # post arrives without it (and the CSRF token stops it anyway). Path=/console: the shops never see it.
    return f"{CONSOLE_COOKIE}={token}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Lax{_secure(call)}"


def challenge_cookie(call: Call, token: str, max_age: int = 300) -> str:
    return f"{CHALLENGE_COOKIE}={token}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{_secure(call)}"


def form_token(call: Call) -> tuple[str, str | None]:
    """The signed-out form's token, and the cookie to set when the browser has none yet."""
    current = call.cookie(FORM_COOKIE)
    if current and 20 <= len(current) <= 64:
        return current, None
    token = secrets.token_urlsafe(24)
    return token, (f"{FORM_COOKIE}={token}; Path=/console; Max-Age={FORM_COOKIE_SECONDS}; HttpOnly; "
                   f"SameSite=Strict{_secure(call)}")


def limit_auth(call: Call) -> None:
    """The signed-out forms' own limit per client IP (inside the view, so a refusal shows on the form)."""
    call.c.api.rate_limits.hit(policy="ip:console_auth", subject=f"ip:{call.source_ip}", tenant_id=None)


def check_form(call: Call) -> None:
    """A signed-out form must carry the token its page put in the cookie (403 `csrf_failed` otherwise)."""
    check_csrf(call, call.cookie(FORM_COOKIE) or "")


def public_page(call: Call, template: str, *, status: int = 200, **context: Any) -> Response:
    """A signed-out page (sign-in, sign-up, reset) with its form token."""
    token, cookie = form_token(call)
    return page(call, template, status=status, cookies=[cookie] if cookie else [], private=True,
                csrf=token, csrf_field=CSRF_FIELD, **context)


def console_page(call: Call, template: str, *, status: int = 200, **context: Any) -> Response:
    """A signed-in page: the shell with the account, the shop and the session's CSRF token."""
    assert call.session is not None and call.account is not None
    return page(call, template, status=status, private=True, csrf=call.session.csrf, csrf_field=CSRF_FIELD,
                account=call.account, actor=call.actor, path=call.spec.path, **context)


def forbidden_page(call: Call, exc: DomainError) -> Response:
    """A page the signed-in role may not open: 403, with the reason, inside the console's shell."""
    return console_page(call, "console/forbidden.html", status=403, reason=exc.message)


def redirect(location: str, *cookies: str) -> Response:
    headers: dict[str, str | list[str]] = {"Location": location, **NO_STORE}
    if cookies:
        headers["Set-Cookie"] = list(cookies) if len(cookies) > 1 else cookies[0]
    return Response(body="", status_code=303, headers=headers)


def signed_in(call: Call, result: SignedIn, location: str = "/console") -> Response:
    return redirect(location, session_cookie(call, result.token))


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path of this site only (never another host)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value \
            and len(value) <= 300:
        return value
    return "/console"


def error_text(call: Call, exc: DomainError) -> str:
    """What a form shows for a refused request: the translated text where there is one, else the message."""
    from chalicelib.http.pages import translator

    t = translator(call)
    if isinstance(exc, RateLimited):
        if exc.code == "sign_in_locked":
            return t("console.login.locked", minutes=max(1, (exc.retry_after + 59) // 60))
        return t("console.too_many", seconds=exc.retry_after)
    known = {"sign_in_failed": "console.login.wrong", "email_unconfirmed": "console.login.unconfirmed",
             "csrf_failed": "console.form_expired", "two_step_code_wrong": "console.two_step.wrong",
             "sign_in_challenge_expired": "console.two_step.expired", "last_owner": "console.staff.last_owner",
             "email_taken": "console.staff.email_taken"}
    if exc.code in known:
        return t(known[exc.code])
    return exc.message[:1].upper() + exc.message[1:] + "."
