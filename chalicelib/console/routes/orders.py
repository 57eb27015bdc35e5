"""Order pages: one search box (order number, buyer e-mail or key), the order's full chain, refund with a
confirmation step."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, NotFound, PermissionDenied
from chalicelib.sales.domain.models import OrderStatus
from chalicelib.tenancy.domain.roles import Permission

console_orders = Blueprint(__name__)
STATUSES = [s.value for s in OrderStatus]
PAGE_SIZE = 50


@endpoint(console_orders, "GET", "/console/orders", summary="Orders", tag=TAG, auth="console", produces="text/html",
          in_openapi=False,
          query=(QueryParam("q", string(max_length=500), "an order number, a buyer's e-mail or a key"),
                 QueryParam("status", string(enum=tuple(STATUSES))),
                 QueryParam("cursor", string(max_length=500), "next_cursor of the previous page")))
def orders(call: Call) -> Response:
    text, status = call.query.get("q", ""), call.query.get("status") or None
    page = call.c.console.orders.find(actor=call.actor, tenant_id=call.tenant_id, text=text, status=status,
                                      limit=PAGE_SIZE, cursor=call.query.get("cursor"))
    return console_page(call, "console/orders.html", rows=page.items, next_cursor=page.next_cursor, q=text,
                        chosen=status, statuses=STATUSES)


def _chain_page(call: Call, order_id: str, *, status: int = 200, **context: Any) -> Response:
    try:
        chain = call.c.console.orders.chain(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    return console_page(call, "console/order.html", status=status, chain=chain, order=chain.order,
                        may_refund=call.actor.may(Permission.REFUND), **context)


@endpoint(console_orders, "GET", "/console/orders/{order_id}", summary="An order and its full chain", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("refund", string(enum=("confirm",)), "asks to confirm a refund"),
                 QueryParam("done", string(enum=("refunded",)), "the last change")))
def order(call: Call, order_id: str) -> Response:
    return _chain_page(call, order_id, confirm=call.query.get("refund") == "confirm",
                       refunded=call.query.get("done") == "refunded")


@endpoint(console_orders, "POST", "/console/orders/{order_id}/refund", summary="Refund an order (form)", tag=TAG,
          auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False, in_openapi=False)
def refund(call: Call, order_id: str) -> Response:
    if call.form().get("confirm") != "yes":
        return redirect(f"/console/orders/{order_id}?refund=confirm")
    try:
        call.c.console.orders.chain(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id)  # ours?
        call.c.sales.refunds.refund(tenant_id=call.tenant_id, order_id=order_id, actor=call.actor)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _chain_page(call, order_id, status=status_for(exc), error=error_text(call, exc))
    return redirect(f"/console/orders/{order_id}?done=refunded")
