"""Storefront pages: the shop (categories, search, stock states), a product's checkout page, local card pay."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.pages import cookie, page, translator
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import boolean, obj, string
from chalicelib.kernel import validation as v
from chalicelib.kernel.attribution import SOURCE_COOKIE, SOURCE_COOKIE_SECONDS, Visit
from chalicelib.kernel.errors import DomainError, NotFound

storefront = Blueprint(__name__)
LANG = QueryParam("lang", string(enum=("en", "zh-CN")), "the page's language; remembered in a cookie")
UTM = QueryParam("utm_source", string(max_length=100),
                 "the campaign that brought the buyer: the funnel's channel (else the referring site)")

# The error codes the checkout page explains in the buyer's language (the API's own message is English).
CHECKOUT_ERRORS = ("out_of_stock", "rate_limited", "reservation_expired", "card_declined", "payment_failed",
                   "invalid_request", "product_inactive", "network", "email_mismatch", "generic",
                   "expired_card", "incorrect_cvc", "processing_error", "incorrect_number",
                   "buyer_limit_reached_day", "buyer_limit_reached_month", "buyer_limit_reached_lifetime",
                   "coupon_not_found", "coupon_inactive", "coupon_not_started", "coupon_ended", "coupon_other_product",
                   "coupon_currency", "coupon_not_for_you", "coupon_below_minimum", "coupon_used_up",
                   "coupon_already_used", "coupon_makes_free", "risk_blocked", "challenge_failed")


@endpoint(storefront, "GET", "/s/{slug}", summary="The shop's storefront", tag="Storefront", auth="shop",
          rate=None, produces="text/html",
          query=(QueryParam("category", string(max_length=100), "show one category"),
                 QueryParam("q", string(max_length=100), "search names, categories and descriptions"), LANG, UTM))
def shop(call: Call, slug: str) -> Any:
    assert call.tenant is not None
    found = call.c.storefront.shelf.browse(tenant=call.tenant, category=call.query.get("category"),
                                           query=call.query.get("q"), visit=_visit(call))
    return page(call, "shop.html", browse=found, cookies=_arrival_cookie(call))


@endpoint(storefront, "GET", "/s/{slug}/p/{product_id}", summary="A product's checkout page", tag="Storefront",
          auth="shop", rate=None, produces="text/html", query=(LANG, UTM))
def product_page(call: Call, slug: str, product_id: str) -> Any:
    assert call.tenant is not None
    c = call.c
    item = c.storefront.shelf.item(tenant=call.tenant, product_id=product_id, visit=_visit(call))
    also = c.storefront.shelf.also_bought(tenant=call.tenant, product_id=product_id)
    # the shop's spend thresholds (满减) in the product's currency, as checkout prices them now
    steps = c.marketing.thresholds.for_checkout(tenant_id=call.tenant.id, currency=item.product.currency)
    s = c.settings
    t = translator(call)
    return page(call, "product.html", stripe=True, item=item, product=item.product, also=also,
                price=t.money(item.product.price, item.product.currency),
                unit={"amount": item.product.price, "currency": item.product.currency,
                      "tiers": [list(tier) for tier in item.product.price_tiers],
                      "thresholds": [[step.spend, step.save] for step in steps]},
                tiers=[(q, t.money(p, item.product.currency)) for q, p in item.product.price_tiers],
                thresholds=[(t.money(step.spend, item.product.currency), t.money(step.save, item.product.currency))
                            for step in steps],
                stripe_js_url=s.stripe_js_url, publishable_key=s.stripe_publishable_key,
                local_stripe=s.local_stripe and not s.production,
                methods=[m for m in call.tenant.payment_methods if m != "card"],
                errors=t.messages(tuple(f"checkout.error.{code}" for code in CHECKOUT_ERRORS)),
                texts=t.messages(("checkout.countdown", "checkout.expired", "checkout.start_again",
                                  "checkout.paying", "checkout.reserving", "checkout.pay", "checkout.continue",
                                  "checkout.retry_after", "checkout.released", "checkout.redirect_wallet",
                                  "checkout.line.tier", "checkout.line.list", "checkout.line.coupon",
                                  "checkout.line.threshold", "checkout.checking", "checkout.contact")),
                device=_device(call), cookies=_arrival_cookie(call))


def _device(call: Call) -> str:
    """A fresh device id for the page's script to keep when the browser has none of this shop's yet (the risk
    rules count checkouts per device). Without one the page still sells: the checkout then goes without."""
    assert call.tenant is not None
    try:
        return str(call.c.risk.risk_engine.issue_device(call.tenant))
    except DomainError:  # the shop's key is out of reach just now
        return ""


def _visit(call: Call) -> Visit:
    return Visit(utm_source=call.query.get("utm_source"), referrer=call.header("referer"), host=call.header("host"),
                 source_cookie=cookie(call, SOURCE_COOKIE), user_agent=call.header("user-agent"))


def _arrival_cookie(call: Call) -> list[str]:
    """The channel a view brings, kept for the shop's own pages only (its path), so the checkout can say where the
    buyer came from. Nothing else is in it; a view that brings none leaves the cookie as it is."""
    arrived = _visit(call).arrival()
    if arrived is None or call.tenant is None:
        return []
    secure = "; Secure" if call.c.settings.production else ""
    return [f"{SOURCE_COOKIE}={arrived}; Path=/s/{call.tenant.slug}; Max-Age={SOURCE_COOKIE_SECONDS}; "
            f"SameSite=Lax; HttpOnly{secure}"]


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
    view = c.sales.orders.for_buyer(tenant=call.tenant, order_id=order_id, token=body.get("token"))
    status = c.platform.local_card.pay(tenant=call.tenant, order=view.order, card=body.get("card"))
    return {"status": status}


@endpoint(storefront, "POST", "/s/{slug}/orders/{order_id}/paying", summary="The buyer pressed Pay (the funnel)",
          tag="Storefront", auth="shop", rate="checkout", in_openapi=False, idempotent=False,
          response=obj({"counted": boolean()}))
def paying(call: Call, slug: str, order_id: str) -> Any:
    """The checkout page's beacon when the buyer presses Pay: the order's payment step, counted once per order."""
    assert call.tenant is not None
    body = v.body_object(call.json())
    return {"counted": call.c.insights.funnel.paying(tenant=call.tenant, order_id=order_id, token=body.get("token"))}
