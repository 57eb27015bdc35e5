"""Customer pages: buyers with what they spent, their orders and when they first and last bought; one buyer's
orders. Read through the sales customer service (the totals it keeps exactly once per order)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, forbidden_page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import NotFound, PermissionDenied
from chalicelib.tenancy.domain.roles import Permission

console_customers = Blueprint(__name__)
CURSOR = QueryParam("cursor", string(max_length=500), "next_cursor of the previous page")


@endpoint(console_customers, "GET", "/console/customers", summary="Customers", tag=TAG, auth="console",
          produces="text/html", in_openapi=False, query=(CURSOR,))
def customers(call: Call) -> Response:
    try:
        call.actor.require(Permission.VIEW)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    page = call.c.sales.customers.list(tenant_id=call.tenant_id, limit=50, cursor=call.query.get("cursor"))
    return console_page(call, "console/customers.html", customers=page.items, next_cursor=page.next_cursor)


@endpoint(console_customers, "GET", "/console/customers/{customer_id}", summary="A customer and their orders",
          tag=TAG, auth="console", produces="text/html", in_openapi=False, query=(CURSOR,))
def customer(call: Call, customer_id: str) -> Response:
    service = call.c.sales.customers
    try:
        found = service.get(tenant_id=call.tenant_id, ref=customer_id)
        orders = service.orders(tenant_id=call.tenant_id, ref=customer_id, limit=50, cursor=call.query.get("cursor"))
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    return console_page(call, "console/customer.html", customer=found, orders=orders.items,
                        next_cursor=orders.next_cursor)
