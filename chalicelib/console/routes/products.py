"""Product pages: the list with stock, create, edit (on the version shown, so two editors never overwrite each
other), archive and unarchive, all through the catalog's own service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, InvalidRequest, NotFound, PermissionDenied
from chalicelib.tenancy.domain.roles import Permission

console_products = Blueprint(__name__)
FORM = (FORM_TYPE,)
CURRENCIES = ("usd", "cny", "eur", "gbp", "hkd", "twd", "sgd", "jpy", "krw", "aud", "cad")
TEXT = ("name", "category", "description", "usage_guide", "usage_url")  # the image has its own upload form
NUMBERS = ("min_per_order", "max_per_order", "low_stock_threshold", "activation_limit", "replace_window_minutes",
           "replace_max_per_order")
FLAGS = ("active", "auto_replace")
BUYER_LIMITS = {"day": "max_per_buyer_day", "month": "max_per_buyer_month", "lifetime": "max_per_buyer"}
WINDOW = ("sale_starts_at", "sale_ends_at")
PAGE_SIZE = 50
SAVED = ("created", "saved", "archived", "unarchived", "image", "image_removed")
IMAGE_ERRORS = ("image_not_uploaded", "image_rejected")


def to_minor(text: str, currency: str) -> int:
    """`50`, `50.5` or `50.50` in the currency's major unit → minor units (what the API takes)."""
    from babel.numbers import get_currency_precision

    digits = get_currency_precision(currency.upper())
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidRequest(f"price must be a number such as 12.50 ({currency.upper()})", param="price") from exc
    minor = amount * (10 ** digits)
    if minor != minor.to_integral_value() or amount < 0:
        raise InvalidRequest(f"price takes at most {digits} decimal places in {currency.upper()}", param="price")
    return int(minor)


def to_major(amount: int, currency: str) -> str:
    from babel.numbers import get_currency_precision

    digits = get_currency_precision(currency.upper())
    return f"{Decimal(amount) / (10 ** digits):.{digits}f}"


def from_local(text: str, zone: str, field: str) -> int | None:
    """A `datetime-local` value in the shop's zone → Unix seconds; empty → None (no limit)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not text.strip():
        return None
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidRequest(f"{field} must be a date and time such as 2026-12-24T20:00", param=field) from exc
    return int(local.replace(tzinfo=ZoneInfo(zone)).timestamp())


def to_local(ts: int | None, zone: str) -> str:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")


def _body(form: dict[str, str], zone: str) -> dict[str, Any]:
    """The form as the API's body: every field, numbers as numbers, unticked boxes as false, the window's
    times read in the shop's zone."""
    body: dict[str, Any] = {k: form.get(k, "") for k in TEXT}
    for name in WINDOW:
        body[name] = from_local(form.get(name, ""), zone, name)
    currency = form.get("currency", "usd")
    body["currency"] = currency
    body["price"] = to_minor(form.get("price", ""), currency if currency in CURRENCIES else "usd")
    for name in NUMBERS:
        raw = form.get(name, "").strip()
        if not raw.isdigit():
            raise InvalidRequest(f"{name} must be a whole number", param=name)
        body[name] = int(raw)
    for name in FLAGS:
        body[name] = form.get(name) == "on"
    limits: dict[str, int | None] = {}
    for period, name in BUYER_LIMITS.items():
        raw = form.get(name, "").strip()
        if raw and not raw.isdigit():
            raise InvalidRequest(f"{name} must be a whole number of keys, or empty for no limit", param=name)
        limits[period] = int(raw) if raw and int(raw) > 0 else None  # empty or 0: no limit
    body["max_per_buyer"] = limits
    return body


def _values(product: Any, zone: str) -> dict[str, Any]:
    values = {k: getattr(product, k) for k in (*TEXT, *NUMBERS, *FLAGS, "currency")}
    values.update({name: getattr(product, name) or "" for name in BUYER_LIMITS.values()})
    values["price"] = to_major(product.price, product.currency)
    for name in WINDOW:
        values[name] = to_local(getattr(product, name), zone)
    return values


