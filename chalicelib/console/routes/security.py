"""Account security pages: two-step sign-in (enrol by QR code, recovery codes, turn off), password reset link,
sign out everywhere."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.console.routes.render import TAG, console_page, error_text
from chalicelib.http.errors import status_for
from chalicelib.http.pages import locale_of
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, endpoint
from chalicelib.kernel.errors import DomainError

console_security = Blueprint(__name__)
FORM = (FORM_TYPE,)
PAGE = "console/security.html"


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the page's CSP allows data: images)."""
    import segno

    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#17171c"))


@endpoint(console_security, "GET", "/console/security", summary="Account security", tag=TAG, auth="console",
          produces="text/html", in_openapi=False)
def security(call: Call) -> Any:
    return console_page(call, PAGE)


@endpoint(console_security, "POST", "/console/security/reset-link", summary="E-mail a password reset link", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def security_reset_link(call: Call) -> Any:
    assert call.account is not None
    try:
        call.c.tenancy.accounts.forgot_password(email=call.account.email, locale=locale_of(call))
    except DomainError as exc:
        return console_page(call, PAGE, status=status_for(exc), error=error_text(call, exc))
    return console_page(call, PAGE, reset_sent=True)


@endpoint(console_security, "POST", "/console/security/two-step/start", summary="Start setting up two-step sign-in",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def two_step_start(call: Call) -> Any:
    assert call.account is not None and call.tenant is not None
    enrolment = call.c.tenancy.two_step.start(tenant=call.tenant, account=call.account)
    return console_page(call, PAGE, enrolment=enrolment, qr=qr_data_uri(enrolment.uri))


@endpoint(console_security, "POST", "/console/security/two-step/confirm", summary="Confirm two-step sign-in",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def two_step_confirm(call: Call) -> Any:
    assert call.account is not None and call.tenant is not None
    two_step = call.c.tenancy.two_step
    try:
        codes = two_step.confirm(tenant=call.tenant, account=call.account, code=call.form().get("code"))
    except DomainError as exc:
        enrolment = two_step.pending(tenant=call.tenant, account=call.account)
        return console_page(call, PAGE, status=status_for(exc), error=error_text(call, exc), enrolment=enrolment,
                            qr=qr_data_uri(enrolment.uri) if enrolment else None)
    return console_page(call, PAGE, recovery_codes=codes, two_step_on=True)


@endpoint(console_security, "POST", "/console/security/two-step/disable", summary="Turn off two-step sign-in",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def two_step_disable(call: Call) -> Any:
    assert call.account is not None and call.tenant is not None
    try:
        call.c.tenancy.two_step.disable(tenant=call.tenant, account=call.account, code=call.form().get("code"))
    except DomainError as exc:
        return console_page(call, PAGE, status=status_for(exc), error=error_text(call, exc))
    return console_page(call, PAGE, two_step_on=False, two_step_off_done=True)
