"""The nightly stock outlooks of a shop (each product's forecast and recent units), kept for the stock pages.

Layout, partition `T#<tenant>#FC`: `C#<nnnn>` chunks of CHUNK products each (compressed, ~25 KB), then `RUN`, the
pointer naming the day and the number of chunks, written last so a reader never mixes two runs. A run with fewer
chunks than the last leaves the extra ones unread (the pointer bounds what is read)."""

from __future__ import annotations

from datetime import date

from chalicelib.adapters.dynamo.counters import call, read_items
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.stock_outlook import Outlook, decode, encode

CHUNK = 400


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#FC"


class DynamoOutlookStore:
    def save(self, tenant_id: str, day: date, outlooks: list[Outlook]) -> None:
        pk = partition(tenant_id)
        chunks = (len(outlooks) + CHUNK - 1) // CHUNK
        for n in range(chunks):
            body = encode(day, outlooks[n * CHUNK:(n + 1) * CHUNK])
            call("PutItem", {"TableName": Item.Meta.table_name,
                             "Item": {"pk": {"S": pk}, "sk": {"S": f"C#{n:04d}"}, "body": {"B": body}}},
                 "keeping the stock outlook")
        call("PutItem", {"TableName": Item.Meta.table_name,
                         "Item": {"pk": {"S": pk}, "sk": {"S": "RUN"}, "day": {"S": day.isoformat()},
                                  "chunks": {"N": str(chunks)}}}, "keeping the stock outlook")

    def load(self, tenant_id: str) -> tuple[date | None, dict[str, Outlook]]:
        """The last run's day (None: never run) and every product's outlook: a read of the pointer, one BatchGet."""
        pk = partition(tenant_id)
        pointer = read_items([(pk, "RUN")], "reading the stock outlook", consistent=False)
        if not pointer:
            return None, {}
        chunks = int(pointer[0]["chunks"]["N"])
        found: dict[str, Outlook] = {}
        for raw in read_items([(pk, f"C#{n:04d}") for n in range(chunks)], "reading the stock outlook",
                              consistent=False):
            found.update(decode(raw["body"]["B"])[1])
        return date.fromisoformat(pointer[0]["day"]["S"]), found
