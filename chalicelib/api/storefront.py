"""Storefront pages: the shop, a product's checkout page, and the local-only card stand-in."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.domain.errors import NotFound
from chalicelib.wiring import container

from .errors import handles_errors, json_response
from .pages import money, render
from .parsing import json_body

storefront = Blueprint(__name__)


@storefront.route("/s/{slug}", methods=["GET"])
@handles_errors
def shop(slug: str) -> Response:
    c = container()
    tenant = c.checkout.shop(slug)
    products = c.catalog.on_sale(tenant_id=tenant.id)
    return render("shop.html", shop=tenant,
                  products=[{"p": p, "price": money(p.price, p.currency)} for p in products])


@storefront.route("/s/{slug}/p/{product_id}", methods=["GET"])
@handles_errors
def product_page(slug: str, product_id: str) -> Response:
    c = container()
    tenant = c.checkout.shop(slug)
    product = c.catalog.get(tenant_id=tenant.id, product_id=product_id)
    if not product.active:
        raise NotFound("no such product")
    s = c.settings
    return render("product.html", shop=tenant, product=product, price=money(product.price, product.currency),
                  stripe_js_url=s.stripe_js_url, publishable_key=s.stripe_publishable_key,
                  local_stripe=s.local_stripe and not s.production)


@storefront.route("/s/{slug}/orders/{order_id}/local-pay", methods=["POST"])
@handles_errors
def local_pay(slug: str, order_id: str) -> Response:
    """Local stack only: stands in for Stripe.js card confirmation, which the fake server cannot do."""
    c = container()
    if not c.settings.local_stripe or c.settings.production:
        raise NotFound("no such route")
    tenant = c.checkout.shop(slug)
    body = json_body(storefront.current_request)
    view = c.orders.for_buyer(tenant=tenant, order_id=order_id, token=body.get("token"))
    status = c.local_card.pay(tenant=tenant, order=view.order, card=body.get("card"))
    return json_response({"status": status})
