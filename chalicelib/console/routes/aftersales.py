"""The after-sales queue: buyers' key reports waiting for review, oldest first, with how long each has waited;
replace, refund or reject with a message to the buyer, through the after-sales service."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.aftersales.domain import OPEN, STATUSES
from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, NotFound, PermissionDenied
from chalicelib.tenancy.domain.roles import Permission

console_aftersales = Blueprint(__name__)


def _queue(call: Call, *, status: int = 200, **context: object) -> Response:
    wanted = call.query.get("status") or OPEN
    reports = call.c.aftersales.reports
    page = reports.list(tenant_id=call.tenant_id, limit=50, cursor=call.query.get("cursor"),
                        filters={"status": wanted if wanted in STATUSES else OPEN})
    stats = reports.stats(tenant_id=call.tenant_id)
    return console_page(call, "console/reports.html", status=status, reports=page.items,
                        next_cursor=page.next_cursor, chosen=wanted, statuses=STATUSES, stats=stats,
                        now=call.c.platform.clock.now(), may_resolve=call.actor.may(Permission.AFTER_SALES),
                        may_refund=call.actor.may(Permission.REFUND), **context)


@endpoint(console_aftersales, "GET", "/console/reports", summary="After-sales queue", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("status", string(enum=STATUSES)), QueryParam("cursor", string(max_length=500)),
                 QueryParam("done", string(enum=("replace", "refund", "reject")), "the last resolution")))
def queue(call: Call) -> Response:
    done = call.query.get("done")
    return _queue(call, done=done if done in ("replace", "refund", "reject") else None)


@endpoint(console_aftersales, "POST", "/console/reports/{report_id}/resolve", summary="Resolve a report (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def resolve(call: Call, report_id: str) -> Response:
    form = call.form()
    action = form.get("action", "")
    try:
        call.c.aftersales.reports.resolve(tenant_id=call.tenant_id, report_id=report_id, actor=call.actor,
                                          body={"action": action, "message": form.get("message", "")})
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _queue(call, status=status_for(exc), error=error_text(call, exc))
    return redirect(f"/console/reports?done={action}")
