"""Merchant API: customer segments (sizes now and over time, members as JSON pages or CSV) and co-purchase
recommendations, as the nightly run made them."""

from __future__ import annotations

import csv
import io
from typing import Any

from chalice import Blueprint, Response

from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import array, integer, number, obj, string
from chalicelib.insights.domain.copurchase import Rule
from chalicelib.insights.domain.segments import CSV_HEADER, LIFECYCLES, SEGMENTS
from chalicelib.insights.service.segments import MemberPage, SegmentOverview
from chalicelib.kernel.errors import InvalidRequest

segment_routes = Blueprint(__name__)

SEGMENT = obj({"id": string(enum=SEGMENTS), "kind": string(enum=("lifecycle", "tier")),
               "size": integer("buyers in it at the last run", minimum=0)}, title="Segment")
OVERVIEW = obj({
    "object": string(enum=("segment_overview",)),
    "computed_on": string("the shop day of the last nightly run (YYYY-MM-DD); null before the first", nullable=True),
    "currency": string("the shop's currency the value tiers are in (the one most of its sales are in)"),
    "thresholds": {**obj({"whale_monthly": integer("a month's spend above this (minor units) is a whale"),
                          "regular_monthly": integer("from this up to whale_monthly is a regular spender"),
                          "dormant_days": integer(), "new_days": integer()},
                         description="the rules of the last run; null before the first"),
                   "type": ["object", "null"]},
    "segments": array(SEGMENT, max_items=len(SEGMENTS)),
    "history": array(obj({"day": string(), "sizes": obj({s: integer(minimum=0) for s in SEGMENTS})}),
                     "each night's sizes, oldest first (90 days)"),
}, title="SegmentOverview")
MEMBER = obj({**{name: string() for name in CSV_HEADER}}, title="SegmentMember",
             description="r, f, m: the RFM scores 1–5; spent in major units of `currency`; dates are shop days")
MEMBERS = obj({"object": string(enum=("list",)), "segment": string(enum=SEGMENTS),
               "computed_on": string(), "total": integer(minimum=0), "data": array(MEMBER),
               "has_more": {"type": "boolean"}, "next_cursor": string(nullable=True)}, title="SegmentMembers")
RULE = obj({"product_id": string("bought with the product asked for"),
            "support": number("share of all buyers who bought both"),
            "confidence": number("share of the product's buyers who also bought this one"),
            "lift": number("confidence ÷ this product's share of all buyers (> 1: bought together beyond chance)"),
            "buyers": integer("buyers who bought both", minimum=0)}, title="CoPurchaseRule")
RECOMMENDATIONS = obj({"object": string(enum=("recommendations",)),
                       "computed_on": string("the shop day the rules were made", nullable=True),
                       "data": array(obj({"product_id": string(), "also_bought": array(RULE, max_items=5)}))},
                      title="Recommendations")


def overview_json(o: SegmentOverview) -> dict[str, Any]:
    return {"object": "segment_overview", "computed_on": o.day, "currency": o.currency,
            "thresholds": o.thresholds or None,
            "segments": [{"id": s, "kind": "lifecycle" if s in LIFECYCLES else "tier", "size": o.sizes.get(s, 0)}
                         for s in SEGMENTS],
            "history": [{"day": d.isoformat(), "sizes": {s: sizes.get(s, 0) for s in SEGMENTS}}
                        for d, sizes in o.history]}


def members_json(page: MemberPage, segment: str) -> dict[str, Any]:
    return {"object": "list", "segment": segment, "computed_on": page.day, "total": page.total, "data": page.rows,
            "has_more": page.next_cursor is not None, "next_cursor": page.next_cursor}


def rules_json(product_id: str, rules: list[Rule]) -> dict[str, Any]:
    return {"product_id": product_id, "also_bought": [
        {"product_id": r.consequent, "support": round(r.support, 4), "confidence": round(r.confidence, 4),
         "lift": round(r.lift, 3), "buyers": r.count} for r in rules]}


def csv_response(rows: list[list[str]], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return Response(body=out.getvalue(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{filename}"'})


@endpoint(segment_routes, "GET", "/v1/segments", summary="Customer segments and their sizes over time",
          tag="Insights", scope="read", response=OVERVIEW,
          description="Lifecycle (new, regular, vip, dormant, churn_risk) and value tiers (whale, regular_spender, "
                      "casual), recomputed each night per shop from per-buyer aggregates; sizes now and per night.")
def get_segments(call: Call) -> Any:
    return overview_json(call.c.insights.segments.overview(actor=call.actor, tenant_id=call.tenant_id))


@endpoint(segment_routes, "GET", "/v1/segments/{segment}/customers", summary="A segment's customers",
          tag="Insights", scope="read", response=MEMBERS, produces="application/json,text/csv",
          query=(QueryParam("limit", integer(minimum=1, maximum=100), "page size (default 50)"),
                 QueryParam("cursor", string(max_length=100), "next_cursor of the previous page")),
          description="Biggest spenders first, as of the last nightly run. `Accept: text/csv` answers the whole "
                      "segment as one CSV file (cells that a spreadsheet would run as a formula are quoted with '). "
                      "404 before the first run or for an unknown segment.")
def get_segment_customers(call: Call, segment: str) -> Any:
    service = call.c.insights.segments
    if "text/csv" in (call.header("accept") or ""):
        day, rows = service.export(actor=call.actor, tenant_id=call.tenant_id, segment=segment)
        return csv_response(rows, f"{segment}-{day}.csv")
    raw = call.query.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise InvalidRequest("limit must be a whole number from 1 to 100", param="limit")
    page = service.members(actor=call.actor, tenant_id=call.tenant_id, segment=segment,
                           cursor=call.query.get("cursor"), limit=int(raw))
    return members_json(page, segment)


@endpoint(segment_routes, "GET", "/v1/insights/recommendations", summary="What buyers of a product also bought",
          tag="Insights", scope="read", response=RECOMMENDATIONS,
          query=(QueryParam("product_id", string(max_length=64), "one product (default: every product with rules)"),),
          description="Co-purchase rules made each night from every buyer's products: at least 5 buyers bought "
                      "both and the pair sells together more than by chance (lift > 1); best first, 5 per product.")
def get_recommendations(call: Call) -> Any:
    service = call.c.insights.recommendations
    product_id = call.query.get("product_id") or None
    if product_id:
        day, rules = service.rules_for(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id)
        return {"object": "recommendations", "computed_on": day, "data": [rules_json(product_id, rules)]}
    day, every = service.all_rules(actor=call.actor, tenant_id=call.tenant_id)
    return {"object": "recommendations", "computed_on": day,
            "data": [rules_json(pid, every[pid]) for pid in sorted(every)]}
