"""Sign-in pages: sign in, sign out (here or everywhere), forgot password, reset by link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib.console.routes.render import (
    CHALLENGE_COOKIE,
    TAG,
    challenge_cookie,
    check_form,
    error_text,
    limit_auth,
    public_page,
    redirect,
    safe_next,
    session_cookie,
    signed_in,
)
from chalicelib.http.errors import status_for
from chalicelib.http.pages import locale_of
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import CONSOLE_COOKIE, Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError
from chalicelib.tenancy.domain.accounts import ChallengeRequired

console_signin = Blueprint(__name__)
FORM = (FORM_TYPE,)
TOKEN = QueryParam("token", string(max_length=200), "the token of the e-mailed link")



@endpoint(console_signin, "GET", "/console/login", summary="Sign-in page", tag=TAG, auth="none",
          produces="text/html", in_openapi=False,
          query=(QueryParam("next", string(max_length=300), "the console page to open after signing in"),
                 QueryParam("out", string(enum=("1", "all")), "shows that the browser was signed out")))
def login_page(call: Call) -> Any:
    notice = {"1": "console.login.signed_out", "all": "console.login.signed_out_all"}.get(call.query.get("out", ""))
    return public_page(call, "console/login.html", email="", next=safe_next(call.query.get("next")), notice=notice)


@endpoint(console_signin, "POST", "/console/login", summary="Sign in (form)", tag=TAG, auth="none",
          content_types=FORM, produces="text/html", rate=None, idempotent=False, in_openapi=False)
def login(call: Call) -> Response:
    form = call.form()
    target = safe_next(form.get("next"))
    try:
        check_form(call)
        limit_auth(call)
        result = call.c.tenancy.accounts.sign_in(form, ip=call.source_ip, locale=locale_of(call))
    except DomainError as exc:
        return public_page(call, "console/login.html", status=status_for(exc), email=form.get("email", ""),
                           next=target, error=error_text(call, exc), code=exc.code)
    if isinstance(result, ChallengeRequired):  # two-step sign-in: the code comes next
        return redirect("/console/login/code?" + urlencode({"next": target}), challenge_cookie(call, result.token))
    return signed_in(call, result, target)


@endpoint(console_signin, "GET", "/console/login/code", summary="Two-step sign-in: the code", tag=TAG, auth="none",
          produces="text/html", in_openapi=False,
          query=(QueryParam("next", string(max_length=300), "the console page to open after signing in"),))
def code_page(call: Call) -> Any:
    if not call.c.tenancy.accounts.challenge_open(call.cookie(CHALLENGE_COOKIE)):
        return redirect("/console/login?" + urlencode({"next": safe_next(call.query.get("next"))}))
    return public_page(call, "console/code.html", next=safe_next(call.query.get("next")))


@endpoint(console_signin, "POST", "/console/login/code", summary="Two-step sign-in: check the code (form)", tag=TAG,
          auth="none", content_types=FORM, produces="text/html", rate=None, idempotent=False, in_openapi=False)
def code(call: Call) -> Response:
    form = call.form()
    target = safe_next(form.get("next"))
    try:
        check_form(call)
        limit_auth(call)
        result = call.c.tenancy.accounts.complete_sign_in(token=call.cookie(CHALLENGE_COOKIE), code=form.get("code"),
                                                          ip=call.source_ip)
    except DomainError as exc:
        if exc.code == "sign_in_challenge_expired":
            return public_page(call, "console/login.html", status=401, email="", next=target,
                               error=error_text(call, exc))
        return public_page(call, "console/code.html", status=status_for(exc), next=target,
                           error=error_text(call, exc))
    return redirect(target, session_cookie(call, result.token), challenge_cookie(call, "", max_age=0))


@endpoint(console_signin, "POST", "/console/logout", summary="Sign out this browser", tag=TAG, auth="console",
          content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def logout(call: Call) -> Response:
    call.c.tenancy.accounts.sign_out(call.cookie(CONSOLE_COOKIE))
    return redirect("/console/login?out=1", session_cookie(call, "", max_age=0))


@endpoint(console_signin, "POST", "/console/logout-all", summary="Sign out on every device", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def logout_everywhere(call: Call) -> Response:
    assert call.account is not None
    call.c.tenancy.accounts.sign_out_everywhere(call.account)
    return redirect("/console/login?out=all", session_cookie(call, "", max_age=0))


@endpoint(console_signin, "GET", "/console/forgot", summary="Forgot-password page", tag=TAG, auth="none",
          produces="text/html", in_openapi=False)
def forgot_page(call: Call) -> Any:
    return public_page(call, "console/forgot.html", email="")


@endpoint(console_signin, "POST", "/console/forgot", summary="E-mail a password reset link (form)", tag=TAG,
          auth="none", content_types=FORM, produces="text/html", rate=None, idempotent=False, in_openapi=False)
def forgot(call: Call) -> Response:
    email = call.form().get("email", "")
    try:
        check_form(call)
        limit_auth(call)
        call.c.tenancy.accounts.forgot_password(email=email, locale=locale_of(call))
    except DomainError as exc:
        return public_page(call, "console/forgot.html", status=status_for(exc), email=email,
                           error=error_text(call, exc))
    return public_page(call, "console/forgot.html", email=email, sent=True)


@endpoint(console_signin, "GET", "/console/reset", summary="Choose a new password (link from the mail)", tag=TAG,
          auth="none", produces="text/html", in_openapi=False, query=(TOKEN,))
def reset_page(call: Call) -> Any:
    token = call.query.get("token", "")
    valid = call.c.tenancy.accounts.reset_link_valid(token)
    return public_page(call, "console/reset.html", status=200 if valid else 400, token=token, valid=valid)


@endpoint(console_signin, "POST", "/console/reset", summary="Save the new password (form)", tag=TAG, auth="none",
          content_types=FORM, produces="text/html", rate=None, idempotent=False, in_openapi=False)
def reset(call: Call) -> Response:
    form = call.form()
    token = form.get("token", "")
    try:
        check_form(call)
        limit_auth(call)
        result = call.c.tenancy.accounts.reset_password(token=token, password=form.get("password"))
    except DomainError as exc:
        return public_page(call, "console/reset.html", status=status_for(exc), token=token, valid=True,
                           error=error_text(call, exc))
    if result is None:
        return public_page(call, "console/reset.html", status=400, token=token, valid=False)
    return signed_in(call, result)
