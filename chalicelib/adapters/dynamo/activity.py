"""The staff activity log in the single table: one item per entry in the tenant's activity partition, newest
first by its time-ordered key; kept a year (TTL)."""

from __future__ import annotations

import builtins

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Gsi2, Item
from chalicelib.kernel.activity import ActivityEntry
from chalicelib.kernel.ports import Page

RETENTION_SECONDS = 366 * 24 * 3600


class ActivityItem(Item):
    entry_id = UnicodeAttribute()
    at = NumberAttribute()
    actor_kind = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_name = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()
    detail = MapAttribute(default=dict)  # type: ignore[var-annotated]
    ttl = NumberAttribute(null=True)
    # every entry is also listed under what it acted on: an order's page shows the staff actions on it
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_target = Gsi2()


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#ACTIVITY"


def target_index(tenant_id: str, target: str) -> str:
    return f"T#{tenant_id}#ACTIVITY#ON#{target}"


def _entry(tenant_id: str, i: ActivityItem) -> ActivityEntry:
    return ActivityEntry(tenant_id=tenant_id, id=i.entry_id, at=int(i.at), actor_kind=i.actor_kind,
                         actor_id=i.actor_id, actor_name=i.actor_name, action=i.action, target=i.target,
                         detail={str(k): str(v) for k, v in (i.detail.as_dict() if i.detail else {}).items()})


class DynamoActivityLog:
    def record(self, entry: ActivityEntry) -> None:
        item = ActivityItem(partition(entry.tenant_id), f"{entry.at:012d}#{entry.id}", entry_id=entry.id, at=entry.at,
                            actor_kind=entry.actor_kind, actor_id=entry.actor_id, actor_name=entry.actor_name,
                            action=entry.action, target=entry.target, detail=dict(entry.detail),
                            ttl=entry.at + RETENTION_SECONDS, gsi2pk=target_index(entry.tenant_id, entry.target),
                            gsi2sk=f"{entry.at:012d}#{entry.id}")
        try:
            item.save()
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the activity") from exc

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        last_key = None if start is None else {"pk": {"S": partition(tenant_id)}, "sk": {"S": str(start["sk"])}}
        try:
            # one more than asked: whether there is a next page, without an empty last page
            found = list(ActivityItem.query(partition(tenant_id), scan_index_forward=False, limit=limit + 1,
                                            last_evaluated_key=last_key))
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the activity") from exc
        more = len(found) > limit
        items = [_entry(tenant_id, i) for i in found[:limit]]
        return Page(items, cursors.encode({"sk": found[limit - 1].sk}) if more else None)

    def for_target(self, *, tenant_id: str, target: str, limit: int = 100) -> builtins.list[ActivityEntry]:
        """What was done to one object (an order, a product), oldest first."""
        try:
            found = ActivityItem.by_target.query(target_index(tenant_id, target), limit=limit)
            return [_entry(tenant_id, i) for i in found]
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the activity") from exc
