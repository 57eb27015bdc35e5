"""The console's Marketing → Spend thresholds (满减): each currency's steps ("spend 100, save 10") shown as buyers
see them, a form to set a currency's steps with a window, and removing them — through the same service as
`/v1/promotions/thresholds`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.products import from_local, to_local, to_minor
from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, InvalidRequest, PermissionDenied
from chalicelib.marketing.domain.thresholds import MAX_STEPS
from chalicelib.tenancy.domain.roles import Permission

console_thresholds = Blueprint(__name__)
PAGE = "console/thresholds.html"
CURRENCIES = ("usd", "cny", "eur", "gbp", "hkd", "twd", "sgd", "jpy", "krw", "aud", "cad")


def _page(call: Call, *, status: int = 200, values: dict[str, Any] | None = None, **context: Any) -> Response:
    found = call.c.marketing.thresholds.list(actor=call.actor, tenant_id=call.tenant_id)
    zone = call.tenant.zone if call.tenant is not None else "UTC"
    return console_page(call, PAGE, status=status, thresholds=found, zone=zone, to_local=to_local,
                        rows=range(MAX_STEPS), currencies=CURRENCIES, values=values or {"currency": "usd"},
                        may_edit=call.actor.may(Permission.CATALOG), **context)


@endpoint(console_thresholds, "GET", "/console/marketing/thresholds", summary="Spend thresholds", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("done", string(enum=("saved", "removed")), "what was just done"),))
def thresholds(call: Call) -> Response:
    try:
        return _page(call, done=call.query.get("done"))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)


def _body(form: dict[str, str], currency: str, zone: str) -> dict[str, Any]:
    """The form as the API's body: amounts typed as buyers pay them, empty rows left out."""
    steps: list[dict[str, int]] = []
    for i in range(MAX_STEPS):
        spend, save = form.get(f"spend{i}", "").strip(), form.get(f"save{i}", "").strip()
        if not spend and not save:
            continue
        steps.append({"spend": _minor(spend, currency, f"steps[{len(steps)}].spend"),
                      "save": _minor(save, currency, f"steps[{len(steps)}].save")})
    return {"steps": steps, "active": form.get("active") == "1",
            "starts_at": from_local(form.get("starts_at", ""), zone, "starts_at"),
            "ends_at": from_local(form.get("ends_at", ""), zone, "ends_at")}


def _minor(text: str, currency: str, field: str) -> int:
    try:
        return to_minor(text, currency)
    except InvalidRequest as exc:
        raise InvalidRequest(exc.message.replace("price", "the amount"), param=field) from exc


@endpoint(console_thresholds, "POST", "/console/marketing/thresholds", summary="Set spend thresholds (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def save(call: Call) -> Response:
    form = call.form()
    zone = call.tenant.zone if call.tenant is not None else "UTC"
    currency = form.get("currency", "usd")
    try:
        call.c.marketing.thresholds.put(actor=call.actor, tenant_id=call.tenant_id, currency=currency,
                                        body=_body(form, currency, zone))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), values=dict(form), error=_error(call, exc),
                     error_param=exc.param)
    return redirect("/console/marketing/thresholds?done=saved")


def _error(call: Call, exc: DomainError) -> str:
    """The form's refusals in the merchant's words; the API's message where the form has none."""
    from chalicelib.http.pages import translator

    t = translator(call)
    if exc.code in ("threshold_saves_all", "thresholds_out_of_order"):
        return t(f"console.thresholds.bad.{exc.code}")
    if exc.param == "steps":
        return t("console.thresholds.bad.no_steps")
    return error_text(call, exc)


@endpoint(console_thresholds, "POST", "/console/marketing/thresholds/{currency}/remove",
          summary="Remove spend thresholds (form)", tag=TAG, auth="console", content_types=(FORM_TYPE,),
          produces="text/html", idempotent=False, in_openapi=False)
def remove(call: Call, currency: str) -> Response:
    try:
        call.c.marketing.thresholds.delete(actor=call.actor, tenant_id=call.tenant_id, currency=currency)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect("/console/marketing/thresholds?done=removed")
