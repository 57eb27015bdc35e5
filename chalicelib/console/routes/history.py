"""The console's history import: a CSV of past orders (our columns or a dujiaoka export), read by the page's script
and sent whole; the page then follows the import until its orders are in the figures."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page
from chalicelib.http.errors import json_response, status_for
from chalicelib.http.routes import Call, endpoint
from chalicelib.insights.domain.history_import import PRESETS
from chalicelib.insights.service.history_import import MAX_TEXT
from chalicelib.kernel.errors import DomainError, PermissionDenied

console_history = Blueprint(__name__)


@endpoint(console_history, "GET", "/console/insights/history", summary="Import past orders", tag=TAG,
          auth="console", produces="text/html", in_openapi=False)
def history_page(call: Call) -> Response:
    try:
        jobs = call.c.insights.history.recent(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/insights_history.html", jobs=jobs, presets=tuple(PRESETS), tab="history",
                        max_mb=MAX_TEXT // 1_000_000)


@endpoint(console_history, "POST", "/console/insights/history", summary="Import past orders (the page's script)",
          tag=TAG, auth="console", produces="application/json", idempotent=False, in_openapi=False)
def start_import(call: Call) -> Response:
    """JSON in (`{"csv", "preset", "currency"}`), JSON out: the import, or the lines to fix."""
    try:
        job, found = call.c.insights.history.start(actor=call.actor, tenant_id=call.tenant_id,
                                                   body=call.json(limit=MAX_TEXT + 100_000))
    except DomainError as exc:
        return json_response({"error": {"code": exc.code, "message": error_text(call, exc), **exc.extra}},
                             status_for(exc))
    return json_response({"id": job.id, "orders": job.orders, "skipped": found.skipped, "chunks": job.chunks}, 202)
