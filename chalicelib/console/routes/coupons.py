"""The console's Marketing → Coupons: every coupon with its uses against its cap, a form to make one in a minute
(percent or amount off, on one product or the whole shop, a window, caps), and switching one off or on — through
the same service as `/v1/coupons`."""

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
from chalicelib.tenancy.domain.roles import Permission

console_coupons = Blueprint(__name__)
PAGE = "console/coupons.html"
BAD = ("exists", "code", "value", "currency", "ends_at", "total_cap", "per_buyer_cap", "min_amount")


def _page(call: Call, *, status: int = 200, values: dict[str, Any] | None = None, **context: Any) -> Response:
    coupons = call.c.marketing.coupons.list(actor=call.actor, tenant_id=call.tenant_id)
    page = call.c.inventory.keys.stock_summary(tenant_id=call.tenant_id, limit=100, cursor=None, archived=False)
    products = [(p.id, p.name, p.currency) for p, _ in page.items]
    zone = call.tenant.zone if call.tenant is not None else "UTC"
    return console_page(call, PAGE, status=status, coupons=coupons, products=products,
                        names={pid: name for pid, name, _ in products}, zone=zone, to_local=to_local,
                        values=values or {"kind": "percent", "percent": "10", "currency": "usd"},
                        may_edit=call.actor.may(Permission.CATALOG), **context)


@endpoint(console_coupons, "GET", "/console/marketing/coupons", summary="Coupons", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("done", string(enum=("created", "off", "on")), "what was just done"),))
def coupons(call: Call) -> Response:
    try:
        return _page(call, done=call.query.get("done"))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)


def _body(form: dict[str, str], zone: str) -> dict[str, Any]:
    """The form as the API's body: a percent typed as 15 or 12.5, an amount typed as the buyer pays it."""
    body: dict[str, Any] = {"code": form.get("code", ""), "kind": form.get("kind", "percent")}
    if body["kind"] == "fixed":
        currency = form.get("currency", "usd")
        body.update(currency=currency, value=_minor(form.get("amount", ""), currency, "value"))
    else:
        try:
            body["value"] = round(float(form.get("percent", "").strip()) * 100)
        except ValueError as exc:
            raise InvalidRequest("the percent off must be a number such as 15", param="value") from exc
    if form.get("product_id"):
        body["product_ids"] = [form["product_id"]]
    if form.get("min_amount", "").strip():
        body["min_amount"] = _minor(form["min_amount"], form.get("currency", "usd"), "min_amount")
    for name in ("total_cap", "per_buyer_cap"):
        raw = form.get(name, "").strip()
        if raw and not raw.isdigit():
            raise InvalidRequest(f"{name} must be a whole number, or empty for no cap", param=name)
        body[name] = int(raw or 0)
    for name in ("starts_at", "ends_at"):
        body[name] = from_local(form.get(name, ""), zone, name)
    return body


def _minor(text: str, currency: str, field: str) -> int:
    """An amount typed as buyers pay it, refused under the form's own field (the product form's parser names price)."""
    try:
        return to_minor(text, currency)
    except InvalidRequest as exc:
        raise InvalidRequest(exc.message, param=field) from exc


@endpoint(console_coupons, "POST", "/console/marketing/coupons", summary="Create a coupon (form)", tag=TAG,
          auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False, in_openapi=False)
def create(call: Call) -> Response:
    form = call.form()
    zone = call.tenant.zone if call.tenant is not None else "UTC"
    try:
        call.c.marketing.coupons.create(actor=call.actor, tenant_id=call.tenant_id, body=_body(form, zone))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), values=dict(form), error=_error(call, exc),
                     error_param=exc.param)
    return redirect("/console/marketing/coupons?done=created")


def _error(call: Call, exc: DomainError) -> str:
    """The form's fields in the merchant's words; the API's message where the form has none."""
    from chalicelib.http.pages import translator

    key = "exists" if exc.code == "coupon_exists" else exc.param or ""
    return translator(call)(f"console.coupons.bad.{key}") if key in BAD else error_text(call, exc)


@endpoint(console_coupons, "POST", "/console/marketing/coupons/{code}/active", summary="Switch a coupon (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def switch(call: Call, code: str) -> Response:
    on = call.form().get("active") == "1"
    try:
        call.c.marketing.coupons.update(actor=call.actor, tenant_id=call.tenant_id, code=code, body={"active": on})
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect(f"/console/marketing/coupons?done={'on' if on else 'off'}")
