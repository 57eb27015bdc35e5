"""The console home page: the first-run checklist until it is done, and the dashboard on the sales rollups."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.console.routes.render import TAG, console_page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string

console_home = Blueprint(__name__)


@endpoint(console_home, "GET", "/console", summary="Console home", tag=TAG, auth="console", produces="text/html",
          in_openapi=False, query=(QueryParam("welcome", string(enum=("1",)), "just confirmed: greets the owner"),
                                   QueryParam("joined", string(enum=("1",)), "just accepted an invitation")))
def home(call: Call) -> Any:
    assert call.tenant is not None
    home = call.c.console.home
    stock = home.stock_page(call.tenant)  # read once: the checklist and the dashboard both use it
    view = call.c.insights.rollups.dashboard(actor=call.actor, tenant=call.tenant, stock_page=stock)
    sold = any(orders for _, _, orders in view.dashboard.series)  # a sale in 30 days: the checklist needs no search
    glance = home.glance(call.tenant, stock_page=stock, sold_recently=sold)
    return console_page(call, "console/home.html", glance=glance, welcome=call.query.get("welcome") == "1",
                        joined=call.query.get("joined") == "1", d=view.dashboard, names=view.names, zone=view.zone,
                        chart=revenue_chart(view.dashboard), weekdays=weekday_names(call))


CHART_W, CHART_H = 600, 160


def revenue_chart(d: Any) -> dict[str, Any]:
    """The 30-day revenue of the main currency as SVG bar geometry (drawn on the server: no chart script)."""
    cur = d.currencies[0] if d.currencies else ""
    values = [revenue.get(cur, 0) for _, revenue, _ in d.series]
    top = max(values) if values and max(values) > 0 else 1
    width = CHART_W / max(len(values), 1)
    bars = [{"x": round(i * width + 1, 1), "w": round(width - 2, 1), "h": round(v * (CHART_H - 4) / top, 1),
             "y": round(CHART_H - v * (CHART_H - 4) / top, 1), "day": day, "value": v}
            for i, ((day, _, _), v) in enumerate(zip(d.series, values, strict=True))]
    return {"currency": cur, "bars": bars, "top": top, "w": CHART_W, "h": CHART_H}


def weekday_names(call: Call) -> list[str]:
    from chalicelib.http.pages import translator

    t = translator(call)
    return [t(f"console.weekday.{n}") for n in range(7)]
