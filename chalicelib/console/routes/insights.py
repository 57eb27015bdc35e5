"""The console's insights pages: the funnel (where buyers come from and where they leave), what will run out and
what to reorder (with each product's forecast), the customer segments with their members and CSV, and what sells
together."""

from __future__ import annotations

import csv
import io
from datetime import date

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, forbidden_page, redirect
from chalicelib.http.routes import FORM_TYPE, Call, QueryParam, endpoint
from chalicelib.http.schema import integer, string
from chalicelib.insights.domain.segments import LIFECYCLES, SEGMENTS, TIERS
from chalicelib.insights.service.stock_outlook import ProductForecast
from chalicelib.kernel.errors import InvalidRequest, NotFound, PermissionDenied

console_insights = Blueprint(__name__)
PERIODS = (1, 7, 30, 90)


@endpoint(console_insights, "GET", "/console/insights", summary="The funnel", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("days", integer(minimum=1, maximum=90), "1, 7, 30 or 90 days ending today"),))
def funnel(call: Call) -> Response:
    raw = call.query.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 7  # a hand-typed period falls back to a week
    try:
        found = call.c.insights.funnel.report(actor=call.actor, tenant_id=call.tenant_id, days=days)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_funnel.html", r=found, days=days, periods=PERIODS, tab="funnel")


@endpoint(console_insights, "GET", "/console/insights/segments", summary="Customer segments", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("done", string(enum=("recomputed",))),))
def segments(call: Call) -> Response:
    try:
        found = call.c.insights.segments.overview(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_segments.html", o=found, tab="segments", lifecycles=LIFECYCLES,
                        tiers=TIERS, trends={s: trend(found.history, s) for s in SEGMENTS},
                        done=call.query.get("done"))


@endpoint(console_insights, "POST", "/console/insights/segments/recompute", summary="Recompute the segments now",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def recompute(call: Call) -> Response:
    try:
        call.c.insights.nightly.recompute(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect("/console/insights/segments?done=recomputed")


@endpoint(console_insights, "GET", "/console/insights/segments/{segment}", summary="A segment's customers", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("cursor", string(max_length=100)),))
def segment(call: Call, segment: str) -> Response:
    try:
        page = call.c.insights.segments.members(actor=call.actor, tenant_id=call.tenant_id, segment=segment,
                                                cursor=call.query.get("cursor"), limit=50)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except InvalidRequest:
        return redirect(f"/console/insights/segments/{segment}")  # a cursor of an older run: start again
    return console_page(call, "console/insights_segment.html", page=page, segment=segment, tab="segments")


@endpoint(console_insights, "GET", "/console/insights/segments/{segment}/export", summary="A segment as CSV",
          tag=TAG, auth="console", produces="text/csv", in_openapi=False)
def export_segment(call: Call, segment: str) -> Response:
    try:
        day, rows = call.c.insights.segments.export(actor=call.actor, tenant_id=call.tenant_id, segment=segment)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    # a BOM so spreadsheets read the file as UTF-8 (e-mail addresses may hold any script)
    return Response(body="\ufeff" + out.getvalue(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{segment}-{day}.csv"'})


@endpoint(console_insights, "GET", "/console/insights/together", summary="Bought together", tag=TAG,
          auth="console", produces="text/html", in_openapi=False)
def together(call: Call) -> Response:
    try:
        day, rules = call.c.insights.recommendations.table(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_together.html", day=day, rules=rules, tab="together")


def trend(history: list[tuple[date, dict[str, int]]], segment: str, width: int = 120, height: int = 28) -> str:
    """The segment's size per night as an SVG polyline's points (empty with fewer than two nights)."""
    sizes = [sizes.get(segment, 0) for _, sizes in history]
    if len(sizes) < 2:
        return ""
    top = max(sizes) or 1
    step = width / (len(sizes) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (n / top) * (height - 4):.1f}" for i, n in enumerate(sizes))


@endpoint(console_insights, "GET", "/console/insights/stock", summary="Stock outlook", tag=TAG, auth="console",
          produces="text/html", in_openapi=False)
def stock(call: Call) -> Response:
    try:
        computed_on, rows = call.c.insights.stock_outlook.needing_keys(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_stock.html", rows=rows, computed_on=computed_on, tab="stock")


@endpoint(console_insights, "GET", "/console/insights/stock/{product_id}", summary="A product's forecast", tag=TAG,
          auth="console", produces="text/html", in_openapi=False)
def product_forecast(call: Call, product_id: str) -> Response:
    try:
        found = call.c.insights.stock_outlook.product(actor=call.actor, tenant_id=call.tenant_id,
                                                      product_id=product_id)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_forecast.html", f=found, chart=forecast_chart(found), tab="stock")


def forecast_chart(found: ProductForecast, width: int = 700, height: int = 160) -> dict[str, object]:
    """The recent days as bars and the forecast days as a line, on one scale (SVG coordinates)."""
    recent = list(found.recent)
    ahead = list(found.forecast.daily) if found.forecast else []
    days = len(recent) + len(ahead)
    if not days:
        return {"w": width, "h": height, "bars": [], "line": "", "split": 0}
    top = max([*recent, *ahead, 1])
    step = width / days
    bars = [{"x": round(i * step, 1), "w": round(max(step - 1, 1), 1), "h": round(n / top * (height - 10), 1),
             "y": round(height - n / top * (height - 10), 1)} for i, n in enumerate(recent)]
    line = " ".join(f"{(len(recent) + i + 0.5) * step:.1f},{height - v / top * (height - 10):.1f}"
                    for i, v in enumerate(ahead))
    return {"w": width, "h": height, "bars": bars, "line": line, "split": round(len(recent) * step, 1)}


@endpoint(console_insights, "GET", "/console/insights/slow", summary="Slow-moving stock", tag=TAG, auth="console",
          produces="text/html", in_openapi=False)
def slow(call: Call) -> Response:
    try:
        found = call.c.insights.slow_movers.idle(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_slow.html", movers=found, tab="stock")
