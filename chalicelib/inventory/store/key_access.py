"""The key-access record: every reveal and export of plaintext keys, newest first, in the tenant's log."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Item
from chalicelib.inventory.domain.keys import KeyAccess
from chalicelib.kernel.ports import Page


class KeyAccessItem(Item):
    action = UnicodeAttribute()
    product_id = UnicodeAttribute()
    key_id = UnicodeAttribute(null=True)
    key_count = NumberAttribute()  # not `count`: that name is Model.count()
    api_key_id = UnicodeAttribute()
    api_key_name = UnicodeAttribute(default="")
    request_id = UnicodeAttribute(default="")
    reason = UnicodeAttribute(null=True)
    actor_kind = UnicodeAttribute(null=True)
    created_at = NumberAttribute()


def _pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#KEYACCESS"


class DynamoKeyAccessLog:
    def record(self, entry: KeyAccess) -> None:
        e = entry
        try:
            # Ids are fresh ULIDs (sortable by time): the log only ever grows, nothing is overwritten.
            KeyAccessItem(_pk(e.tenant_id), e.id, action=e.action, product_id=e.product_id, key_id=e.key_id,
                          key_count=e.count, api_key_id=e.api_key_id, api_key_name=e.api_key_name,
                          request_id=e.request_id, created_at=e.created_at, reason=e.reason or None,
                          actor_kind=e.actor_kind).save(
                condition=KeyAccessItem.sk.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the key access") from exc

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        after = {"pk": {"S": _pk(tenant_id)}, "sk": {"S": str(start["sk"])}} if start is not None else None
        try:
            found = list(KeyAccessItem.query(_pk(tenant_id), limit=limit + 1, last_evaluated_key=after,
                                             scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing key access") from exc
        more = len(found) > limit
        items = [KeyAccess(tenant_id=tenant_id, id=i.sk, action=i.action, product_id=i.product_id,
                           key_id=i.key_id, count=int(i.key_count), api_key_id=i.api_key_id,
                           api_key_name=i.api_key_name or "", request_id=i.request_id or "", reason=i.reason or "",
                           actor_kind=i.actor_kind or "api_key",
                           created_at=int(i.created_at)) for i in found[:limit]]
        return Page(items, cursors.encode({"sk": found[limit - 1].sk}) if more else None)
