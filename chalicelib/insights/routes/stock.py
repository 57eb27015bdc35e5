"""Merchant API: what will run out and when (each product's stock against its forecast demand), and one product's
14-day demand forecast with its backtest."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import LIST_QUERY, Call, endpoint
from chalicelib.http.schema import array, boolean, integer, number, obj, page_of, string
from chalicelib.insights.domain.stock_outlook import StockOutlook
from chalicelib.insights.service.stock_outlook import ProductForecast

stock_routes = Blueprint(__name__)

OUTLOOK = obj({
    "object": string(enum=("stock_outlook",)), "product_id": string(), "name": string(),
    "available": integer("keys on sale now", minimum=0),
    "average_daily_units": number("keys sold per day over the last 14 whole days"),
    "safety_line": integer("average daily units × the shop's days of cover (7 unless set in "
                           "/v1/insights/settings), rounded up", minimum=0),
    "days_of_cover": number("available ÷ average daily units; null when nothing sells", nullable=True),
    "stockout_date": string("the day the forecast demand passes the stock, within 14 days (YYYY-MM-DD), else null",
                            nullable=True),
    "reorder_7_days": integer("keys to import now to cover 7 days of forecast demand and its safety stock",
                              minimum=0),
    "reorder_14_days": integer("the same for 14 days", minimum=0),
    "warning": boolean("the stock falls short of the next 14 days' demand with its safety stock"),
    "forecast_method": string(enum=("ets", "tsb", "mean", "none")),
}, title="StockOutlook")
STOCK_PAGE = obj({**page_of(OUTLOOK)["properties"],
                  "computed_on": string("the shop day of the last nightly forecast, null before the first",
                                        nullable=True)}, title="StockOutlookList")
FORECAST = obj({
    "object": string(enum=("forecast",)), "product_id": string(), "available": integer(minimum=0),
    "computed_on": string(nullable=True),
    "method": string(enum=("ets", "tsb", "mean", "none")),
    "demand_class": string("Syntetos-Boylan: smooth, erratic, intermittent or lumpy; null without sales",
                           nullable=True),
    "days": array(obj({"date": string(), "units": number("expected units, ≥ 0")}),
                  "expected units per day, today first", max_items=14),
    "backtest": obj({"mase": number("the forecast's rolling-origin MASE (below 1 beats the naive forecast)",
                                    nullable=True),
                     "baseline_mase": number("seasonal naive's MASE on the same origins", nullable=True),
                     "mae": number("mean absolute error, units per day", nullable=True)}),
    "recent": array(obj({"date": string(), "units": integer(minimum=0)}), "the closed days before, oldest first"),
    "outlook": OUTLOOK,
}, title="Forecast")


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def outlook_json(product: Any, o: StockOutlook) -> dict[str, Any]:
    return {"object": "stock_outlook", "product_id": product.id, "name": product.name, "available": o.available,
            "average_daily_units": o.avg_daily, "safety_line": o.safety_line, "days_of_cover": o.days_of_cover,
            "stockout_date": _day(o.stockout_on), "reorder_7_days": o.reorder_7, "reorder_14_days": o.reorder_14,
            "warning": o.warning, "forecast_method": o.method}


def forecast_json(f: ProductForecast) -> dict[str, Any]:
    fc = f.forecast
    start = fc.start if fc else None
    recent_first = start - timedelta(days=len(f.recent)) if start else None
    return {"object": "forecast", "product_id": f.product.id, "available": f.available,
            "computed_on": _day(f.computed_on), "method": fc.method if fc else "none",
            "demand_class": fc.demand_class if fc else None,
            "days": [{"date": (fc.start + timedelta(days=i)).isoformat(), "units": round(v, 2)}
                     for i, v in enumerate(fc.daily)] if fc else [],
            "backtest": {"mase": _round(fc.mase if fc else None), "baseline_mase": _round(fc.baseline_mase if fc
                                                                                            else None),
                         "mae": _round(fc.mae if fc else None)},
            "recent": [{"date": (recent_first + timedelta(days=i)).isoformat(), "units": n}
                       for i, n in enumerate(f.recent)] if recent_first else [],
            "outlook": outlook_json(f.product, f.outlook)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@endpoint(stock_routes, "GET", "/v1/insights/stock", summary="What will run out and when, and what to reorder",
          tag="Insights", scope="read", response=STOCK_PAGE, query=LIST_QUERY,
          description="Each product (catalogue order) with the keys available now against its demand: average "
                      "daily units, safety line, days of cover, the forecast stock-out day and how many keys to "
                      "import for 7 and 14 days. Forecasts are made each night per shop (weekly seasonality, "
                      "public holidays of the shop's country, intermittent demand); stock is live.")
def get_stock(call: Call) -> Any:
    limit, cursor = call.list_params()
    computed_on, page = call.c.insights.stock_outlook.stock(actor=call.actor, tenant_id=call.tenant_id, limit=limit,
                                                            cursor=cursor)
    return {"object": "list", "data": [outlook_json(p, o) for p, o in page.items],
            "has_more": page.next_cursor is not None, "next_cursor": page.next_cursor,
            "computed_on": _day(computed_on)}


@endpoint(stock_routes, "GET", "/v1/insights/forecast/{product_id}", summary="A product's 14-day demand forecast",
          tag="Insights", scope="read", response=FORECAST,
          description="Expected units per day for the next 14 days, with the rolling-origin backtest error (MASE) "
                      "of the forecast and of the seasonal-naive baseline on the product's own history.")
def get_forecast(call: Call, product_id: str) -> Any:
    return forecast_json(call.c.insights.stock_outlook.product(actor=call.actor, tenant_id=call.tenant_id,
                                                               product_id=product_id))
