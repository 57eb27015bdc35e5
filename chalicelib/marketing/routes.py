"""Merchant API: coupons — create, list with their uses, read, change (switch off, move the end, raise a cap) — and
the spend thresholds (满减) per currency."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.http.routes import Call, endpoint
from chalicelib.http.schema import array, boolean, integer, obj, string, timestamp
from chalicelib.marketing.domain.coupons import MAX_CAP, MAX_EMAILS, MAX_PRODUCTS, Coupon
from chalicelib.marketing.domain.thresholds import MAX_STEPS, SpendThresholds

coupon_routes = Blueprint(__name__)
TAG = "Marketing"

_FIELDS = {
    "kind": string("percent: `value` in basis points (1500 = 15 %); fixed: `value` in minor units of `currency`",
                   enum=("percent", "fixed")),
    "value": integer(minimum=1),
    "currency": string("fixed coupons: the currency of `value` (products in another currency cannot use it)",
                       max_length=3),
    "product_ids": array(string(max_length=64), "only these products; empty: the whole shop",
                         max_items=MAX_PRODUCTS),
    "min_amount": integer("the order's subtotal (after wholesale tiers) it needs, minor units", minimum=0),
    "starts_at": integer("Unix seconds it is valid from; null: at once", minimum=0, nullable=True),
    "ends_at": integer("Unix seconds it ends; null: never", minimum=0, nullable=True),
    "total_cap": integer("uses in all; 0: no cap", minimum=0, maximum=MAX_CAP),
    "per_buyer_cap": integer("uses per buyer (e-mail); 0: no cap", minimum=0, maximum=MAX_CAP),
    "emails": array(string(max_length=254), "only these buyers; empty: anyone", max_items=MAX_EMAILS),
    "active": boolean("false switches it off"),
}
COUPON = obj({"object": string(enum=("coupon",)), "code": string(), **_FIELDS,
              "starts_at": timestamp(nullable=True), "ends_at": timestamp(nullable=True),
              "uses": integer("orders that hold a use now: paid, or unpaid with keys still reserved", minimum=0),
              "created_at": timestamp()}, title="Coupon")
COUPON_CREATE = obj({"code": string("3–32 letters, digits, - or _; buyers type it in any case", max_length=32),
                     **_FIELDS}, required=("code", "kind", "value"), closed=True)
COUPON_PATCH = obj(_FIELDS, required=(), closed=True)


def coupon_json(c: Coupon, uses: int) -> dict[str, Any]:
    return {"object": "coupon", "code": c.code, "kind": c.kind, "value": c.value, "currency": c.currency,
            "product_ids": list(c.product_ids), "min_amount": c.min_amount, "starts_at": c.starts_at,
            "ends_at": c.ends_at, "total_cap": c.total_cap, "per_buyer_cap": c.per_buyer_cap,
            "emails": list(c.emails), "active": c.active, "uses": uses, "created_at": c.created_at}


@endpoint(coupon_routes, "POST", "/v1/coupons", summary="Create a coupon", tag=TAG, scope="catalog_write",
          status=201, body=COUPON_CREATE, response=COUPON, extra_statuses=(409,),
          description="Buyers type the code at checkout; the caps hold under any number of checkouts at once.")
def create_coupon(call: Call) -> Any:
    return coupon_json(call.c.marketing.coupons.create(actor=call.actor, tenant_id=call.tenant_id,
                                                       body=call.json()), 0)


@endpoint(coupon_routes, "GET", "/v1/coupons", summary="The shop's coupons, newest first, with their uses", tag=TAG,
          scope="read", response=obj({"object": string(enum=("list",)), "data": array(COUPON)}))
def list_coupons(call: Call) -> Any:
    found = call.c.marketing.coupons.list(actor=call.actor, tenant_id=call.tenant_id)
    return {"object": "list", "data": [coupon_json(c, uses) for c, uses in found]}


@endpoint(coupon_routes, "GET", "/v1/coupons/{code}", summary="A coupon", tag=TAG, scope="read", response=COUPON)
def get_coupon(call: Call, code: str) -> Any:
    coupon, uses = call.c.marketing.coupons.get(actor=call.actor, tenant_id=call.tenant_id, code=code)
    return coupon_json(coupon, uses)


@endpoint(coupon_routes, "PATCH", "/v1/coupons/{code}", summary="Change a coupon", tag=TAG, scope="catalog_write",
          body=COUPON_PATCH, response=COUPON, extra_statuses=(409,),
          description="The code stays; uses already taken stay taken.")
def patch_coupon(call: Call, code: str) -> Any:
    service = call.c.marketing.coupons
    service.update(actor=call.actor, tenant_id=call.tenant_id, code=code, body=call.json())
    coupon, uses = service.get(actor=call.actor, tenant_id=call.tenant_id, code=code)
    return coupon_json(coupon, uses)


STEP = obj({"spend": integer("the order's subtotal to reach (after wholesale tiers), minor units", minimum=1),
            "save": integer("what it saves, minor units; below spend", minimum=1)}, closed=True)
THRESHOLDS = obj({"object": string(enum=("spend_thresholds",)), "currency": string(max_length=3),
                  "steps": array(STEP, "up to 5; each spends more and saves more than the one before",
                                 max_items=MAX_STEPS),
                  "starts_at": timestamp(nullable=True), "ends_at": timestamp(nullable=True),
                  "active": boolean()}, title="SpendThresholds")
THRESHOLDS_PUT = obj({"steps": array(STEP, max_items=MAX_STEPS, min_items=1),
                      "starts_at": integer("Unix seconds; null: at once", minimum=0, nullable=True),
                      "ends_at": integer("Unix seconds; null: never", minimum=0, nullable=True),
                      "active": boolean("false switches them off")}, required=("steps",), closed=True,
                     title="SpendThresholdsPut")


def thresholds_json(t: SpendThresholds) -> dict[str, Any]:
    return {"object": "spend_thresholds", "currency": t.currency,
            "steps": [{"spend": s.spend, "save": s.save} for s in t.steps], "starts_at": t.starts_at,
            "ends_at": t.ends_at, "active": t.active}


@endpoint(coupon_routes, "GET", "/v1/promotions/thresholds", summary="The shop's spend thresholds (满减)", tag=TAG,
          scope="read", response=obj({"object": string(enum=("list",)), "data": array(THRESHOLDS)}))
def list_thresholds(call: Call) -> Any:
    found = call.c.marketing.thresholds.list(actor=call.actor, tenant_id=call.tenant_id)
    return {"object": "list", "data": [thresholds_json(t) for t in found]}


@endpoint(coupon_routes, "PUT", "/v1/promotions/thresholds/{currency}",
          summary="Set the spend thresholds of a currency", tag=TAG, scope="catalog_write", body=THRESHOLDS_PUT,
          response=THRESHOLDS,
          description="Replaces the currency's steps whole. At checkout the largest step the subtotal (after "
                      "wholesale tiers, before a coupon) reaches saves its amount once; the checkout page and the "
                      "order show it as a line of the price.")
def put_thresholds(call: Call, currency: str) -> Any:
    return thresholds_json(call.c.marketing.thresholds.put(actor=call.actor, tenant_id=call.tenant_id,
                                                           currency=currency, body=call.json()))


@endpoint(coupon_routes, "DELETE", "/v1/promotions/thresholds/{currency}", summary="Remove a currency's thresholds",
          tag=TAG, scope="catalog_write", status=204)
def delete_thresholds(call: Call, currency: str) -> Any:
    call.c.marketing.thresholds.delete(actor=call.actor, tenant_id=call.tenant_id, currency=currency)
    return Response(body="", status_code=204)
