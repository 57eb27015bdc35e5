"""Merchant API: the buyer funnel, per device and channel, with its leaks."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import array, integer, number, obj, string
from chalicelib.insights.domain.funnel_report import Flow, FunnelReport
from chalicelib.insights.service.funnel import MAX_DAYS
from chalicelib.kernel.errors import InvalidRequest

funnel_routes = Blueprint(__name__)

STEP = obj({
    "step": string(enum=("product", "checkout", "pay", "paid")),
    "count": integer("buyers counted at the step over the days", minimum=0),
    "leave_rate": number("share of the step's entrants not counted at the next step (0–1); null for the last "
                         "step or a step nobody reached", nullable=True),
}, title="FunnelStep")
FLOW = obj({
    "who": string("`all`, a device (`mobile`, `desktop`) or a channel (a utm_source or referring host, `direct`)"),
    "steps": array(STEP, max_items=4),
    "conversion": number("paid orders per product view (0–1); null without views", nullable=True),
}, title="FunnelFlow")
LEAK = obj({
    "who": string(), "kind": string(enum=("device", "channel")), "step": string(),
    "leave_rate": number(), "overall_leave_rate": number(), "entrants": integer(minimum=0),
    "summary": string("the leak in words, for example \"40 % leave at the payment step on mobile (25 % overall)\""),
}, title="FunnelLeak")
FUNNEL = obj({
    "object": string(enum=("funnel",)), "from": string("first shop day counted (YYYY-MM-DD)"),
    "to": string("last shop day counted"), "product_id": string("the product asked for", nullable=True),
    "storefront_views": integer("views of the shop's own pages (not of a product)", minimum=0),
    "overall": FLOW, "devices": array(FLOW, max_items=2), "channels": array(FLOW, max_items=8),
    "leaks": array(LEAK, "segments leaving a step ≥ 10 points more than the shop overall, the costliest first",
                   max_items=3),
}, title="Funnel")

STEP_WORDS = {"product": "the product page", "checkout": "checkout", "pay": "the payment step"}


def flow_json(flow: Flow) -> dict[str, Any]:
    return {"who": flow.who, "conversion": _rate(flow.conversion),
            "steps": [{"step": s.step, "count": s.count, "leave_rate": _rate(s.leave)} for s in flow.steps]}


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _days(call: Call) -> int:
    raw = call.query.get("days", "7")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise InvalidRequest(f"days must be a whole number from 1 to {MAX_DAYS}", param="days")
    return int(raw)


def funnel_json(r: FunnelReport, product_id: str | None) -> dict[str, Any]:
    return {"object": "funnel", "from": r.first.isoformat(), "to": r.last.isoformat(), "product_id": product_id,
            "storefront_views": r.shop_views, "overall": flow_json(r.overall),
            "devices": [flow_json(f) for f in r.devices], "channels": [flow_json(f) for f in r.channels],
            "leaks": [{"who": leak.who, "kind": leak.kind, "step": leak.step, "leave_rate": _rate(leak.leave),
                       "overall_leave_rate": _rate(leak.overall), "entrants": leak.entrants,
                       "summary": f"{round(leak.leave * 100)} % leave at {STEP_WORDS[leak.step]} "
                                  f"{'on' if leak.kind == 'device' else 'from'} {leak.who} "
                                  f"({round(leak.overall * 100)} % overall)"} for leak in r.leaks]}


@endpoint(funnel_routes, "GET", "/v1/insights/funnel", summary="Where buyers come from and where they leave",
          tag="Insights", scope="read", response=FUNNEL,
          query=(QueryParam("days", integer(f"days ending today (default 7, at most {MAX_DAYS})", minimum=1,
                                            maximum=MAX_DAYS), "how many days to count"),
                 QueryParam("product_id", string(max_length=64), "one product's funnel (default: the whole shop)")),
          description="First-party counts of product views, checkouts started, payments started and orders paid, "
                      "by device and by channel (the `utm_source` or referring site the buyer arrived with), with "
                      "the share leaving at each step and the leaks worth fixing. No buyer is identified: these "
                      "are counts per hour, product, channel and device.")
def get_funnel(call: Call) -> Any:
    product_id = call.query.get("product_id") or None
    found = call.c.insights.funnel.report(actor=call.actor, tenant_id=call.tenant_id, days=_days(call),
                                          product_id=product_id)
    return funnel_json(found, product_id)
