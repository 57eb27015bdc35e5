"""Merchant API: orders."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from . import serialize
from .routes import Call, QueryParam, endpoint
from .schema import CURRENCY, id_of, integer, obj, page_of, string, timestamp

sales = Blueprint(__name__)

ORDER = obj({
    "id": id_of("ord"), "object": string(enum=("order",)),
    "status": string(enum=("pending", "paid", "delivered", "failed", "refunded", "expired")),
    "product_id": id_of("prd"), "product_name": string(), "quantity": integer(minimum=1),
    "amount": integer(minimum=0), "currency": CURRENCY, "email": string(), "created_at": timestamp(),
    "expires_at": timestamp(), "paid_at": timestamp(nullable=True), "delivered_at": timestamp(nullable=True),
    "refunded_at": timestamp(nullable=True), "failure_reason": string(nullable=True),
}, title="Order")
LIST_QUERY = (QueryParam("limit", integer(minimum=1, maximum=100)), QueryParam("cursor", string(max_length=500)))


@endpoint(sales, "GET", "/v1/orders", summary="List orders, newest first", tag="Orders", scope="read",
          response=page_of(ORDER), query=LIST_QUERY)
def list_orders(call: Call) -> Any:
    limit, cursor = call.list_params()
    result = call.c.orders.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([serialize.order(o) for o in result.items], result.next_cursor)


@endpoint(sales, "GET", "/v1/orders/{order_id}", summary="Get an order", tag="Orders", scope="read",
          response=ORDER)
def get_order(call: Call, order_id: str) -> Any:
    return serialize.order(call.c.orders.get(tenant_id=call.tenant_id, order_id=order_id))
