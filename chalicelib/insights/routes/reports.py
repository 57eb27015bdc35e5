"""Merchant API: the shop's daily, weekly and monthly reports, as JSON or as CSV (`Accept: text/csv`)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from chalice import Blueprint, Response

from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import array, integer, number, obj, string
from chalicelib.insights.domain.reports import DAILY, MONTHLY, WEEKLY, ProductLine, csv_rows
from chalicelib.insights.service.reports import ReportView
from chalicelib.kernel.errors import InvalidRequest

report_routes = Blueprint(__name__)

MONEY = obj({}, description="currency → minor units")
LINE = obj({"product_id": string(), "name": string(), "orders": integer(minimum=0), "units": integer(minimum=0),
            "refunds": integer(minimum=0), "revenue": MONEY, "margin": MONEY,
            "available": integer("keys on sale now", nullable=True),
            "turnover": number("units sold ÷ average stock over the period", nullable=True),
            "days_of_cover": number("available ÷ average daily units of the period", nullable=True)},
           title="ReportProduct")
REPORT = obj({
    "object": string(enum=("report",)), "kind": string(enum=(DAILY, WEEKLY, MONTHLY)),
    "from": string("first shop day (YYYY-MM-DD)"), "to": string("last shop day"),
    "closed": {"type": "boolean", "description": "false while the period is still running"},
    "currency": string("the main currency (most revenue)"),
    "orders": integer(minimum=0), "units": integer(minimum=0), "refunds": integer(minimum=0),
    "revenue": MONEY, "refunded": MONEY, "margin": MONEY,
    "margin_rate": obj({}, description="currency → margin ÷ revenue of the sales with a known cost"),
    "refund_rate": number(nullable=True), "buyers_new": integer(minimum=0), "buyers_returning": integer(minimum=0),
    "repurchase_rate": number("returning ÷ all buyer-days", nullable=True),
    "funnel": obj({"product_views": integer(), "checkouts": integer(), "payments": integer(), "paid": integer(),
                   "conversion": number(nullable=True)}, description="null when nothing was counted"),
    "previous": obj({"from": string(), "to": string(), "orders": integer(), "units": integer(), "revenue": MONEY,
                     "orders_change_percent": number(nullable=True)}),
    "anomalies": array(obj({"day": string(), "metric": string(), "value": integer(), "expected": number(),
                            "z": number(nullable=True), "direction": string(enum=("high", "low")),
                            "summary": string()}), "days far from the same weekday's last 8 weeks"),
    "top_products": array(LINE, max_items=10), "products": array(LINE),
}, title="Report")
DATE = QueryParam("date", string(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$"),
                  "a shop day (YYYY-MM-DD) inside the period; default: the last closed period (yesterday, last week, "
                  "last month)")


def _line(p: ProductLine, names: dict[str, str]) -> dict[str, Any]:
    return {"product_id": p.product_id, "name": names.get(p.product_id, ""), "orders": p.orders, "units": p.units,
            "refunds": p.refunds, "revenue": p.revenue, "margin": p.margin, "available": p.available,
            "turnover": p.turnover, "days_of_cover": p.days_of_cover}


def report_json(view: ReportView) -> dict[str, Any]:
    r, names = view.report, view.names
    f = r.funnel
    return {"object": "report", "kind": r.kind, "from": r.first.isoformat(), "to": r.last.isoformat(),
            "closed": view.closed, "currency": r.main_currency, "orders": r.orders, "units": r.units,
            "refunds": r.refunds, "revenue": r.revenue, "refunded": r.refunded, "margin": r.margin,
            "margin_rate": r.margin_rate, "refund_rate": r.refund_rate, "buyers_new": r.buyers_new,
            "buyers_returning": r.buyers_returning, "repurchase_rate": r.repurchase_rate,
            "funnel": None if f is None else {"product_views": f.product_views, "checkouts": f.checkouts,
                                              "payments": f.payments, "paid": f.paid, "conversion": f.conversion},
            "previous": {"from": r.previous.first.isoformat(), "to": r.previous.last.isoformat(),
                         "orders": r.previous.orders, "units": r.previous.units, "revenue": r.previous.revenue,
                         "orders_change_percent": r.orders_change},
            "anomalies": [{"day": a.day.isoformat(), "metric": a.metric, "value": a.value, "expected": a.expected,
                           "z": a.z, "direction": a.direction, "summary": a.text} for a in r.anomalies],
            "top_products": [_line(p, names) for p in r.top_products],
            "products": [_line(p, names) for p in r.products]}


def _day(call: Call) -> date | None:
    raw = call.query.get("date")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidRequest("date must be a day as YYYY-MM-DD", param="date") from exc


def _answer(call: Call, kind: str) -> Any:
    view = call.c.insights.reports.report(actor=call.actor, tenant_id=call.tenant_id, kind=kind, day=_day(call))
    if "text/csv" not in (call.header("accept") or ""):
        return report_json(view)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(view.report, view.names))
    return Response(body="\ufeff" + out.getvalue(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{kind}-report-{view.report.first.isoformat()}.csv"'})


DESCRIPTION = ("Revenue, orders, keys, margin (price − batch cost), refund rate, new and returning buyers, "
               "repurchase rate, funnel conversion, top products, every product's turnover and days of cover, the "
               "change against the previous period, and anomalies (a day more than 3 robust z-scores from the same "
               "weekday of the 8 weeks before) in words. `Accept: text/csv` answers the same as CSV.")


@endpoint(report_routes, "GET", "/v1/reports/daily", summary="The daily report", tag="Insights", scope="read",
          response=REPORT, produces="application/json,text/csv", query=(DATE,), description=DESCRIPTION)
def daily_report(call: Call) -> Any:
    return _answer(call, DAILY)


@endpoint(report_routes, "GET", "/v1/reports/weekly", summary="The weekly report (Monday to Sunday)",
          tag="Insights", scope="read", response=REPORT, produces="application/json,text/csv", query=(DATE,),
          description=DESCRIPTION)
def weekly_report(call: Call) -> Any:
    return _answer(call, WEEKLY)


@endpoint(report_routes, "GET", "/v1/reports/monthly", summary="The monthly report", tag="Insights",
          scope="read", response=REPORT, produces="application/json,text/csv", query=(DATE,),
          description=DESCRIPTION)
def monthly_report(call: Call) -> Any:
    return _answer(call, MONTHLY)
