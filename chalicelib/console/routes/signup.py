"""Sign-up pages: open a shop, confirm the e-mail by link (which signs in), ask for a new link."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, check_form, error_text, limit_auth, public_page, signed_in
from chalicelib.http.errors import status_for
from chalicelib.http.pages import locale_of
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError

console_signup = Blueprint(__name__)
FORM = (FORM_TYPE,)
SIGNUP_FIELDS = ("name", "slug", "email", "password")



@endpoint(console_signup, "GET", "/console/signup", summary="Sign-up page", tag=TAG, auth="none",
          produces="text/html", in_openapi=False)
def signup_page(call: Call) -> Any:
    return public_page(call, "console/signup.html", values={}, base=call.c.settings.public_base_url)


@endpoint(console_signup, "POST", "/console/signup", summary="Open a shop (form)", tag=TAG, auth="none",
          content_types=FORM, produces="text/html", rate=None, idempotent=False, in_openapi=False)
def signup(call: Call) -> Any:
    form = call.form()
    values = {k: form.get(k, "") for k in SIGNUP_FIELDS if k != "password"}
    try:
        check_form(call)
        limit_auth(call)
        body = {k: form.get(k, "") for k in SIGNUP_FIELDS}
        tenant = call.c.tenancy.accounts.sign_up(body, locale=locale_of(call))
    except DomainError as exc:
        return public_page(call, "console/signup.html", status=status_for(exc), values=values,
                           error=error_text(call, exc), error_param=exc.param,
                           base=call.c.settings.public_base_url)
    return public_page(call, "console/sent.html", email=tenant.email)


@endpoint(console_signup, "GET", "/console/confirm", summary="Confirm the e-mail (link from the mail)", tag=TAG,
          auth="none", produces="text/html", in_openapi=False,
          query=(QueryParam("token", string(max_length=200), "the token of the e-mailed link"),))
def confirm(call: Call) -> Any:
    result = call.c.tenancy.accounts.confirm(call.query.get("token"))
    if result is None:
        return public_page(call, "console/confirm_invalid.html", status=400)
    return signed_in(call, result, "/console?welcome=1")


@endpoint(console_signup, "POST", "/console/confirm/resend", summary="Send the confirmation link again (form)",
          tag=TAG, auth="none", content_types=FORM, produces="text/html", rate=None, idempotent=False,
          in_openapi=False)
def resend(call: Call) -> Response:
    email = call.form().get("email", "")
    try:
        check_form(call)
        limit_auth(call)
        call.c.tenancy.accounts.resend_confirmation(email=email, locale=locale_of(call))
    except DomainError as exc:
        return public_page(call, "console/sent.html", status=status_for(exc), email=email,
                           error=error_text(call, exc))
    return public_page(call, "console/sent.html", email=email, resent=True)
