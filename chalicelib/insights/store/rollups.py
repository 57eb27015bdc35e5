"""Rollup counters in the single table, counted exactly once per order and kind.

Layout, one partition per shop and month of the shop's zone, `T#<tenant>#RU#M#<yyyy-mm>`:
- `D#<dd>`: the shop's day: orders, units, refunds, buyers, new_buyers, revenue_<cur>, refunded_<cur>,
  cost_<cur>, costed_revenue_<cur>, and orders_hNN / units_hNN per hour (the weekday × hour map);
- `M#<product>`: the product's month: orders_dNN, units_dNN, revenue_<cur>_dNN per day it sold;
- `P#<product>#D#<dd>`: the product's day in full (as the shop's day, without the hours).
The sort keys are chosen so one range, `D#` to `M#~`, holds the shop's days and the products' months and none of
the product days: the dashboard reads ~31 + (products sold) items per month, not 31 × products.
Markers make the counting exact: `T#<tenant>#RU#ORD#<order>` / `<kind>` is written in the same transaction as
the counters, on condition it does not exist, so a redelivered message counts nothing twice; a distinct-buyer
marker per day (and per product-day) does the same for `buyers`. The dashboard reads two month partitions
(two Queries) whatever the number of orders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Item, transaction_connection
from chalicelib.insights.domain.rollups import (
    Bucket,
    DayTotals,
    Fact,
    counters,
    from_counters,
    from_month,
    month_counters,
)

MARKER_TTL = 400 * 24 * 3600  # a replay older than this would count again; the queue keeps messages 14 days
ATTEMPTS = 4


def partition(tenant_id: str, month: str) -> str:
    return f"T#{tenant_id}#RU#M#{month}"


def _put(pk: str, sk: str, ttl: int) -> dict[str, Any]:
    # attribute_not_exists(pk): the marker is the "counted already" flag; its write is what may fail
    return {"TableName": Item.Meta.table_name, "Item": {"pk": {"S": pk}, "sk": {"S": sk}, "ttl": {"N": str(ttl)}},
            "ConditionExpression": "attribute_not_exists(pk)"}


def _add(pk: str, sk: str, values: dict[str, int]) -> dict[str, Any]:
    names = {f"#a{i}": name for i, name in enumerate(sorted(values))}
    return {"TableName": Item.Meta.table_name, "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            # ADD creates a missing counter at 0: no read, no ensure step, any currency
            "UpdateExpression": "ADD " + ", ".join(f"{alias} :v{i}" for i, alias in enumerate(names)),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {f":v{i}": {"N": str(values[n])} for i, n in enumerate(names.values())}}


class DynamoRollupStore:
    def record(self, tenant_id: str, fact: Fact, at: Bucket) -> bool:
        """Counts the fact once: False when this order's fact of this kind was counted before."""
        pk = partition(tenant_id, at.month)
        day_sk = f"D#{at.day.day:02d}"
        product_sk = f"P#{fact.product_id}#D#{at.day.day:02d}"
        shop, product = counters(fact, at.hour)
        month = month_counters(fact, at.day)
        ttl = fact.at + MARKER_TTL
        marker = _put(f"T#{tenant_id}#RU#ORD#{fact.order_id}", fact.kind, ttl)
        # distinct buyers: one marker per buyer and day, and per buyer and product-day
        buyer_markers = [] if fact.kind != "sale" or not fact.buyer else [
            ("shop", _put(f"T#{tenant_id}#RU#B#{at.day.isoformat()}#{fact.buyer}", "DAY", ttl)),
            ("product", _put(f"T#{tenant_id}#RU#B#{at.day.isoformat()}#{fact.buyer}", f"P#{fact.product_id}", ttl))]
        for _ in range(ATTEMPTS):
            shop_add, product_add = dict(shop), dict(product)
            for which, _put_item in buyer_markers:
                (shop_add if which == "shop" else product_add)["buyers"] = 1
            puts = [marker] + [m for _, m in buyer_markers]
            try:
                transaction_connection().transact_write_items(
                    condition_check_items=[], delete_items=[], put_items=puts,
                    update_items=[_add(pk, day_sk, shop_add), _add(pk, product_sk, product_add)]
                    + ([_add(pk, f"M#{fact.product_id}", month)] if month else []))
                return True
            except TransactWriteError as exc:
                reasons = [r.code if r else None for r in exc.cancellation_reasons]
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return False  # counted before: a replayed or redelivered message
                # a buyer already counted that day (or product-day): count the rest without that marker
                failed = {i - 1 for i, code in enumerate(reasons[:len(puts)]) if code == "ConditionalCheckFailed"}
                if failed:
                    buyer_markers = [m for i, m in enumerate(buyer_markers) if i not in failed]
                    continue
                if "TransactionConflict" in reasons:
                    continue  # a concurrent count of the same day: try again
                raise unavailable(exc, "counting the sale") from exc
            except PynamoDBException as exc:
                raise unavailable(exc, "counting the sale") from exc
        raise unavailable(RuntimeError("busy"), "counting the sale")

    def months(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]:
        """The shop's day rows and the full product-day rows of these months (one Query each, all pages)."""
        shop_days: list[DayTotals] = []
        product_days: list[DayTotals] = []
        for month in months:
            year, mon = (int(x) for x in month.split("-"))
            for sk, values in self._items(tenant_id, month, None):
                if sk.startswith("D#"):
                    shop_days.append(from_counters(date(year, mon, int(sk[2:])), None, values))
                elif sk.startswith("P#"):
                    product, _, day = sk[2:].rpartition("#D#")
                    product_days.append(from_counters(date(year, mon, int(day)), product, values))
        return shop_days, product_days

    def summary(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]:
        """The shop's days and each product's days (orders, units, revenue) from its month row: what the
        dashboard needs, one Query per month over `D#`..`M#~` (the product days are not read)."""
        shop_days: list[DayTotals] = []
        product_days: list[DayTotals] = []
        for month in months:
            year, mon = (int(x) for x in month.split("-"))
            for sk, values in self._items(tenant_id, month, ("D#", "M#~")):
                if sk.startswith("D#"):
                    shop_days.append(from_counters(date(year, mon, int(sk[2:])), None, values))
                else:
                    product_days.extend(from_month(month, sk[2:], values))
        return shop_days, product_days

    def _items(self, tenant_id: str, month: str,
               between: tuple[str, str] | None) -> list[tuple[str, dict[str, int]]]:
        # PynamoDB's low-level dispatch (its retries, signals and error types): counter names are data (one
        # per currency, hour and day), not model attributes
        conn = transaction_connection()
        found: list[tuple[str, dict[str, int]]] = []
        start: dict[str, Any] | None = None
        values: dict[str, Any] = {":pk": {"S": partition(tenant_id, month)}}
        condition = "pk = :pk"
        if between:
            condition += " AND sk BETWEEN :lo AND :hi"
            values.update({":lo": {"S": between[0]}, ":hi": {"S": between[1]}})
        while True:
            query: dict[str, Any] = {"TableName": Item.Meta.table_name, "KeyConditionExpression": condition,
                                     "ExpressionAttributeValues": values}
            if start:
                query["ExclusiveStartKey"] = start
            try:
                page = conn.dispatch("Query", query)
            except PynamoDBException as exc:
                raise unavailable(exc, "reading the sales rollups") from exc
            found += [(raw["sk"]["S"], {k: int(v["N"]) for k, v in raw.items() if "N" in v})
                      for raw in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found
