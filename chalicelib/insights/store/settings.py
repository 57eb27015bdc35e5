"""A shop's operations settings: one item, `T#<tenant>#INS` / `SETTINGS`, absent until the shop changes one (the
defaults apply). A `version` guards each write, so two changes made at once never lose either."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo.counters import ConditionFailed, call, read_items
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.settings import InsightSettings

SK = "SETTINGS"


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#INS"


def _settings(raw: dict[str, Any]) -> InsightSettings:
    default = InsightSettings()

    def number(name: str, fallback: int) -> int:
        return int(raw[name]["N"]) if name in raw else fallback

    return InsightSettings(
        safety_window_days=number("safety_window_days", default.safety_window_days),
        cover_days=number("cover_days", default.cover_days),
        whale_monthly=number("whale_monthly", default.whale_monthly),
        regular_monthly=number("regular_monthly", default.regular_monthly),
        alert_shop_email=raw["alert_shop_email"]["BOOL"] if "alert_shop_email" in raw else default.alert_shop_email)


class DynamoInsightSettings:
    def read(self, tenant_id: str) -> tuple[InsightSettings, int]:
        """The shop's settings and their version (0: never changed, the defaults)."""
        found = read_items([(partition(tenant_id), SK)], "reading the insight settings", consistent=True)
        if not found:
            return InsightSettings(), 0
        return _settings(found[0]), int(found[0]["version"]["N"])

    def write(self, tenant_id: str, settings: InsightSettings, version: int) -> bool:
        """Keeps `settings` as version `version` + 1; False when another change landed since `version` was read."""
        item = {"pk": {"S": partition(tenant_id)}, "sk": {"S": SK}, "version": {"N": str(version + 1)},
                "safety_window_days": {"N": str(settings.safety_window_days)},
                "cover_days": {"N": str(settings.cover_days)},
                "whale_monthly": {"N": str(settings.whale_monthly)},
                "regular_monthly": {"N": str(settings.regular_monthly)},
                "alert_shop_email": {"BOOL": settings.alert_shop_email}}
        # the version read must still be the one stored (or none stored at 0): else the change would overwrite
        # another made meanwhile, which the caller then re-applies to
        condition = "attribute_not_exists(pk)" if version == 0 else "version = :seen"
        body: dict[str, Any] = {"TableName": Item.Meta.table_name, "Item": item, "ConditionExpression": condition}
        if version:
            body["ExpressionAttributeValues"] = {":seen": {"N": str(version)}}
        try:
            call("PutItem", body, "saving the insight settings")
        except ConditionFailed:
            return False
        return True
