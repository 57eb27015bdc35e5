"""The signed-in pages: the home page with the first-run checklist, and account security."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.console.routes.render import TAG, console_page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string

console_home = Blueprint(__name__)


@endpoint(console_home, "GET", "/console", summary="Console home", tag=TAG, auth="console", produces="text/html",
          in_openapi=False, query=(QueryParam("welcome", string(enum=("1",)), "just confirmed: greets the owner"),))
def home(call: Call) -> Any:
    assert call.tenant is not None
    glance = call.c.console.home.glance(call.tenant)
    return console_page(call, "console/home.html", glance=glance, welcome=call.query.get("welcome") == "1")


@endpoint(console_home, "GET", "/console/security", summary="Account security", tag=TAG, auth="console",
          produces="text/html", in_openapi=False)
def security(call: Call) -> Any:
    return console_page(call, "console/security.html")


@endpoint(console_home, "POST", "/console/security/reset-link", summary="E-mail a password reset link", tag=TAG,
          auth="console", content_types=("application/x-www-form-urlencoded",), produces="text/html",
          idempotent=False, in_openapi=False)
def security_reset_link(call: Call) -> Any:
    from chalicelib.http.pages import locale_of

    assert call.account is not None
    call.c.tenancy.accounts.forgot_password(email=call.account.email, locale=locale_of(call))
    return console_page(call, "console/security.html", reset_sent=True)
