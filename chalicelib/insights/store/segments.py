"""The nightly segment runs and co-purchase rules of a shop, kept for the pages and the API to read.

Layout, partition `T#<tenant>#SEG`:
- `M#<day>#<segment>#<nnnn>`: one chunk of a segment's member rows (the export's columns, biggest spenders first),
  at most CHUNK rows, zlib-compressed JSON (a 1,000-row chunk is ~40 KB, far under the 400 KB item limit);
  kept 3 days (TTL), so a reader paging through yesterday's run finishes it.
- `S#<day>`: that night's size of every segment (the history the charts draw), kept 400 days.
- `RUN`: which day's run is whole, with its chunk counts, currency and thresholds. It is written last, after every
  chunk of the run, so a reader never sees a run half-written; running the job again the same day writes the same
  items over themselves.
Partition `T#<tenant>#REC` / `RULES`: every product's co-purchase rules, one compressed item the storefront keeps
for minutes per server (one read per shop and TTL, not per view).
"""

from __future__ import annotations

import json
import zlib
from datetime import date
from typing import Any

from chalicelib.adapters.dynamo.counters import call, query_all, read_items
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.copurchase import Rule

CHUNK = 1000
CHUNK_TTL = 3 * 24 * 3600
SIZES_TTL = 400 * 24 * 3600


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#SEG"


def rules_partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#REC"


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def _unpack(raw: dict[str, Any]) -> Any:
    return json.loads(zlib.decompress(raw["body"]["B"]))


def _put(pk: str, sk: str, attributes: dict[str, Any], what: str) -> None:
    call("PutItem", {"TableName": Item.Meta.table_name,
                     "Item": {"pk": {"S": pk}, "sk": {"S": sk}, **attributes}}, what)


class DynamoSegmentStore:
    def save_run(self, tenant_id: str, *, day: date, now: int, currency: str, thresholds: dict[str, int],
                 sizes: dict[str, int], members: dict[str, list[list[str]]]) -> None:
        """Keeps one night's run: the chunks of every segment, the sizes, then the pointer that makes it current."""
        pk, d = partition(tenant_id), day.isoformat()
        chunks: dict[str, int] = {}
        for segment, rows in members.items():
            chunks[segment] = (len(rows) + CHUNK - 1) // CHUNK
            for n in range(chunks[segment]):
                _put(pk, f"M#{d}#{segment}#{n:04d}", {"body": {"B": _pack(rows[n * CHUNK:(n + 1) * CHUNK])},
                                                      "ttl": {"N": str(now + CHUNK_TTL)}}, "keeping the segments")
        _put(pk, f"S#{d}", {"body": {"B": _pack(sizes)}, "ttl": {"N": str(now + SIZES_TTL)}}, "keeping the segments")
        _put(pk, "RUN", {"body": {"B": _pack({"day": d, "at": now, "currency": currency, "chunks": chunks,
                                              "thresholds": thresholds, "sizes": sizes})}},
             "keeping the segments")

    def latest(self, tenant_id: str) -> dict[str, Any] | None:
        """The current run's pointer (day, at, currency, chunks, thresholds, sizes), None before the first run."""
        found = read_items([(partition(tenant_id), "RUN")], "reading the segments", consistent=False)
        return _unpack(found[0]) if found else None

    def chunk(self, tenant_id: str, day: str, segment: str, n: int) -> list[list[str]]:
        """One chunk of a run's member rows ([] when the run has no such chunk, or it has expired)."""
        found = read_items([(partition(tenant_id), f"M#{day}#{segment}#{n:04d}")], "reading the segments",
                           consistent=False)
        return list(_unpack(found[0])) if found else []

    def sizes(self, tenant_id: str, first: date, last: date) -> list[tuple[date, dict[str, int]]]:
        """Each night's sizes from `first` to `last` (one Query)."""
        items = query_all({"TableName": Item.Meta.table_name,
                           "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                           "ExpressionAttributeValues": {":pk": {"S": partition(tenant_id)},
                                                         ":lo": {"S": f"S#{first.isoformat()}"},
                                                         ":hi": {"S": f"S#{last.isoformat()}"}}},
                          "reading the segment sizes")
        return [(date.fromisoformat(raw["sk"]["S"][2:]), dict(_unpack(raw))) for raw in items]

    def save_rules(self, tenant_id: str, *, day: date, found: dict[str, list[Rule]]) -> None:
        body = {product: [[r.consequent, r.support, r.confidence, r.lift, r.count] for r in rules]
                for product, rules in found.items()}
        _put(rules_partition(tenant_id), "RULES", {"body": {"B": _pack({"day": day.isoformat(), "rules": body})}},
             "keeping the recommendations")

    def rules(self, tenant_id: str) -> tuple[str | None, dict[str, list[Rule]]]:
        """The day the rules were made (None: never) and every product's rules."""
        found = read_items([(rules_partition(tenant_id), "RULES")], "reading the recommendations", consistent=False)
        if not found:
            return None, {}
        body = _unpack(found[0])
        return body["day"], {product: [Rule(product, c, s, conf, lift, n) for c, s, conf, lift, n in rules]
                             for product, rules in body["rules"].items()}
