"""The buyer's order page: HTML with copy buttons, the usage guide, after-sales and support; or JSON for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib.aftersales.routes import shapes as report_shapes
from chalicelib.http.errors import json_response
from chalicelib.http.pages import page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import array, obj, string
from chalicelib.kernel.errors import DomainError
from chalicelib.sales.routes.orders import ORDER
from chalicelib.sales.routes.shapes import order_json

if TYPE_CHECKING:
    from chalicelib.sales.service.orders import BuyerOrder

order_page_routes = Blueprint(__name__)

BUYER_ORDER = obj({"order": ORDER, "keys": array(string(), "the plaintext keys once delivered, else empty"),
                   "usage": obj({"guide": string("how to use the keys (plain text)"),
                                 "url": string("the merchant's guide page, or empty")},
                                description="the product's usage guide, once delivered"),
                   "lines": report_shapes.LINES, "reports": report_shapes.REPORTS})


def render_order_page(call: Call, view: BuyerOrder) -> Response:
    assert call.tenant is not None
    # what buyers of this also bought, once the keys are here (not while the buyer is still waiting for them)
    also = call.c.storefront.shelf.also_bought(tenant=call.tenant, product_id=view.order.product_id) \
        if view.keys else []
    pay, pay_unavailable = _payment(call, view)
    s = call.c.settings
    return page(call, "order.html", stripe=pay is not None, order=view.order, keys=view.keys,
                usage_guide=view.usage_guide, usage_url=view.usage_url, lines=view.lines, reports=view.reports,
                also=also, pay=pay, pay_unavailable=pay_unavailable, stripe_js_url=s.stripe_js_url,
                methods=[m for m in call.tenant.payment_methods if m != "card"] if pay else [])


def _payment(call: Call, view: BuyerOrder) -> tuple[dict[str, Any] | None, bool]:
    """An order the shop approved after its review is paid here: the page's payment config, or None (and whether
    the payment provider failed to answer, so the page says to reload rather than to wait)."""
    assert call.tenant is not None
    try:
        found = call.c.sales.reviews.payment(tenant=call.tenant, order=view.order)
    except DomainError:
        return None, True
    if found is None:
        return None, False
    s = call.c.settings
    secret, publishable_key = found
    return {"secret": secret, "pk": publishable_key, "local": s.local_stripe and not s.production}, False


@endpoint(order_page_routes, "GET", "/s/{slug}/orders/{order_id}", summary="The buyer's order page", tag="Storefront",
          auth="shop", rate="order_lookup", response=BUYER_ORDER, produces="application/json,text/html",
          query=(QueryParam("token", string(max_length=200), "the order token from checkout or the e-mail",
                            required=True),),
          description="HTML for browsers; JSON with `Accept: application/json`. A wrong token answers 404.")
def order_page(call: Call, slug: str, order_id: str) -> Any:
    assert call.tenant is not None
    view = call.c.aftersales.reports.order_for_buyer(tenant=call.tenant, order_id=order_id,
                                                     token=call.query.get("token"))
    response: Response
    if "application/json" in (call.header("accept") or ""):
        response = json_response({"order": order_json(view.order), "keys": view.keys,
                                  "usage": {"guide": view.usage_guide, "url": view.usage_url},
                                  "lines": [report_shapes.line(x) for x in view.lines],
                                  "reports": [report_shapes.report(r) for r in view.reports]})
    else:
        response = render_order_page(call, view)
    # Keys must not linger in shared caches or be sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
