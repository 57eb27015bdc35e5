"""Which staff get which reports by e-mail: `T#<tenant>#RPTSUB` / `<user id>` with the kinds (daily, weekly,
monthly); a member who wants none has no item. One Query lists a shop's subscribers; their addresses are the
members' own at sending time (a removed member gets nothing)."""

from __future__ import annotations

from chalicelib.adapters.dynamo.counters import call, query_all, read_items
from chalicelib.adapters.dynamo.items import Item


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#RPTSUB"


class DynamoReportSubscriptions:
    def kinds(self, tenant_id: str, user_id: str) -> set[str]:
        found = read_items([(partition(tenant_id), user_id)], "reading the report e-mails", consistent=True)
        return set(found[0].get("kinds", {}).get("SS", [])) if found else set()

    def save(self, tenant_id: str, user_id: str, kinds: set[str]) -> None:
        key = {"pk": {"S": partition(tenant_id)}, "sk": {"S": user_id}}
        if not kinds:
            call("DeleteItem", {"TableName": Item.Meta.table_name, "Key": key}, "saving the report e-mails")
            return
        call("PutItem", {"TableName": Item.Meta.table_name,
                         "Item": {**key, "kinds": {"SS": sorted(kinds)}}},
             "saving the report e-mails")

    def subscribers(self, tenant_id: str, kind: str) -> list[str]:
        """The user ids that get `kind`, sorted."""
        items = query_all({"TableName": Item.Meta.table_name, "KeyConditionExpression": "pk = :pk",
                           "ExpressionAttributeValues": {":pk": {"S": partition(tenant_id)}}},
                          "reading the report e-mails")
        return sorted(raw["sk"]["S"] for raw in items if kind in raw.get("kinds", {}).get("SS", []))
