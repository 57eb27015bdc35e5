"""After-sales (售后): the buyer's problem-key report, and the merchant's review queue and its stats."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.aftersales import domain as a
from chalicelib.aftersales.routes import shapes
from chalicelib.http import serialize
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import integer, obj, page_of, string

after_sales = Blueprint(__name__)

TAG = "After-sales"
REPORT_BODY = obj({
    "token": string("the order page's token (from checkout or the e-mail)", max_length=200),
    "key_index": integer("position of the key in the order page's key list", minimum=0, maximum=1000),
    "reason": string(enum=a.REASONS),
    "note": string("what is wrong; required when reason is other", max_length=a.MAX_NOTE),
}, required=("token", "key_index", "reason"), closed=True)
RESOLVE_BODY = obj({
    "action": string("replace: send a fresh key now (not bounded by the product's limit); reject: close it; "
                     "refund: refund the whole order and close it", enum=a.ACTIONS),
    "message": string("your words to the buyer, sent in the outcome e-mail and shown on the order page",
                      max_length=a.MAX_MESSAGE),
}, required=("action",), closed=True)
LIST_QUERY = (
    QueryParam("limit", integer(minimum=1, maximum=100)), QueryParam("cursor", string(max_length=500)),
    QueryParam("status", string(enum=a.STATUSES), "only reports in this status (open: the review queue)"),
    QueryParam("product_id", string(max_length=64), "only reports on this product"),
    QueryParam("order_id", string(max_length=64), "only this order's reports"),
)
FILTERS = ("status", "product_id", "order_id")
REPORT_DOC = (
    "Reports a key of a delivered order (`key_index` as the order page lists the keys). Within the product's "
    "window after delivery (`replace_window_minutes`, default 60) and up to `replace_max_per_order` times per "
    "order (default 1), a fresh key from the pool replaces it at once (`status: replaced`); otherwise, or when "
    "no key is left, the report waits for the shop (`status: open`, `review_reason` says why) and the shop is "
    "alerted by e-mail. Either way the reported key is never sold or valid again and `key.reported` fires. "
    "A wrong token, an unknown order or another shop's order answer 404; a key reported before answers 409 "
    "`already_reported`; an order that is not delivered 409 `order_not_delivered`.")
RESOLVE_DOC = (
    "Closes an open report: `replace` sends a fresh key into the order exactly like the automatic path "
    "(409 `out_of_stock` when none is left), `reject` closes it with your message, `refund` refunds the whole "
    "order (as `POST /v1/orders/{order_id}/refund`) and closes it. The buyer is e-mailed the outcome in their "
    "language. A closed report answers 409 `report_closed`.")
STATS_DOC = (
    "The emergency channel's measure: open reports now (an exact count kept with every report), and over "
    "reports filed in the last 30 days (one range read of the shop's report index) how many are closed, how "
    "many were replaced at once, and the median and 90th percentile time from report to resolution.")


@endpoint(after_sales, "POST", "/s/{slug}/orders/{order_id}/reports", summary="Report a problem key",
          tag="Storefront", auth="shop", rate="order_lookup", status=201, body=REPORT_BODY,
          response=shapes.REPORT, extra_statuses=(409,), description=REPORT_DOC)
def report_key(call: Call, slug: str, order_id: str) -> Any:
    assert call.tenant is not None
    return shapes.report(call.c.aftersales.reports.report(tenant=call.tenant, order_id=order_id, body=call.json()))


@endpoint(after_sales, "GET", "/v1/reports", summary="List key reports, newest first", tag=TAG, scope="read",
          response=page_of(shapes.REPORT), query=LIST_QUERY,
          description="`?status=open` is the review queue. Filters apply while reading, at most 1,000 reports a "
                      "request: a page may be shorter than `limit` with `has_more` true and a cursor to go on.")
def list_reports(call: Call) -> Any:
    limit, cursor = call.list_params()
    filters = {k: v for k, v in call.query.items() if k in FILTERS}
    result = call.c.aftersales.reports.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor, filters=filters)
    return serialize.page([shapes.report(r) for r in result.items], result.next_cursor)


@endpoint(after_sales, "GET", "/v1/reports/{report_id}", summary="Get a key report", tag=TAG, scope="read",
          response=shapes.REPORT)
def get_report(call: Call, report_id: str) -> Any:
    return shapes.report(call.c.aftersales.reports.get(tenant_id=call.tenant_id, report_id=report_id))


@endpoint(after_sales, "POST", "/v1/reports/{report_id}/resolve", summary="Resolve a key report", tag=TAG,
          scope="orders_write", body=RESOLVE_BODY, response=shapes.REPORT, extra_statuses=(409,),
          description=RESOLVE_DOC)
def resolve_report(call: Call, report_id: str) -> Any:
    return shapes.report(call.c.aftersales.reports.resolve(tenant_id=call.tenant_id, report_id=report_id,
                                                           body=call.json(), actor=call.actor))


@endpoint(after_sales, "GET", "/v1/report_stats", summary="After-sales resolution times", tag=TAG, scope="read",
          response=shapes.STATS, description=STATS_DOC)
def report_stats(call: Call) -> Any:
    return shapes.stats(call.c.aftersales.reports.stats(tenant_id=call.tenant_id))