def _form_page(call: Call, *, status: int = 200, product: Any = None, values: dict[str, Any] | None = None,
               **context: Any) -> Response:
    stock = None if product is None else call.c.catalog.products.stock(tenant_id=call.tenant_id,
                                                                       product_id=product.id)
    return console_page(call, "console/product.html", status=status, product=product, stock=stock,
                        zone=call.tenant.zone if call.tenant else "UTC",
                        values=values if values is not None else (_values(product, _zone(call)) if product else
                                                                  {"currency": "usd", "min_per_order": 1,
                                                                   "max_per_order": 10, "low_stock_threshold": 10,
                                                                   "activation_limit": 1, "active": True,
                                                                   "auto_replace": True, "replace_window_minutes": 60,
                                                                   "replace_max_per_order": 1}),
                        currencies=CURRENCIES, may_edit=call.actor.may(Permission.CATALOG), **context)


def _error(call: Call, exc: DomainError) -> str:
    """The API's words, except for the limits per buyer, whose fields the form names in the merchant's language."""
    if exc.param == "max_per_buyer":
        from chalicelib.http.pages import translator

        return translator(call)("console.products.buyer_limits_bad")
    return error_text(call, exc)


def _zone(call: Call) -> str:
    return call.tenant.zone if call.tenant is not None else "UTC"


@endpoint(console_products, "GET", "/console/products", summary="Products", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("cursor", string(max_length=500), "next_cursor of the previous page"),))
def products(call: Call) -> Response:
    page = call.c.inventory.keys.stock_summary(tenant_id=call.tenant_id, limit=PAGE_SIZE,
                                               cursor=call.query.get("cursor"))
    return console_page(call, "console/products.html", rows=page.items, next_cursor=page.next_cursor,
                        may_edit=call.actor.may(Permission.CATALOG), to_major=to_major)


@endpoint(console_products, "GET", "/console/products/new", summary="New product", tag=TAG, auth="console",
          produces="text/html", in_openapi=False)
def new_product(call: Call) -> Response:
    return _form_page(call)


@endpoint(console_products, "POST", "/console/products", summary="Create a product (form)", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def create(call: Call) -> Response:
    form = call.form()
    try:
        product = call.c.catalog.products.create(actor=call.actor, tenant_id=call.tenant_id,
                                                 body=_body(form, _zone(call)))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _form_page(call, status=status_for(exc), values=dict(form), error=_error(call, exc),
                          error_param=exc.param)
    return redirect(f"/console/products/{product.id}?saved=created")


def _product(call: Call, product_id: str) -> Any:
    if not product_id.startswith("prd_") or len(product_id) > 64:
        raise NotFound("no such product")
    return call.c.catalog.products.get(tenant_id=call.tenant_id, product_id=product_id)


@endpoint(console_products, "GET", "/console/products/{product_id}", summary="A product", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("saved", string(enum=SAVED), "last change"),
                 QueryParam("image_error", string(max_length=40), "why the last image upload was not used")))
def product(call: Call, product_id: str) -> Response:
    from chalicelib.catalog.images import MAX_BYTES, TYPES

    try:
        found = _product(call, product_id)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    saved = call.query.get("saved")
    image_error = call.query.get("image_error")
    return _form_page(call, product=found, saved=saved if saved in SAVED else None,
                      image_error=(image_error if image_error in IMAGE_ERRORS else "other") if image_error else None,
                      image_types=",".join(TYPES), image_mb=MAX_BYTES // (1024 * 1024))


@endpoint(console_products, "POST", "/console/products/{product_id}", summary="Save a product (form)", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def save(call: Call, product_id: str) -> Response:
    form = call.form()
    try:
        current = _product(call, product_id)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    version = form.get("version", "")
    try:
        call.c.catalog.products.patch(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id,
                                      body=_body(form, _zone(call)),
                                      if_match=int(version) if version.isdigit() else None)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        conflict = exc.code == "version_conflict"
        return _form_page(call, status=status_for(exc), product=current, values=dict(form),
                          error=_error(call, exc) if not conflict else None, conflict=conflict,
                          error_param=exc.param)
    return redirect(f"/console/products/{product_id}?saved=saved")


@endpoint(console_products, "POST", "/console/products/{product_id}/archive", summary="Archive or unarchive (form)",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def archive(call: Call, product_id: str) -> Response:
    archived = call.form().get("archived") == "1"
    try:
        _product(call, product_id)
        call.c.catalog.products.archive(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id,
                                        archived=archived)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect(f"/console/products/{product_id}?saved={'archived' if archived else 'unarchived'}")
