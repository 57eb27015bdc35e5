"""The console's insights pages: the funnel (where buyers come from and where they leave)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, forbidden_page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import integer
from chalicelib.kernel.errors import PermissionDenied

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
