"""Public routes: health, the Stripe webhook, and the storefront's JSON checkout and order page."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.wiring import container

from . import serialize
from .errors import handles_errors, json_response
from .pages import render_order_page
from .parsing import header, json_body, raw_body

public = Blueprint(__name__)


@public.route("/health", methods=["GET"])
@handles_errors
def health() -> Response:
    container().tenant_store.by_slug("health-probe")  # one read proves the store answers
    return json_response({"ok": True})


@public.route("/stripe/webhook", methods=["POST"], content_types=["application/json", "text/plain"])
@handles_errors
def stripe_webhook() -> Response:
    request = public.current_request
    signature = header(request, "stripe-signature") or ""
    # The raw body, byte for byte: the signature covers exactly what Stripe sent.
    outcome = container().fulfilment.handle_webhook(payload=raw_body(request), signature=signature)
    return json_response({"received": True, "result": outcome.result})


@public.route("/s/{slug}/checkout", methods=["POST"])
@handles_errors
def checkout(slug: str) -> Response:
    started = container().checkout.start(slug=slug, body=json_body(public.current_request))
    return json_response({
        "order_id": started.order.id, "order_token": started.token,
        "payment": {"provider": "stripe", "client_secret": started.client_secret,
                    "publishable_key": started.publishable_key},
        "expires_at": started.order.expires_at, "amount": started.order.amount,
        "currency": started.order.currency,
    }, 201)


@public.route("/s/{slug}/orders/{order_id}", methods=["GET"])
@handles_errors
def order_page(slug: str, order_id: str) -> Response:
    request = public.current_request
    c = container()
    tenant = c.checkout.shop(slug)
    query: dict[str, str] = dict(request.query_params or {})
    token = query.get("token")
    view = c.orders.for_buyer(tenant=tenant, order_id=order_id, token=token)
    if "application/json" in (header(request, "accept") or ""):
        response = json_response({"order": serialize.order(view.order), "keys": view.keys})
    else:
        response = render_order_page(view)
    # Keys must not linger in shared caches or be sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
