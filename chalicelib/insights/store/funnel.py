"""Funnel counters: one row per shop, day and product in the shop's month partition of the rollups,
`T#<tenant>#RU#M#<yyyy-mm>` / `V#<dd>#<product or ->`, with `<step>|<device>|<channel>` and `<step>|hNN` counters.

The `V#` rows sort after the day rows, the product months and the product days, so none of the dashboard's reads
(`D#`..`M#~`, `P#<dd>#`) meets them. A view is at most one UpdateItem: with `flush_seconds` > 0 a container adds
its touches up in memory and writes each row's sum once the oldest is that old (a flash sale's thousand views a
second become a handful of writes; a container that dies loses at most those seconds of views, which a funnel
can spare and an order count could not — orders are counted apart, exactly). The payment step counts once per
order: behind the rollups' order marker (`T#<tenant>#RU#ORD#<order>` / `pay`) in one transaction; the paid step
is counted in the sale's own counting transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from chalicelib.adapters.dynamo.counters import add_counters, call, marker, once, query_all
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.funnel import FunnelCounts, Touch, from_row, merge, touch_counters
from chalicelib.insights.domain.rollups import Bucket, months_covering

MARKER_TTL = 400 * 24 * 3600
BUFFER_MAX = 200  # touches held before a write whatever their age


def partition(tenant_id: str, month: str) -> str:
    return f"T#{tenant_id}#RU#M#{month}"


def row_key(tenant_id: str, touch: Touch, at: Bucket) -> tuple[str, str]:
    return partition(tenant_id, at.month), f"V#{at.day.day:02d}#{touch.product_id}"


def counting_update(tenant_id: str, touch: Touch, at: Bucket) -> dict[str, Any]:
    """The touch's addition, for a transaction the caller owns (the paid step rides in the sale's count)."""
    return add_counters(*row_key(tenant_id, touch, at), touch_counters(touch, at.hour))


class DynamoFunnelStore:
    def __init__(self, flush_seconds: float = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self._flush_seconds = flush_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], dict[str, int]] = {}
        self._held_count = 0
        self._since = 0.0

    def add(self, tenant_id: str, touch: Touch, at: Bucket) -> None:
        """Counts a view or a checkout: written now, or with the container's other touches of the last seconds."""
        key = row_key(tenant_id, touch, at)
        with self._lock:
            if not self._held:
                self._since = self._clock()
            row = self._held.setdefault(key, {})
            for name, n in touch_counters(touch, at.hour).items():
                row[name] = row.get(name, 0) + n
            self._held_count += 1
            due = self._held_count >= BUFFER_MAX or self._clock() - self._since >= self._flush_seconds
            taken = self._take() if due else {}
        self._write(taken)

    def flush(self) -> None:
        """Writes what this container holds (the worker calls it before it sleeps; tests before they read)."""
        with self._lock:
            taken = self._take()
        self._write(taken)

    def _take(self) -> dict[tuple[str, str], dict[str, int]]:
        taken, self._held, self._held_count = self._held, {}, 0
        return taken

    def _write(self, rows: dict[tuple[str, str], dict[str, int]]) -> None:
        for (pk, sk), values in rows.items():
            call("UpdateItem", add_counters(pk, sk, values), "counting the funnel")

    def add_once(self, tenant_id: str, order_id: str, touch: Touch, at: Bucket) -> bool:
        """Counts the order's payment step once, whatever the number of attempts: False when counted before."""
        # the marker is the "counted already" flag of this order's step
        return once(marker(f"T#{tenant_id}#RU#ORD#{order_id}", touch.step, touch.at + MARKER_TTL),
                    [counting_update(tenant_id, touch, at)], "counting the funnel")

    def counts(self, tenant_id: str, first: date, last: date, product_id: str | None = None) -> FunnelCounts:
        """The funnel rows of the days `first`..`last` (one Query per month), of one product or all."""
        rows: list[FunnelCounts] = []
        for month in months_covering(first, last):
            year, mon = (int(x) for x in month.split("-"))
            lo = first.day if (first.year, first.month) == (year, mon) else 1
            hi = last.day if (last.year, last.month) == (year, mon) else 31
            items = query_all({"TableName": Item.Meta.table_name,
                               "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                               "ExpressionAttributeValues": {":pk": {"S": partition(tenant_id, month)},
                                                             ":lo": {"S": f"V#{lo:02d}#"},
                                                             ":hi": {"S": f"V#{hi:02d}#~"}}},
                              "reading the funnel")
            for raw in items:
                product = raw["sk"]["S"].split("#", 2)[2]
                if product_id is None or product == product_id:
                    rows.append(from_row({k: int(v["N"]) for k, v in raw.items() if "N" in v}))
        return merge(rows)
