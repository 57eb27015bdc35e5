"""Merchant API: the shop's operations settings — the stock alerts' safety window and days of cover, whether the
alerts go to the shop's address, and the monthly spend of the value tiers."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, endpoint
from chalicelib.http.schema import boolean, integer, obj, string
from chalicelib.insights.domain.settings import COVER_DAYS, TIER_MAX, WINDOW_DAYS, InsightSettings

settings_routes = Blueprint(__name__)

FIELDS = {
    "safety_window_days": integer("the days whose average daily units make the safety line (default 14)",
                                  minimum=WINDOW_DAYS[0], maximum=WINDOW_DAYS[1]),
    "cover_days": integer("the days of cover: safety line = average daily units × this, rounded up (default 7)",
                          minimum=COVER_DAYS[0], maximum=COVER_DAYS[1]),
    "whale_monthly": integer("a month's spend above this (major units of the shop's main currency) makes a whale "
                             "(default 5000)", minimum=1, maximum=TIER_MAX),
    "regular_monthly": integer("from this up to whale_monthly a regular spender, below it casual (default 500)",
                               minimum=1, maximum=TIER_MAX),
    "alert_shop_email": boolean("stock alerts e-mailed to the shop's address (members choose theirs in the "
                                "console); the stock.low / stock.out webhooks go regardless"),
}
SETTINGS = obj({"object": string(enum=("insight_settings",)), **FIELDS}, title="InsightSettings")
SETTINGS_PATCH = obj(FIELDS, required=(), closed=True, title="InsightSettingsPatch")


def settings_json(s: InsightSettings) -> dict[str, Any]:
    return {"object": "insight_settings", "safety_window_days": s.safety_window_days, "cover_days": s.cover_days,
            "whale_monthly": s.whale_monthly, "regular_monthly": s.regular_monthly,
            "alert_shop_email": s.alert_shop_email}


@endpoint(settings_routes, "GET", "/v1/insights/settings", summary="The shop's operations settings", tag="Insights",
          scope="read", response=SETTINGS)
def get_settings(call: Call) -> Any:
    return settings_json(call.c.insights.insight_settings.get(actor=call.actor, tenant_id=call.tenant_id))


@endpoint(settings_routes, "PATCH", "/v1/insights/settings", summary="Change the shop's operations settings",
          tag="Insights", scope="catalog_write", body=SETTINGS_PATCH, response=SETTINGS,
          description="Any of the fields; the others stay. The stock alerts, the dashboard's stock warnings and "
                      "`GET /v1/insights/stock` use the new safety line from the next read; the value tiers from "
                      "the next nightly segment run. regular_monthly must stay below whale_monthly.")
def patch_settings(call: Call) -> Any:
    return settings_json(call.c.insights.insight_settings.update(actor=call.actor, tenant_id=call.tenant_id,
                                                                 body=call.json()))
