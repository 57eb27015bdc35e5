"""The console's reports: a daily, weekly or monthly report with its anomalies in words, the products' turnover and
cover, a CSV of it, and the signed-in member's choice of report e-mails."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, forbidden_page, redirect
from chalicelib.http.pages import translator
from chalicelib.http.routes import FORM_TYPE, Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.insights.domain.reports import PERIODS, csv_rows, period_bounds
from chalicelib.insights.service.report_mail import anomaly_line
from chalicelib.kernel.errors import InvalidRequest, PermissionDenied

console_reports = Blueprint(__name__)
QUERY = (QueryParam("kind", string(enum=PERIODS)), QueryParam("date", string(max_length=10)),
         QueryParam("saved", string(max_length=1)))


def _asked(call: Call) -> tuple[str, date | None]:
    kind = call.query.get("kind", "daily")
    if kind not in PERIODS:
        kind = "daily"
    try:
        day = date.fromisoformat(call.query["date"]) if call.query.get("date") else None
    except ValueError:
        day = None  # a hand-edited date falls back to the last closed period
    return kind, day


@endpoint(console_reports, "GET", "/console/insights/reports", summary="Reports", tag=TAG, auth="console",
          produces="text/html", in_openapi=False, query=QUERY)
def reports(call: Call) -> Response:
    kind, day = _asked(call)
    service = call.c.insights.reports
    assert call.account is not None  # a console route: the session's member
    try:
        try:
            view = service.report(actor=call.actor, tenant_id=call.tenant_id, kind=kind, day=day)
        except InvalidRequest:
            view = service.report(actor=call.actor, tenant_id=call.tenant_id, kind=kind)
        subscribed = service.subscribed(actor=call.actor, tenant_id=call.tenant_id, user_id=call.account.user_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    r = view.report
    t = translator(call)
    earlier = period_bounds(kind, r.first - timedelta(days=1))[0]
    later = r.last + timedelta(days=1)
    return console_page(call, "console/insights_reports.html", view=view, r=r, kind=kind, kinds=PERIODS,
                        anomalies=[anomaly_line(t, a) for a in r.anomalies], earlier=earlier.isoformat(),
                        later=later.isoformat() if view.closed else None, subscribed=subscribed,
                        saved=call.query.get("saved") == "1", tab="reports")


@endpoint(console_reports, "GET", "/console/insights/reports/export", summary="A report as CSV", tag=TAG,
          auth="console", produces="text/csv", in_openapi=False, query=QUERY)
def export(call: Call) -> Response:
    kind, day = _asked(call)
    try:
        view = call.c.insights.reports.report(actor=call.actor, tenant_id=call.tenant_id, kind=kind, day=day)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except InvalidRequest:
        return redirect(f"/console/insights/reports?kind={kind}")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(view.report, view.names))
    return Response(body="\ufeff" + out.getvalue(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{kind}-report-{view.report.first.isoformat()}.csv"'})


@endpoint(console_reports, "POST", "/console/insights/reports/subscribe", summary="My report e-mails (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def subscribe(call: Call) -> Response:
    form = call.form()
    kinds = {k for k in PERIODS if form.get(f"mail_{k}") == "1"}
    assert call.account is not None  # a console route: the session's member
    try:
        call.c.insights.reports.subscribe(actor=call.actor, tenant_id=call.tenant_id, user_id=call.account.user_id,
                                          kinds=kinds)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect("/console/insights/reports?saved=1")
