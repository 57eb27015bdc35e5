"""History imports: the job and its chunks of parsed orders, counted one queue message per chunk.

Layout, partition `T#<tenant>#HIST`: `J#<job>` the job (orders, skipped, chunks, `done` counted so far), written
after its chunks `K#<job>#<nnnn>` (CHUNK orders each, compressed JSON, kept 30 days); `D#<job>#<nnnn>` marks a
chunk counted, put in the same transaction that adds it to `done`, so a redelivered message counts nothing twice
(the orders themselves are counted once each by the rollups' order markers in any case)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from chalicelib.adapters.dynamo.counters import call, marker, once, query_all, read_items
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.history_import import CHUNK, HistoricOrder, ImportJob

TTL = 30 * 24 * 3600


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#HIST"


def _job(raw: dict[str, Any]) -> ImportJob:
    def n(name: str) -> int | None:
        return int(raw[name]["N"]) if name in raw else None

    return ImportJob(raw["sk"]["S"][2:], n("created_at") or 0, n("orders") or 0, n("skipped") or 0,
                     n("chunks") or 0, n("done") or 0, n("first_at"), n("last_at"))


class DynamoHistoryStore:
    def save(self, tenant_id: str, job: ImportJob, orders: list[HistoricOrder]) -> None:
        pk, ttl = partition(tenant_id), str(job.created_at + TTL)
        for n in range(job.chunks):
            part = [[o.id, o.at, o.product_id, o.quantity, o.amount, o.currency, o.email, o.first]
                    for o in orders[n * CHUNK:(n + 1) * CHUNK]]
            call("PutItem", {"TableName": Item.Meta.table_name, "Item": {
                "pk": {"S": pk}, "sk": {"S": f"K#{job.id}#{n:04d}"}, "ttl": {"N": ttl},
                "body": {"B": zlib.compress(json.dumps(part, separators=(",", ":")).encode(), 6)}}},
                "keeping the import")
        item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": f"J#{job.id}"}, "ttl": {"N": ttl},
                                **{k: {"N": str(v)} for k, v in (("created_at", job.created_at), ("orders", job.orders),
                                                                 ("skipped", job.skipped), ("chunks", job.chunks),
                                                                 ("done", 0), ("first_at", job.first_at),
                                                                 ("last_at", job.last_at)) if v is not None}}
        call("PutItem", {"TableName": Item.Meta.table_name, "Item": item}, "keeping the import")

    def chunk(self, tenant_id: str, job_id: str, n: int) -> list[HistoricOrder]:
        found = read_items([(partition(tenant_id), f"K#{job_id}#{n:04d}")], "reading the import", consistent=True)
        if not found:
            return []
        # a chunk kept before `first` was stored has seven fields: its orders count as returning, as they did
        return [HistoricOrder(*row) for row in json.loads(zlib.decompress(found[0]["body"]["B"]))]

    def counted(self, tenant_id: str, job_id: str, n: int, now: int) -> bool:
        """Marks the chunk counted and adds it to the job's `done`; False when it was counted before."""
        pk = partition(tenant_id)
        # the marker is the chunk's "counted already" flag
        return once(marker(pk, f"D#{job_id}#{n:04d}", now + TTL),
                    [{"TableName": Item.Meta.table_name, "Key": {"pk": {"S": pk}, "sk": {"S": f"J#{job_id}"}},
                      "UpdateExpression": "ADD done :one", "ExpressionAttributeValues": {":one": {"N": "1"}},
                      "ConditionExpression": "attribute_exists(pk)"}], "counting the import")

    def get(self, tenant_id: str, job_id: str) -> ImportJob | None:
        found = read_items([(partition(tenant_id), f"J#{job_id}")], "reading the import", consistent=True)
        return _job(found[0]) if found else None

    def recent(self, tenant_id: str, limit: int = 10) -> list[ImportJob]:
        """The latest jobs, newest first (job ids sort by time)."""
        items = query_all({"TableName": Item.Meta.table_name,
                           "KeyConditionExpression": "pk = :pk AND begins_with(sk, :j)",
                           "ExpressionAttributeValues": {":pk": {"S": partition(tenant_id)}, ":j": {"S": "J#"}}},
                          "reading the imports")
        jobs = [_job(raw) for raw in items]
        return sorted(jobs, key=lambda j: j.id, reverse=True)[:limit]
