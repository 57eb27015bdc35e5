"""Merchant API: the weekday × hour heatmap and its peak windows."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import array, integer, obj, string
from chalicelib.insights.domain.heatmap import DEFAULT_WEEKS, MAX_WEEKS, MIN_WEEKS, Heatmap
from chalicelib.kernel.errors import InvalidRequest

insights = Blueprint(__name__)

PEAK = obj({
    "weekday": integer("0 = Monday … 6 = Sunday", minimum=0, maximum=6),
    "start_hour": integer("first hour of the window, in the shop's time zone", minimum=0, maximum=23),
    "end_hour": integer("the hour the window ends (exclusive)", minimum=1, maximum=24),
    "orders": integer("orders in the window over the weeks counted", minimum=0),
    "lift_percent": integer("how far the window's mean hour sells above the mean hour of the week"),
    "summary": string("the window in words, for example \"Friday 20–22 h: +230 % over the weekly mean\""),
}, title="Peak")
HEATMAP = obj({
    "object": string(enum=("heatmap",)), "timezone": string("the shop's time zone the hours are in"),
    "weeks": integer(minimum=MIN_WEEKS, maximum=MAX_WEEKS), "from": string("first shop day counted (YYYY-MM-DD)"),
    "to": string("last shop day counted (today)"), "orders": integer("orders counted", minimum=0),
    "cells": array(array(integer(minimum=0), max_items=24),
                   "orders per [weekday 0 = Monday][hour 0–23], delivered orders of the shop's own day", max_items=7),
    "peaks": array(PEAK, "up to 3 windows of hours selling ≥ 1.5 × the mean hour, strongest first", max_items=3),
}, title="Heatmap")


def heatmap_json(h: Heatmap, zone: str) -> dict[str, Any]:
    return {"object": "heatmap", "timezone": zone, "weeks": h.weeks, "from": h.first.isoformat(),
            "to": h.last.isoformat(), "orders": h.orders, "cells": h.grid,
            "peaks": [{"weekday": p.weekday, "start_hour": p.start, "end_hour": p.end, "orders": p.orders,
                       "lift_percent": p.lift, "summary": p.words()} for p in h.peaks]}


def _weeks(call: Call) -> int:
    raw = call.query.get("weeks", str(DEFAULT_WEEKS))
    if not raw.isdigit():
        raise InvalidRequest(f"weeks must be a whole number from {MIN_WEEKS} to {MAX_WEEKS}", param="weeks")
    return int(raw)


@endpoint(insights, "GET", "/v1/insights/heatmap", summary="Sales by weekday and hour, with peak windows",
          tag="Insights", scope="read", response=HEATMAP,
          query=(QueryParam("weeks", integer(f"whole weeks ending today (default {DEFAULT_WEEKS})", minimum=MIN_WEEKS,
                                             maximum=MAX_WEEKS), "how many weeks to count"),),
          description="Delivered orders per weekday and hour of the shop's own time zone over whole weeks ending "
                      "today (each weekday counted the same number of times), from the sales rollups, and the "
                      "peak windows in words.")
def get_heatmap(call: Call) -> Any:
    found, zone = call.c.insights.heatmaps.heatmap(actor=call.actor, tenant_id=call.tenant_id, weeks=_weeks(call))
    return heatmap_json(found, zone)
