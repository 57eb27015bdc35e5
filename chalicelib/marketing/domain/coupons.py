"""Coupons: a code a buyer types at checkout for a percent or fixed saving, on one product or the whole shop, within
a time window, from a minimum amount, for listed e-mails or anyone, with caps on total and per-buyer uses.

The caps are held at checkout like the limits per buyer (one conditional counter each, taken before any key is
claimed, given back when the order ends without keys); this module decides whether a coupon applies at all and
says why not in words a buyer understands.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ...kernel.errors import InvalidRequest
from ...kernel.validation import whole
from .pricing import FIXED, PERCENT, CouponTerms

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")
MAX_PRODUCTS = 50
MAX_EMAILS = 500
MAX_CAP = 1_000_000
FIELDS = ("code", "kind", "value", "currency", "product_ids", "min_amount", "starts_at", "ends_at", "total_cap",
          "per_buyer_cap", "emails", "active")
# why a coupon does not apply, as the buyer is told (stable codes: the storefront translates them)
NOT_FOUND, NOT_STARTED, ENDED, INACTIVE, OTHER_PRODUCT, NOT_FOR_YOU, CURRENCY, BELOW_MINIMUM = (
    "coupon_not_found", "coupon_not_started", "coupon_ended", "coupon_inactive", "coupon_other_product",
    "coupon_not_for_you", "coupon_currency", "coupon_below_minimum")


@dataclass(frozen=True)
class Coupon:
    tenant_id: str
    code: str
    kind: str  # PERCENT (value in basis points) or FIXED (value in minor units of `currency`)
    value: int
    currency: str = ""  # FIXED only: the currency its value is in (a product in another currency cannot use it)
    product_ids: tuple[str, ...] = ()  # empty: the whole shop
    min_amount: int = 0  # the subtotal (after tiers and thresholds) it needs, in the order's currency
    starts_at: int | None = None
    ends_at: int | None = None
    total_cap: int = 0  # uses in all; 0 = no cap
    per_buyer_cap: int = 0  # uses per buyer (e-mail); 0 = no cap
    emails: tuple[str, ...] = ()  # only these buyers (lower case); empty: anyone
    active: bool = True
    created_at: int = 0

    @property
    def terms(self) -> CouponTerms:
        return CouponTerms(self.code, self.kind, self.value, self.min_amount)


def normal_code(raw: object) -> str:
    """Codes are case-insensitive for buyers: kept and compared upper case."""
    return str(raw or "").strip().upper()


def refusal(coupon: Coupon | None, *, product_id: str, currency: str, email: str, now: int) -> str | None:
    """Why `coupon` does not apply to this checkout (a stable code), or None when it does. The minimum amount is
    the pricing function's to check: below it the coupon simply saves nothing."""
    if coupon is None:
        return NOT_FOUND
    if not coupon.active:
        return INACTIVE
    if coupon.starts_at is not None and now < coupon.starts_at:
        return NOT_STARTED
    if coupon.ends_at is not None and now >= coupon.ends_at:
        return ENDED
    if coupon.product_ids and product_id not in coupon.product_ids:
        return OTHER_PRODUCT
    if coupon.kind == FIXED and coupon.currency != currency:
        return CURRENCY
    if coupon.emails and email.strip().lower() not in coupon.emails:
        return NOT_FOR_YOU
    return None


def changed(current: Coupon, body: Mapping[str, Any], *, creating: bool) -> Coupon:
    """`current` with the fields of `body` applied, each checked (400 naming the field); the result is checked
    as a whole (a window that ends before it starts, a fixed coupon without a currency)."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidRequest(f"unknown field {unknown[0]}; a coupon has {', '.join(FIELDS)}", param=unknown[0])
    if not creating and "code" in body and normal_code(body["code"]) != current.code:
        raise InvalidRequest("a coupon's code cannot change; make a new coupon", param="code")
    values: dict[str, Any] = {}
    if creating:
        code = normal_code(body.get("code"))
        if not CODE.fullmatch(code):
            raise InvalidRequest("code must be 3 to 32 letters, digits, - or _, starting with a letter or digit",
                                 param="code")
        values["code"] = code
    if "kind" in body:
        if body["kind"] not in (PERCENT, FIXED):
            raise InvalidRequest("kind must be percent or fixed", param="kind")
        values["kind"] = body["kind"]
    for name, low, high in (("value", 1, MAX_CAP * 100), ("min_amount", 0, MAX_CAP * 100),
                            ("total_cap", 0, MAX_CAP), ("per_buyer_cap", 0, MAX_CAP)):
        if name in body:
            values[name] = whole(body[name], name, low, high)
    for name in ("starts_at", "ends_at"):
        if name in body:
            values[name] = None if body[name] is None else whole(body[name], name, 0, 10**10)
    if "currency" in body:
        cur = str(body["currency"] or "").lower()
        if cur and not re.fullmatch(r"[a-z]{3}", cur):
            raise InvalidRequest("currency must be a three-letter ISO code such as usd", param="currency")
        values["currency"] = cur
    if "product_ids" in body:
        values["product_ids"] = _strings(body["product_ids"], "product_ids", MAX_PRODUCTS, lower=False)
    if "emails" in body:
        values["emails"] = _strings(body["emails"], "emails", MAX_EMAILS, lower=True)
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise InvalidRequest("active must be true or false", param="active")
        values["active"] = body["active"]
    new = replace(current, **values)
    if new.kind == PERCENT and new.value > 10_000:
        raise InvalidRequest("a percent coupon's value is in basis points, at most 10000 (100 %)", param="value")
    if new.kind == FIXED and not new.currency:
        raise InvalidRequest("a fixed coupon needs the currency its value is in", param="currency")
    if new.starts_at is not None and new.ends_at is not None and new.ends_at <= new.starts_at:
        raise InvalidRequest("ends_at must be after starts_at (Unix seconds)", param="ends_at")
    if new.total_cap and new.per_buyer_cap > new.total_cap:
        raise InvalidRequest("per_buyer_cap cannot be above total_cap", param="per_buyer_cap")
    return new


def _strings(value: object, name: str, most: int, *, lower: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > most or not all(isinstance(v, str) and 0 < len(v) <= 254
                                                                     for v in value):
        raise InvalidRequest(f"{name} must be a list of at most {most} strings", param=name)
    items = [v.strip().lower() if lower else v.strip() for v in value]
    return tuple(sorted(set(items)))
