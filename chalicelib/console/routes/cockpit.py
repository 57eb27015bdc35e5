"""The cockpit: a console page for a wall screen — today's sales, top products, what needs keys, today's funnel —
that refreshes itself every 15 s from a small JSON answer (no reload)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, forbidden_page
from chalicelib.http.errors import json_response
from chalicelib.http.pages import translator
from chalicelib.http.routes import Call, endpoint
from chalicelib.insights.service.cockpit import Cockpit
from chalicelib.kernel.errors import PermissionDenied
from chalicelib.kernel.i18n import Translator

console_cockpit = Blueprint(__name__)
REFRESH_SECONDS = 15


def cockpit_json(t: Translator, c: Cockpit) -> dict[str, Any]:
    """Figures ready to show (money formatted in the reader's language), for the page's script to put in place."""
    main = max(c.revenue, key=lambda cur: (c.revenue[cur], cur)) if c.revenue else ""
    peak = max(c.hours) or 1
    return {"day": c.day.isoformat(), "at": t.when(c.at), "orders": c.orders, "units": c.units,
            "refunds": c.refunds, "revenue": t.money(c.revenue[main], main) if main else "0",
            "hours": [{"hour": h, "orders": n, "height": round(n * 100 / peak)} for h, n in enumerate(c.hours)],
            "top": [{"name": name, "units": units, "revenue": t.money(rev.get(main, 0), main) if main else ""}
                    for _, name, units, rev in c.top],
            "warnings": [{"id": pid, "name": name, "available": available,
                          "runs_out": runs_out.isoformat() if runs_out else "", "reorder": reorder}
                         for pid, name, available, runs_out, reorder in c.warnings],
            "funnel": c.funnel}


@endpoint(console_cockpit, "GET", "/console/cockpit", summary="Cockpit (wall screen)", tag=TAG, auth="console",
          produces="text/html", in_openapi=False)
def cockpit(call: Call) -> Response:
    try:
        found = call.c.insights.cockpit.now(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/cockpit.html", c=cockpit_json(translator(call), found),
                        refresh=REFRESH_SECONDS)


@endpoint(console_cockpit, "GET", "/console/cockpit/live", summary="Cockpit figures (the page's script)", tag=TAG,
          auth="console", produces="application/json", in_openapi=False)
def live(call: Call) -> Response:
    try:
        found = call.c.insights.cockpit.now(actor=call.actor, tenant_id=call.tenant_id)
    except PermissionDenied:
        return json_response({"error": {"code": "forbidden"}}, 403)
    response = json_response(cockpit_json(translator(call), found))
    response.headers["Cache-Control"] = "no-store"
    return response
