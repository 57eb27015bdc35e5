"""The per-buyer aggregates insights keeps for the nightly jobs (segments, co-purchase rules).

Layout: one partition per shop, `T#<tenant>#RU#BUY`, one item per buyer (sort key: the customer id) with
`orders`, `spent_<cur>`, `s_<yyyy-mm>_<cur>` (spend per month of the shop's zone), `a_<yyyy-mm>` (sales that
month), `p` (the products bought, a string set), `email`, `first` and `last` (epoch seconds). The counters move
in the rollups' counting transaction, behind its order marker, so a sale or refund counts once; `first` and
`last` move after it by conditional min/max updates, which are idempotent, so a retry may safely repeat them.
A nightly job reads the partition whole: about 300 bytes per buyer, 20,000 buyers ≈ 750 read units.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo.counters import add_counters
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.buyers import BuyerTotals
from chalicelib.insights.domain.rollups import SALE, Bucket, Fact


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#RU#BUY"


def counting_update(tenant_id: str, fact: Fact, at: Bucket) -> dict[str, Any] | None:
    """The buyer aggregate's share of a fact's counting transaction (None: the fact names no buyer)."""
    if not fact.buyer:
        return None
    cur = fact.currency
    if fact.kind == SALE:
        month = at.month
        adds = {"orders": 1, f"spent_{cur}": fact.amount, f"s_{month}_{cur}": fact.amount, f"a_{month}": 1}
    else:
        # a refund takes its spend back from the month its sale counted in
        adds = {f"spent_{cur}": -fact.amount, f"s_{fact.sold_month or at.month}_{cur}": -fact.amount}
    update = add_counters(partition(tenant_id), fact.buyer, adds)
    values = update["ExpressionAttributeValues"]
    if fact.kind == SALE:
        update["UpdateExpression"] += ", p :p"  # a set ADD is idempotent by itself
        values[":p"] = {"SS": [fact.product_id]}
    if fact.email:
        update["UpdateExpression"] += " SET email = :e"
        values[":e"] = {"S": fact.email.strip().lower()}
    return update

def date_updates(tenant_id: str, buyer: str, at: int) -> list[dict[str, Any]]:
    """The conditional updates that move `last` (and `first` on a first sale) out to a sale's time, then `first`
    back to it: tried in turn, each may find its condition false (the time is inside the range already)."""
    key = {"pk": {"S": partition(tenant_id)}, "sk": {"S": buyer}}
    base = {"TableName": Item.Meta.table_name, "Key": key, "ExpressionAttributeValues": {":t": {"N": str(at)}}}
    return [
        # live sales arrive in time order: this one usually applies and the second is not needed
        {**base, "UpdateExpression": "SET #l = :t, #f = if_not_exists(#f, :t)",
         "ExpressionAttributeNames": {"#l": "last", "#f": "first"},
         "ConditionExpression": "attribute_not_exists(#l) OR #l < :t"},
        # an older sale (a redelivery, an imported history in any order) can only move the first time back
        {**base, "UpdateExpression": "SET #f = :t", "ExpressionAttributeNames": {"#f": "first"},
         "ConditionExpression": "#f > :t"},
    ]


def to_totals(raw: dict[str, Any]) -> BuyerTotals:
    """A stored aggregate (DynamoDB JSON) back into BuyerTotals; unknown attributes ignored."""
    spent: dict[str, int] = {}
    monthly: dict[tuple[str, str], int] = {}
    active: set[str] = set()
    for name, value in raw.items():
        if "N" not in value:
            continue
        number = int(value["N"])
        if name.startswith("spent_"):
            spent[name[6:]] = number
        elif name.startswith("s_") and name.count("_") == 2:
            _, month, cur = name.split("_")
            monthly[(month, cur)] = number
        elif name.startswith("a_") and number > 0:
            active.add(name[2:])
    return BuyerTotals(buyer=raw["sk"]["S"], email=raw.get("email", {}).get("S", ""),
                       first_at=int(raw.get("first", {}).get("N", 0)), last_at=int(raw.get("last", {}).get("N", 0)),
                       orders=int(raw.get("orders", {}).get("N", 0)), spent=spent, monthly=monthly,
                       months_active=frozenset(active), products=frozenset(raw.get("p", {}).get("SS", [])))
