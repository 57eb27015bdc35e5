"""The shop settings page: name, logo, announcement, support contact, stock display, payment methods, language
and time zone, saved through the same service as `PATCH /v1/tenant`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, PermissionDenied
from chalicelib.tenancy.domain.roles import Permission
from chalicelib.tenancy.domain.shop import PAYMENT_METHODS

console_settings = Blueprint(__name__)
PAGE = "console/settings.html"
# The zones merchants pick most; any other IANA name works through the API.
ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
         "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Europe/London", "Europe/Berlin", "Europe/Paris",
         "Europe/Moscow", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "America/Sao_Paulo", "Australia/Sydney", "UTC")
TEXT_FIELDS = ("name", "logo_url", "announcement", "support_contact", "locale", "timezone")


def _page(call: Call, *, status: int = 200, values: dict[str, Any] | None = None, **context: Any) -> Response:
    assert call.tenant is not None
    shop = call.tenant
    current = values or {"name": shop.name, "logo_url": shop.logo_url, "announcement": shop.announcement,
                         "support_contact": shop.support_contact, "locale": shop.locale, "timezone": shop.timezone,
                         "show_stock_counts": shop.show_stock_counts, "payment_methods": list(shop.payment_methods)}
    zones = ZONES if not current.get("timezone") or current["timezone"] in ZONES else (current["timezone"], *ZONES)
    return console_page(call, PAGE, status=status, values=current, zones=zones, methods=PAYMENT_METHODS,
                        may_edit=call.actor.may(Permission.SETTINGS), **context)


@endpoint(console_settings, "GET", "/console/settings", summary="Shop settings", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("saved", string(enum=("1",)), "shows that the settings were saved"),))
def settings(call: Call) -> Response:
    return _page(call, saved=call.query.get("saved") == "1")


@endpoint(console_settings, "POST", "/console/settings", summary="Save the shop settings (form)", tag=TAG,
          auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False, in_openapi=False)
def save(call: Call) -> Response:
    form = call.form()
    # a form sends every field; an unticked box is absent, so it is read as "off"
    body: dict[str, Any] = {k: form.get(k, "") for k in TEXT_FIELDS}
    body["show_stock_counts"] = form.get("show_stock_counts") == "on"
    body["payment_methods"] = ["card"] + [m for m in PAYMENT_METHODS if m != "card" and form.get(f"pm_{m}") == "on"]
    try:
        call.c.tenancy.shop_settings.update(actor=call.actor, tenant_id=call.tenant_id, body=body)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), values=body, error=error_text(call, exc), error_param=exc.param)
    return redirect("/console/settings?saved=1")
