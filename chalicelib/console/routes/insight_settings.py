"""The console's Insights → Settings: the shop's safety window and days of cover, whether stock alerts go to the
shop's address, the value tiers' monthly spend (through the same service as `PATCH /v1/insights/settings`), and
the signed-in member's own choice of stock alert e-mails."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, forbidden_page, redirect
from chalicelib.http.pages import translator
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.insights.domain.settings import COVER_DAYS, TIER_MAX, WINDOW_DAYS
from chalicelib.kernel.errors import InvalidRequest, PermissionDenied
from chalicelib.tenancy.domain.roles import Permission

console_insight_settings = Blueprint(__name__)
PAGE = "console/insights_settings.html"
NUMBERS = ("safety_window_days", "cover_days", "whale_monthly", "regular_monthly")
LIMITS = {"safety_window_days": WINDOW_DAYS, "cover_days": COVER_DAYS, "whale_monthly": (1, TIER_MAX),
          "regular_monthly": (1, TIER_MAX)}


def _page(call: Call, *, status: int = 200, values: dict[str, Any] | None = None, **context: Any) -> Response:
    assert call.account is not None  # a console route: the session's member
    service = call.c.insights.insight_settings
    if values is None:
        s = service.get(actor=call.actor, tenant_id=call.tenant_id)
        values = {"safety_window_days": s.safety_window_days, "cover_days": s.cover_days,
                  "whale_monthly": s.whale_monthly, "regular_monthly": s.regular_monthly,
                  "alert_shop_email": s.alert_shop_email}
    overview = call.c.insights.segments.overview(actor=call.actor, tenant_id=call.tenant_id)
    mine = service.alert_mail(actor=call.actor, tenant_id=call.tenant_id, user_id=call.account.user_id)
    return console_page(call, PAGE, status=status, values=values, limits=LIMITS, alert_me=mine,
                        currency=(overview.currency or "").upper(), may_edit=call.actor.may(Permission.SETTINGS),
                        tab="settings", **context)


@endpoint(console_insight_settings, "GET", "/console/insights/settings", summary="Insights settings", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("saved", string(enum=("shop", "mine")), "shows what was saved"),))
def settings_page(call: Call) -> Response:
    try:
        return _page(call, saved=call.query.get("saved"))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)


@endpoint(console_insight_settings, "POST", "/console/insights/settings", summary="Save the insights settings (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def save(call: Call) -> Response:
    form = call.form()
    # a form sends text: a field that is not a whole number is refused here, by name, before the service
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in NUMBERS}
    values["alert_shop_email"] = form.get("alert_shop_email") == "on"  # an unticked box is absent
    try:
        bad = next((name for name in NUMBERS if not values[name].isdigit()), None)
        if bad is not None:
            raise InvalidRequest(f"{bad} must be a whole number", param=bad)
        body = {**{name: int(values[name]) for name in NUMBERS}, "alert_shop_email": values["alert_shop_email"]}
        call.c.insights.insight_settings.update(actor=call.actor, tenant_id=call.tenant_id, body=body)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except InvalidRequest as exc:
        t = translator(call)
        low, high = LIMITS.get(exc.param or "", (1, TIER_MAX))
        field = "order" if exc.code == "tiers_out_of_order" else exc.param
        key = f"console.insettings.bad.{field}"
        text = t(key, low=f"{low:,}", high=f"{high:,}")
        return _page(call, status=400, values=values, error=text, error_param=exc.param)
    return redirect("/console/insights/settings?saved=shop")


@endpoint(console_insight_settings, "POST", "/console/insights/settings/mine",
          summary="My stock alert e-mails (form)", tag=TAG, auth="console", content_types=(FORM_TYPE,),
          produces="text/html", idempotent=False, in_openapi=False)
def save_mine(call: Call) -> Response:
    assert call.account is not None
    try:
        call.c.insights.insight_settings.choose_alert_mail(actor=call.actor, tenant_id=call.tenant_id,
                                                           user_id=call.account.user_id,
                                                           wanted=call.form().get("alert_me") == "on")
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect("/console/insights/settings?saved=mine")
