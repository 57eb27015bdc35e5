"""Checkout routes: the storefront's JSON checkout (reserves keys) and the Stripe webhook that pays orders."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, endpoint
from chalicelib.http.schema import CURRENCY, boolean, id_of, integer, obj, string, timestamp
from chalicelib.kernel.attribution import SOURCE_COOKIE, origin
from chalicelib.sales.routes.shapes import PRICING, pricing_json

checkout_routes = Blueprint(__name__)

CHECKOUT = obj({"product_id": id_of("prd"), "quantity": integer(minimum=1, maximum=50),
                "email": string(max_length=254, fmt="email"),
                "query_password": string("optional: lets the buyer find the order again with its number and "
                                         "e-mail (stored only as an argon2 hash)", min_length=6, max_length=64),
                "locale": string("the buyer's language for e-mails; default from Accept-Language",
                                 enum=("en", "zh-CN")),
                "coupon": string("optional: a coupon code of the shop, any case; 400 `coupon_*` says why one does "
                                 "not apply, 409 `coupon_used_up` / `coupon_already_used` when its caps are reached",
                                 max_length=40),
                "device": string("the device id the checkout page's script keeps (the risk rules count checkouts "
                                 "per device); leave it out when there is none", max_length=100),
                "challenge": obj({"token": string("the `challenge` of the 403 `challenge_required` answer",
                                                  max_length=200),
                                  "nonce": string("a solution: SHA-256 of `token:nonce` starts with `difficulty` "
                                                  "zero bits", max_length=32)},
                                 description="the proof of work a `challenge_required` answer asked for",
                                 closed=True)},
               required=("product_id", "email"), closed=True)
PAYMENT = obj({"provider": string(enum=("stripe",)), "client_secret": string(), "publishable_key": string()},
              description="null while the order is held for review: it is paid after the shop approves it")
CHECKOUT_STARTED = obj({
    "order_id": id_of("ord"), "order_token": string("the order page's secret; keep it"),
    "status": string("`review`: held by the shop's risk rules before payment; the buyer is e-mailed the "
                     "shop's decision (approved: a link to pay)", enum=("pending", "review")),
    "payment": {**PAYMENT, "type": ["object", "null"]},
    "expires_at": timestamp("the reservation ends then (held for review: the shop decides by then)"),
    "amount": integer(minimum=0), "currency": CURRENCY, "pricing": PRICING,
})


@endpoint(checkout_routes, "POST", "/stripe/webhook", summary="Stripe events (Stripe calls this)", tag="Platform",
          auth="stripe", content_types=("application/json", "text/plain"), idempotent=False,
          response=obj({"received": boolean(), "result": string()}),
          description="Verified by the Stripe-Signature header over the raw body; replays are harmless.")
def stripe_webhook(call: Call) -> Any:
    signature = call.header("stripe-signature") or ""
    # The raw body, byte for byte: the signature covers exactly what Stripe sent.
    outcome = call.c.sales.fulfilment.handle_webhook(payload=call.raw(), signature=signature)
    return {"received": True, "result": outcome.result}


@endpoint(checkout_routes, "POST", "/s/{slug}/checkout", summary="Start a checkout (reserves the keys)",
          tag="Storefront",
          auth="shop", rate="checkout", status=201, body=CHECKOUT, response=CHECKOUT_STARTED,
          description="Prices the order (wholesale tier, coupon; `pricing` says how), asks the shop's risk rules and "
                      "reserves the keys until `expires_at`; 409 `out_of_stock` when short, `buyer_limit_reached` "
                      "past a limit per buyer; 403 `challenge_required` (solve `challenge` and send it back), "
                      "403 `risk_blocked`; `status: review` when the order is held for the shop's review.")
def checkout(call: Call, slug: str) -> Any:
    from chalicelib.http.pages import cookie, locale_of
    from chalicelib.sales.service.checkout import Client

    # The buyer's language as the pages negotiate it (switch, cookie, Accept-Language, shop); the body may override.
    # The country and network come from the CDN's viewer headers where it sends them (absent locally).
    started = call.c.sales.checkout.start(
        slug=slug, body=call.json(), locale=locale_of(call),
        origin=origin(cookie(call, SOURCE_COOKIE), call.header("user-agent")),
        client=Client(ip=call.source_ip, country=(call.header("cloudfront-viewer-country") or "")[:2],
                      network=(call.header("cloudfront-viewer-asn") or "")[:12]))
    return {
        "order_id": started.order.id, "order_token": started.token, "status": started.order.status.value,
        "payment": None if started.in_review else {
            "provider": "stripe", "client_secret": started.client_secret,
            "publishable_key": started.publishable_key},
        "expires_at": started.order.expires_at, "amount": started.order.amount,
        "currency": started.order.currency, "pricing": pricing_json(started.order),
    }
