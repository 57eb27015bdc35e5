"""Spend thresholds: `T#<tenant>#MKT` / `THR#<currency>`, one item per currency, the steps as JSON; a shop has a
handful, read together in one Query."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.dynamo.counters import call, query_all
from chalicelib.adapters.dynamo.items import Item
from chalicelib.marketing.domain.pricing import Threshold
from chalicelib.marketing.domain.thresholds import SpendThresholds


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#MKT"


def _thresholds(tenant_id: str, raw: dict[str, Any]) -> SpendThresholds:
    data = json.loads(raw["data"]["S"])
    return SpendThresholds(tenant_id, raw["sk"]["S"].split("#", 1)[1],
                           tuple(Threshold(int(s), int(v)) for s, v in data["steps"]), data.get("starts_at"),
                           data.get("ends_at"), bool(data.get("active", True)))


class DynamoThresholds:
    def list(self, tenant_id: str) -> list[SpendThresholds]:
        items = query_all({"TableName": Item.Meta.table_name,
                           "KeyConditionExpression": "pk = :pk AND begins_with(sk, :thr)",
                           "ExpressionAttributeValues": {":pk": {"S": partition(tenant_id)}, ":thr": {"S": "THR#"}}},
                          "reading the spend thresholds")
        return sorted((_thresholds(tenant_id, raw) for raw in items), key=lambda t: t.currency)

    def put(self, t: SpendThresholds) -> None:
        """Replaces the currency's thresholds whole (last write wins: the merchant sends the full set)."""
        data = {"steps": [[s.spend, s.save] for s in t.steps], "starts_at": t.starts_at, "ends_at": t.ends_at,
                "active": t.active}
        call("PutItem", {"TableName": Item.Meta.table_name, "Item": {
            "pk": {"S": partition(t.tenant_id)}, "sk": {"S": f"THR#{t.currency}"},
            "data": {"S": json.dumps(data, separators=(",", ":"))}}}, "saving the spend thresholds")

    def delete(self, tenant_id: str, currency: str) -> None:
        call("DeleteItem", {"TableName": Item.Meta.table_name,
                            "Key": {"pk": {"S": partition(tenant_id)}, "sk": {"S": f"THR#{currency}"}}},
             "deleting the spend thresholds")
