"""Public routes: health, the Stripe webhook, and the storefront's JSON checkout and order page."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import report_shapes, serialize
from .errors import json_response
from .order_page import render_order_page
from .routes import Call, QueryParam, endpoint
from .sales import ORDER
from .schema import CURRENCY, array, boolean, id_of, integer, obj, string, timestamp

public = Blueprint(__name__)

CHECKOUT = obj({"product_id": id_of("prd"), "quantity": integer(minimum=1, maximum=50),
                "email": string(max_length=254, fmt="email"),
                "query_password": string("optional: lets the buyer find the order again with its number and "
                                         "e-mail (stored only as an argon2 hash)", min_length=6, max_length=64),
                "locale": string("the buyer's language for e-mails; default from Accept-Language",
                                 enum=("en", "zh-CN"))},
               required=("product_id", "email"), closed=True)
CHECKOUT_STARTED = obj({
    "order_id": id_of("ord"), "order_token": string("the order page's secret; keep it"),
    "payment": obj({"provider": string(enum=("stripe",)), "client_secret": string(), "publishable_key": string()}),
    "expires_at": timestamp("the reservation ends then"), "amount": integer(minimum=0), "currency": CURRENCY,
})
BUYER_ORDER = obj({"order": ORDER, "keys": array(string(), "the plaintext keys once delivered, else empty"),
                   "usage": obj({"guide": string("how to use the keys (plain text)"),
                                 "url": string("the merchant's guide page, or empty")},
                                description="the product's usage guide, once delivered"),
                   "lines": report_shapes.LINES, "reports": report_shapes.REPORTS})


@endpoint(public, "GET", "/health", summary="Health check", tag="Platform", auth="none", rate=None,
          response=obj({"ok": boolean()}))
def health(call: Call) -> Any:
    call.c.tenant_store.by_slug("health-probe")  # one read proves the store answers
    return {"ok": True}


@endpoint(public, "POST", "/stripe/webhook", summary="Stripe events (Stripe calls this)", tag="Platform",
          auth="stripe", content_types=("application/json", "text/plain"), idempotent=False,
          response=obj({"received": boolean(), "result": string()}),
          description="Verified by the Stripe-Signature header over the raw body; replays are harmless.")
def stripe_webhook(call: Call) -> Any:
    signature = call.header("stripe-signature") or ""
    # The raw body, byte for byte: the signature covers exactly what Stripe sent.
    outcome = call.c.fulfilment.handle_webhook(payload=call.raw(), signature=signature)
    return {"received": True, "result": outcome.result}


@endpoint(public, "POST", "/s/{slug}/checkout", summary="Start a checkout (reserves the keys)", tag="Storefront",
          auth="shop", rate="checkout", status=201, body=CHECKOUT, response=CHECKOUT_STARTED,
          description="Reserves the keys for the order until `expires_at`; 409 `out_of_stock` when short.")
def checkout(call: Call, slug: str) -> Any:
    from .pages import locale_of

    # The buyer's language as the pages negotiate it (switch, cookie, Accept-Language, shop); the body may override.
    started = call.c.checkout.start(slug=slug, body=call.json(), locale=locale_of(call))
    return {
        "order_id": started.order.id, "order_token": started.token,
        "payment": {"provider": "stripe", "client_secret": started.client_secret,
                    "publishable_key": started.publishable_key},
        "expires_at": started.order.expires_at, "amount": started.order.amount,
        "currency": started.order.currency,
    }


@endpoint(public, "GET", "/s/{slug}/orders/{order_id}", summary="The buyer's order page", tag="Storefront",
          auth="shop", rate="order_lookup", response=BUYER_ORDER, produces="application/json,text/html",
          query=(QueryParam("token", string(max_length=200), "the order token from checkout or the e-mail",
                            required=True),),
          description="HTML for browsers; JSON with `Accept: application/json`. A wrong token answers 404.")
def order_page(call: Call, slug: str, order_id: str) -> Any:
    assert call.tenant is not None
    view = call.c.after_sales.order_for_buyer(tenant=call.tenant, order_id=order_id, token=call.query.get("token"))
    response: Response
    if "application/json" in (call.header("accept") or ""):
        response = json_response({"order": serialize.order(view.order), "keys": view.keys,
                                  "usage": {"guide": view.usage_guide, "url": view.usage_url},
                                  "lines": [report_shapes.line(x) for x in view.lines],
                                  "reports": [report_shapes.report(r) for r in view.reports]})
    else:
        response = render_order_page(call, view)
    # Keys must not linger in shared caches or be sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
