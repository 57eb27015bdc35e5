"""Rollup counters in the single table, counted exactly once per order and kind.

Layout, one partition per shop and month of the shop's zone, `T#<tenant>#RU#M#<yyyy-mm>`:
- `D#<dd>`: the shop's day: orders, units, refunds, buyers, new_buyers, revenue_<cur>, refunded_<cur>,
  cost_<cur>, costed_revenue_<cur>, and orders_hNN / units_hNN per hour (the weekday × hour map);
- `M#<product>`: the product's month: orders_dNN, units_dNN, revenue_<cur>_dNN per day it sold;
- `P#<dd>#<product>`: the product's day in full (as the shop's day, without the hours), day first so one day's
  products are one range.
The sort keys are chosen so one range, `D#` to `M#~`, holds the shop's days and the products' months and none of
the product days: a digest of the dashboard's closed days is made from ~31 + (products sold) items per month,
not 31 × products. The digest (`T#<tenant>#RU#DIGEST` / `DASH`, see insights.domain.digest) carries a generation
that a count landing on a day before the current one bumps in its own transaction.
Markers make the counting exact: `T#<tenant>#RU#ORD#<order>` / `<kind>` is written in the same transaction as
the counters, on condition it does not exist, so a redelivered message counts nothing twice; a distinct-buyer
marker per day (and per product-day) does the same for `buyers`. The dashboard reads the digest, today's shop
row and today's product rows (one BatchGet, one Query) whatever the number of orders; on a shop-day's first view,
or after a late count, two month partitions (two Queries) to make the digest again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.adapters.dynamo.counters import ConditionFailed, add_counters, call, marker, query_all, read_items
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Item, transaction_connection
from chalicelib.insights.domain.buyers import BuyerTotals
from chalicelib.insights.domain.digest import MAX_BYTES, Digest, StoredDigest, decode, encode
from chalicelib.insights.domain.funnel import PAID, Touch
from chalicelib.insights.domain.rollups import (
    Bucket,
    DayTotals,
    Fact,
    counters,
    from_counters,
    from_month,
    month_counters,
    months_covering,
)
from chalicelib.insights.store import buyers as buyer_items
from chalicelib.insights.store import funnel

MARKER_TTL = 400 * 24 * 3600  # a replay older than this would count again; the queue keeps messages 14 days
ATTEMPTS = 4


DIGEST_SK = "DASH"


def partition(tenant_id: str, month: str) -> str:
    return f"T#{tenant_id}#RU#M#{month}"


def digest_partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#RU#DIGEST"


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class DynamoRollupStore:
    def record(self, tenant_id: str, fact: Fact, at: Bucket, late: bool = False) -> bool:
        """Counts the fact once: False when this order's fact of this kind was counted before. `late`: it lands
        on a day before the current one, which a dashboard digest may hold already: its generation goes up."""
        pk = partition(tenant_id, at.month)
        day_sk = f"D#{at.day.day:02d}"
        product_sk = f"P#{at.day.day:02d}#{fact.product_id}"
        shop, product = counters(fact, at.hour)
        month = month_counters(fact, at.day)
        ttl = fact.at + MARKER_TTL
        order_marker = marker(f"T#{tenant_id}#RU#ORD#{fact.order_id}", fact.kind, ttl)
        # distinct buyers: one marker per buyer and day, and per buyer and product-day
        buyer_markers = [] if fact.kind != "sale" or not fact.buyer else [
            ("shop", marker(f"T#{tenant_id}#RU#B#{at.day.isoformat()}#{fact.buyer}", "DAY", ttl)),
            ("product", marker(f"T#{tenant_id}#RU#B#{at.day.isoformat()}#{fact.buyer}", f"P#{fact.product_id}", ttl))]
        buyer_update = buyer_items.counting_update(tenant_id, fact, at)
        paid = (funnel.counting_update(tenant_id, Touch(PAID, fact.product_id, fact.source, fact.device, fact.at), at)
                if fact.kind == "sale" and fact.device else None)
        others = (([add_counters(pk, f"M#{fact.product_id}", month)] if month else [])
                  + ([buyer_update] if buyer_update else []) + ([paid] if paid else [])
                  + ([add_counters(digest_partition(tenant_id), DIGEST_SK, {"gen": 1})] if late else []))
        counted = self._count(order_marker, buyer_markers, (pk, day_sk, shop), (pk, product_sk, product), others)
        if fact.kind == "sale" and fact.buyer:
            # after the count, and again on a redelivery (the min/max moves are idempotent): a crash between the
            # two leaves no buyer without their dates
            self._stretch(tenant_id, fact.buyer, fact.at)
        return counted

    def _count(self, marker: dict[str, Any], buyer_markers: list[tuple[str, dict[str, Any]]],
               shop_row: tuple[str, str, dict[str, int]], product_row: tuple[str, str, dict[str, int]],
               others: list[dict[str, Any]]) -> bool:
        """The counting transaction: the order marker, the distinct-buyer markers still new, the shop and product
        day rows and the other rows' additions."""
        for _ in range(ATTEMPTS):
            shop_add, product_add = dict(shop_row[2]), dict(product_row[2])
            for which, _put_item in buyer_markers:
                (shop_add if which == "shop" else product_add)["buyers"] = 1
            puts = [marker] + [m for _, m in buyer_markers]
            try:
                transaction_connection().transact_write_items(
                    condition_check_items=[], delete_items=[], put_items=puts,
                    update_items=[add_counters(shop_row[0], shop_row[1], shop_add),
                                  add_counters(product_row[0], product_row[1], product_add), *others])
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

    def _stretch(self, tenant_id: str, buyer: str, at: int) -> None:
        for update in buyer_items.date_updates(tenant_id, buyer, at):
            try:
                call("UpdateItem", update, "counting the buyer")
                return
            except ConditionFailed:
                continue  # the time is inside the buyer's range on that side

    def buyers(self, tenant_id: str) -> list[BuyerTotals]:
        """Every buyer aggregate of the shop (one Query, all pages): what the nightly jobs start from."""
        items = query_all({"TableName": Item.Meta.table_name, "KeyConditionExpression": "pk = :pk",
                           "ExpressionAttributeValues": {":pk": {"S": buyer_items.partition(tenant_id)}}},
                          "reading the buyers")
        return [buyer_items.to_totals(raw) for raw in items]

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
                    day, _, product = sk[2:].partition("#")
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

    def shop_days(self, tenant_id: str, first: date, last: date) -> list[DayTotals]:
        """The shop's day rows from `first` to `last`: one Query per month over `D#<dd>`..`D#<dd>`, no product
        rows (a quarter is ≤ 92 items)."""
        days: list[DayTotals] = []
        for month in months_covering(first, last):
            year, mon = (int(x) for x in month.split("-"))
            lo = first.day if (first.year, first.month) == (year, mon) else 1
            hi = last.day if (last.year, last.month) == (year, mon) else 31
            days += [from_counters(date(year, mon, int(sk[2:])), None, values)
                     for sk, values in self._items(tenant_id, month, (f"D#{lo:02d}", f"D#{hi:02d}"))]
        return days

    def today(self, tenant_id: str, day: date) -> tuple[StoredDigest, DayTotals | None, list[DayTotals]]:
        """The dashboard digest and the day's own rows: one BatchGet (the digest, the shop's day) and one Query
        (the day's product rows, `P#<dd>#`)."""
        pk, sk = partition(tenant_id, _month(day)), f"D#{day.day:02d}"
        found = read_items([(digest_partition(tenant_id), DIGEST_SK), (pk, sk)], "reading the sales rollups",
                           consistent=False)
        stored, shop = StoredDigest(None, 0, 0), None
        for raw in found:
            if raw["pk"]["S"] == pk:
                shop = from_counters(day, None, {k: int(v["N"]) for k, v in raw.items() if "N" in v})
            else:
                body = raw.get("body", {}).get("B")
                stored = StoredDigest(decode(body) if body else None, int(raw.get("built_gen", {}).get("N", 0)),
                                      int(raw.get("gen", {}).get("N", 0)))
        prefix = f"P#{day.day:02d}#"
        products = [from_counters(day, sk[len(prefix):], values)
                    for sk, values in self._items(tenant_id, _month(day), (prefix, prefix + "~"))]
        return stored, shop, products

    def save_digest(self, tenant_id: str, digest: Digest, gen: int) -> bool:
        """Keeps the digest made at generation `gen`; False when a late count has moved the generation since (the
        next view makes it again) or it is too large to keep."""
        body = encode(digest)
        if len(body) > MAX_BYTES:
            return False
        values: dict[str, Any] = {":b": {"B": body}, ":d": {"S": digest.day.isoformat()}, ":g": {"N": str(gen)}}
        if gen:
            condition = "gen = :g"
        else:  # no late count yet: nothing has set the generation
            condition, values[":zero"] = "attribute_not_exists(gen) OR gen = :zero", {"N": "0"}
        try:
            call("UpdateItem", {
                "TableName": Item.Meta.table_name,
                "Key": {"pk": {"S": digest_partition(tenant_id)}, "sk": {"S": DIGEST_SK}},
                "UpdateExpression": "SET body = :b, #day = :d, built_gen = :g",
                "ExpressionAttributeNames": {"#day": "day"},
                # the generation read before the rollups: a late count since then leaves the digest unsaved
                "ConditionExpression": condition, "ExpressionAttributeValues": values}, "keeping the dashboard digest")
        except ConditionFailed:
            return False
        return True

    def _items(self, tenant_id: str, month: str,
               between: tuple[str, str] | None) -> list[tuple[str, dict[str, int]]]:
        # counter names are data (one per currency, hour and day), not model attributes: the low-level dispatch
        values: dict[str, Any] = {":pk": {"S": partition(tenant_id, month)}}
        condition = "pk = :pk"
        if between:
            condition += " AND sk BETWEEN :lo AND :hi"
            values.update({":lo": {"S": between[0]}, ":hi": {"S": between[1]}})
        items = query_all({"TableName": Item.Meta.table_name, "KeyConditionExpression": condition,
                           "ExpressionAttributeValues": values}, "reading the sales rollups")
        return [(raw["sk"]["S"], {k: int(v["N"]) for k, v in raw.items() if "N" in v}) for raw in items]
