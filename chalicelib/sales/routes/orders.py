"""Merchant API: orders (search, refund) and customers."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http import serialize
from chalicelib.http.routes import LIST_QUERY, Call, QueryParam, endpoint
from chalicelib.http.schema import CURRENCY, array, id_of, integer, obj, page_of, string, timestamp
from chalicelib.sales.domain.orders import Customer
from chalicelib.sales.routes.shapes import PRICING, order_json

sales = Blueprint(__name__)

STATUSES = ("pending", "review", "paid", "delivered", "failed", "refunded", "expired", "rejected")
ORDER = obj({
    "id": id_of("ord"), "object": string(enum=("order",)),
    "status": string(enum=STATUSES),
    "product_id": id_of("prd"), "product_name": string(), "quantity": integer(minimum=1),
    "amount": integer(minimum=0), "currency": CURRENCY, "email": string(), "created_at": timestamp(),
    "expires_at": timestamp(), "paid_at": timestamp(nullable=True), "delivered_at": timestamp(nullable=True),
    "refunded_at": timestamp(nullable=True), "failure_reason": string(nullable=True), "pricing": PRICING,
    "risk": {**obj({"score": integer(minimum=0),
                    "decision": string("what the shop's risk rules decided at checkout",
                                       enum=("allow", "challenge_passed", "review", "challenge", "block")),
                    "reasons": array(obj({"reason": string(), "points": integer(minimum=0)}))},
                   description="null: placed with the risk rules off (or before them)"), "type": ["object", "null"]},
}, title="Order")
ORDER_QUERY = (
    *LIST_QUERY,
    QueryParam("status", string(enum=STATUSES), "only orders in this status"),
    QueryParam("created_gte", integer(minimum=0), "created at or after this Unix time (seconds)"),
    QueryParam("created_lt", integer(minimum=0), "created before this Unix time (seconds)"),
    QueryParam("email", string(max_length=254), "the buyer's e-mail address (case-insensitive)"),
    QueryParam("product_id", string(max_length=64), "only orders of this product"),
)
ORDER_FILTERS = ("status", "created_gte", "created_lt", "email", "product_id")
MONEY_BY_CURRENCY = {"type": "object", "additionalProperties": integer(minimum=None),
                     "description": "minor units per lower-case currency"}
CUSTOMER = obj({
    "id": id_of("cus", "derived from the shop and the lower-cased e-mail"), "object": string(enum=("customer",)),
    "email": string(), "orders": integer("paid orders, refunded ones included", minimum=0),
    "total_spent": MONEY_BY_CURRENCY | {"description": "paid minus refunded, per currency"},
    "total_refunded": MONEY_BY_CURRENCY | {"description": "refunded, per currency"},
    "refunds": integer(minimum=0),
    "first_order_at": timestamp("creation time of the first paid order", nullable=True),
    "last_order_at": timestamp("creation time of the last paid order", nullable=True),
}, title="Customer")
LIST_DOC = ("Newest first. `created_gte`/`created_lt` narrow the index range (cost follows the result); "
            "`email` reads only that buyer's orders; `status` and `product_id` filter while reading, at most "
            "1,000 orders per request: a page may then be shorter than `limit`, even empty, with `has_more` true "
            "and a cursor to continue. `has_more` false means there is nothing more.")


def customer(c: Customer) -> dict[str, Any]:
    return {"id": c.id, "object": "customer", "email": c.email, "orders": c.orders, "total_spent": c.total_spent,
            "total_refunded": c.total_refunded, "refunds": c.refunds, "first_order_at": c.first_order_at,
            "last_order_at": c.last_order_at}


@endpoint(sales, "GET", "/v1/orders", summary="List and search orders, newest first", tag="Orders", scope="read",
          response=page_of(ORDER), query=ORDER_QUERY, description=LIST_DOC)
def list_orders(call: Call) -> Any:
    limit, cursor = call.list_params()
    filters = {k: v for k, v in call.query.items() if k in ORDER_FILTERS}
    result = call.c.sales.orders.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor, filters=filters)
    return serialize.page([order_json(o) for o in result.items], result.next_cursor)


@endpoint(sales, "GET", "/v1/orders/{order_id}", summary="Get an order", tag="Orders", scope="read",
          response=ORDER)
def get_order(call: Call, order_id: str) -> Any:
    return order_json(call.c.sales.orders.get(tenant_id=call.tenant_id, order_id=order_id))


@endpoint(sales, "POST", "/v1/orders/{order_id}/refund", summary="Refund an order and void its keys", tag="Orders",
          scope="orders_write", response=ORDER, extra_statuses=(409,),
          description="Refunds the full amount through the payment provider, voids the order's keys so they are "
                      "never sold again, marks the order `refunded` and e-mails the buyer. Only a `delivered` or "
                      "`paid` order can be refunded (`409 order_not_refundable` otherwise). Safe to retry: "
                      "refunding an order that is already refunded answers the refunded order, and a retry after "
                      "a failure finishes the job without refunding twice.")
def refund_order(call: Call, order_id: str) -> Any:
    return order_json(call.c.sales.refunds.refund(tenant_id=call.tenant_id, order_id=order_id, actor=call.actor))


@endpoint(sales, "GET", "/v1/customers", summary="List customers, newest first", tag="Customers", scope="read",
          response=page_of(CUSTOMER), query=LIST_QUERY,
          description="Buyers with at least one paid order, by when they first paid.")
def list_customers(call: Call) -> Any:
    limit, cursor = call.list_params()
    result = call.c.sales.customers.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([customer(c) for c in result.items], result.next_cursor)


@endpoint(sales, "GET", "/v1/customers/{customer_id}", summary="Get a customer", tag="Customers", scope="read",
          response=CUSTOMER, description="`customer_id` is the `cus_` id or the e-mail address (URL-encoded).")
def get_customer(call: Call, customer_id: str) -> Any:
    return customer(call.c.sales.customers.get(tenant_id=call.tenant_id, ref=customer_id))


@endpoint(sales, "GET", "/v1/customers/{customer_id}/orders", summary="A customer's orders, newest first",
          tag="Customers", scope="read", response=page_of(ORDER), query=LIST_QUERY,
          description="Every order of the buyer's e-mail, whatever its status.")
def customer_orders(call: Call, customer_id: str) -> Any:
    limit, cursor = call.list_params()
    result = call.c.sales.customers.orders(tenant_id=call.tenant_id, ref=customer_id, limit=limit, cursor=cursor)
    return serialize.page([order_json(o) for o in result.items], result.next_cursor)


@endpoint(sales, "POST", "/v1/orders/{order_id}/approve", summary="Approve an order held for review", tag="Orders",
          scope="orders_write", response=ORDER, extra_statuses=(409,),
          description="The order becomes `pending` with its payment opened, payable until its `expires_at`; the "
                      "buyer is e-mailed a link to pay. `409 not_in_review` when it is not (or no longer) in "
                      "review, `409 review_too_late` when its hold ends within 10 minutes. List the queue with "
                      "`GET /v1/orders?status=review`.")
def approve_order(call: Call, order_id: str) -> Any:
    return order_json(call.c.sales.reviews.approve(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id))


@endpoint(sales, "POST", "/v1/orders/{order_id}/reject", summary="Reject an order held for review", tag="Orders",
          scope="orders_write", response=ORDER, extra_statuses=(409,),
          description="The order ends `rejected` without payment: its keys go back on sale, the buyer's limits and "
                      "coupon use are given back, and the buyer is e-mailed. `409 not_in_review` otherwise.")
def reject_order(call: Call, order_id: str) -> Any:
    return order_json(call.c.sales.reviews.reject(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id))
