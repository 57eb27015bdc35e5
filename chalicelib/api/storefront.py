"""Storefront pages: the shop, a product's checkout page, and the local-only card stand-in."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.domain import validation as v
from chalicelib.domain.errors import NotFound

from .pages import money, render
from .routes import Call, endpoint
from .schema import obj, string

storefront = Blueprint(__name__)


@endpoint(storefront, "GET", "/s/{slug}", summary="The shop's storefront", tag="Storefront", auth="shop",
          rate=None, produces="text/html")
def shop(call: Call, slug: str) -> Any:
    assert call.tenant is not None
    products = call.c.catalog.on_sale(tenant_id=call.tenant.id)
    return render("shop.html", shop=call.tenant,
                  products=[{"p": p, "price": money(p.price, p.currency)} for p in products])


@endpoint(storefront, "GET", "/s/{slug}/p/{product_id}", summary="A product's checkout page", tag="Storefront",
          auth="shop", rate=None, produces="text/html")
def product_page(call: Call, slug: str, product_id: str) -> Any:
    assert call.tenant is not None
    c = call.c
    product = c.catalog.get(tenant_id=call.tenant.id, product_id=product_id)
    if not product.active:
        raise NotFound("no such product")
    s = c.settings
    return render("product.html", shop=call.tenant, product=product, price=money(product.price, product.currency),
                  stripe_js_url=s.stripe_js_url, publishable_key=s.stripe_publishable_key,
                  local_stripe=s.local_stripe and not s.production)


@endpoint(storefront, "POST", "/s/{slug}/orders/{order_id}/local-pay", summary="Local stack only: pay by test card",
          tag="Storefront", auth="shop", rate="checkout", in_openapi=False, idempotent=False,
          response=obj({"status": string()}))
def local_pay(call: Call, slug: str, order_id: str) -> Any:
    """Local stack only: stands in for Stripe.js card confirmation, which the fake server cannot do."""
    c = call.c
    if not c.settings.local_stripe or c.settings.production:
        raise NotFound("no such route")
    assert call.tenant is not None
    body = v.body_object(call.json())
    view = c.orders.for_buyer(tenant=call.tenant, order_id=order_id, token=body.get("token"))
    status = c.local_card.pay(tenant=call.tenant, order=view.order, card=body.get("card"))
    return {"status": status}
