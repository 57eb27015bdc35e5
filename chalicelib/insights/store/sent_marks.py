"""Marks that a periodic message (the weekly slow-mover digest, a report) went out for a period, so a job run twice
sends it once. Layout: `T#<tenant>#SENT` / `<kind>#<period>`, `state` pending → sent, kept 400 days.

A run claims the period (put on condition the mark does not exist, as `pending`), sends, then marks it `sent`; a
run that finds it `pending` (the last one failed between the two) sends again. So a message may go twice only when
a run dies between sending and marking, and is never lost."""

from __future__ import annotations

from chalicelib.adapters.dynamo.counters import ConditionFailed, call, read_items
from chalicelib.adapters.dynamo.items import Item

TTL = 400 * 24 * 3600


def _key(tenant_id: str, kind: str, period: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"T#{tenant_id}#SENT"}, "sk": {"S": f"{kind}#{period}"}}


class DynamoSentMarks:
    def claim(self, tenant_id: str, kind: str, period: str, now: int) -> bool:
        """True when this run is to send (the period is new, or a run before did not finish)."""
        try:
            call("PutItem", {"TableName": Item.Meta.table_name,
                             "Item": {**_key(tenant_id, kind, period), "state": {"S": "pending"},
                                      "ttl": {"N": str(now + TTL)}},
                             "ConditionExpression": "attribute_not_exists(pk)"}, "marking the digest")
            return True
        except ConditionFailed:
            found = read_items([(f"T#{tenant_id}#SENT", f"{kind}#{period}")], "reading the digest mark",
                               consistent=True)
            return bool(found) and found[0].get("state", {}).get("S") == "pending"

    def sent(self, tenant_id: str, kind: str, period: str) -> None:
        call("UpdateItem", {"TableName": Item.Meta.table_name, "Key": _key(tenant_id, kind, period),
                            "UpdateExpression": "SET #s = :sent", "ExpressionAttributeNames": {"#s": "state"},
                            "ExpressionAttributeValues": {":sent": {"S": "sent"}}}, "marking the digest")
