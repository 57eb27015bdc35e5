"""The merchant's order listing: newest first, date range as a key condition, filters with a read budget.

Why these choices (the table has gsi1 for due work and gsi2 for per-tenant listings, nothing else):
- Date range: gsi2 sorts a tenant's orders by `<created_at:012d>#<order_id>`, so `created_gte` and
  `created_lt` narrow the Query's key condition: a range costs what it returns, never a scan.
- E-mail: every order also has an entry in its buyer's partition (store/customers.py), written with
  the order. `?email=` reads that one partition (newest first, same date range) and fetches the orders
  with one BatchGet: cost grows with that buyer's orders, not the shop's.
- Status and product: a FilterExpression on the listing. Dedicated index items would have to move on
  every status change inside the sale transaction (more writes on the hot path, which is not ours to
  slow), and a product's share of orders is usually large, where a filter wastes little. The price is
  that skipped items are still read: one request reads at most READ_BUDGET orders; when it stops there
  the page may be short (even empty) and carries a cursor. `has_more` is false only when the listing is
  really exhausted, and true when a next matching order was seen or the budget stopped the search.
"""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import OrderItem
from chalicelib.kernel.errors import InvalidRequest
from chalicelib.kernel.ports import Page
from chalicelib.sales.domain.models import Order
from chalicelib.sales.domain.orders import OrderQuery, customer_id
from chalicelib.sales.store.customers import CustomerOrderItem, partition, position

READ_BUDGET = 1000  # orders examined per request when filtering (about 75 RCU at ~600 bytes each)
FILTER_PAGE = 200  # Query page size when a filter may drop items
POSITION_RE = re.compile(r"^(\d{12})#([A-Za-z0-9_]{1,64})$")
HIGH = "~"  # sorts above every position suffix


def search(*, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Page:
    start = _start(cursor)
    if query.email is not None:
        return _by_email(tenant_id, query, limit, start)
    return _by_listing(tenant_id, query, limit, start)


def _start(cursor: str | None) -> str | None:
    decoded = cursors.decode(cursor, expect=("sk",))
    if decoded is None:
        return None
    sk = str(decoded["sk"])
    if not POSITION_RE.fullmatch(sk):
        raise InvalidRequest("cursor is not one this API returned", param="cursor")
    return sk


def _bounds(query: OrderQuery, prefix: str) -> tuple[str, str]:
    """Inclusive key range [lo, hi] covering created_gte <= created_at < created_lt."""
    # DynamoDB refuses an empty key value: "0" is below every 12-digit time
    lo = f"{prefix}{query.created_gte:012d}#" if query.created_gte is not None else f"{prefix}0"
    hi = f"{prefix}{query.created_lt - 1:012d}#{HIGH}" if query.created_lt is not None else prefix + HIGH
    return lo, hi


def _matches(order: Order, query: OrderQuery) -> bool:
    return ((query.status is None or order.status == query.status)
            and (query.product_id is None or order.product_id == query.product_id))


def _filter(query: OrderQuery) -> Any:
    cond = None
    if query.status is not None:
        cond = OrderItem.status == query.status.value
    if query.product_id is not None:
        by_product = OrderItem.product_id == query.product_id
        cond = by_product if cond is None else cond & by_product
    return cond


def _by_listing(tenant_id: str, query: OrderQuery, limit: int, start: str | None) -> Page:
    from chalicelib.sales.store.orders import to_order

    lo, hi = _bounds(query, "")
    if start is not None:
        hi = min(hi, start)  # resume below the cursor (ExclusiveStartKey does the exact exclusion)
    if lo > hi:
        return Page([], None)
    last_key: dict[str, Any] | None = None
    if start is not None:
        order_id = start.split("#", 1)[1]
        last_key = {"pk": {"S": keys.order(tenant_id, order_id)}, "sk": {"S": "ORDER"},
                    "gsi2pk": {"S": keys.orders_index(tenant_id)}, "gsi2sk": {"S": start}}
    need, examined = limit + 1, 0
    found: list[OrderItem] = []
    conn = OrderItem._get_connection()
    filter_cond = _filter(query)
    try:
        while True:
            page_size = need - len(found) if filter_cond is None else FILTER_PAGE
            data = conn.query(keys.orders_index(tenant_id), range_key_condition=OrderItem.gsi2sk.between(lo, hi),
                              filter_condition=filter_cond, index_name="gsi2", exclusive_start_key=last_key,
                              limit=page_size, scan_index_forward=False, return_consumed_capacity="TOTAL")
            found += [OrderItem.from_raw_data(raw) for raw in data.get("Items", [])]
            examined += int(data.get("ScannedCount", 0))
            last_key = data.get("LastEvaluatedKey")
            if len(found) >= need or last_key is None or examined >= READ_BUDGET:
                break
    except PynamoDBException as exc:
        raise unavailable(exc, "listing orders") from exc
    orders = [to_order(tenant_id, i) for i in found[:limit]]
    if len(found) > limit:
        return Page(orders, cursors.encode({"sk": found[limit - 1].gsi2sk}))
    if last_key is not None:  # the budget ran out: say where the search stopped
        return Page(orders, cursors.encode({"sk": last_key["gsi2sk"]["S"]}))
    return Page(orders, None)


def _by_email(tenant_id: str, query: OrderQuery, limit: int, start: str | None) -> Page:
    from chalicelib.sales.store.orders import to_order

    email = query.email or ""
    part = partition(tenant_id, customer_id(tenant_id, email))
    lo, hi = _bounds(query, "O#")
    if start is not None:
        hi = min(hi, "O#" + start)
    if lo > hi:
        return Page([], None)
    last: str | None = "O#" + start if start is not None else None
    need, examined, exhausted = limit + 1, 0, False
    found: list[Order] = []
    try:
        while len(found) < need and examined < READ_BUDGET:
            size = FILTER_PAGE if query.filtered else need - len(found)
            resume = None if last is None else {"pk": {"S": part}, "sk": {"S": last}}
            batch = list(CustomerOrderItem.query(part, CustomerOrderItem.sk.between(lo, hi), scan_index_forward=False,
                                                 limit=size, last_evaluated_key=resume))
            examined += len(batch)
            if not batch:
                exhausted = True
                break
            last = batch[-1].sk
            wanted = [(keys.order(tenant_id, e.order_id), "ORDER") for e in batch]
            by_id = {i.order_id: i for i in OrderItem.batch_get(wanted)}
            for entry in batch:
                item = by_id.get(entry.order_id)  # None: the entry of an order whose put failed
                if item is None or item.email.strip().lower() != email.strip().lower():
                    continue
                order = to_order(tenant_id, item)
                if _matches(order, query):
                    found.append(order)
            if len(batch) < size:
                exhausted = True
                break
    except PynamoDBException as exc:
        raise unavailable(exc, "listing the customer's orders") from exc
    if len(found) > limit:
        return Page(found[:limit], cursors.encode({"sk": position(found[limit - 1].created_at,
                                                                  found[limit - 1].id)}))
    if not exhausted and last is not None:
        return Page(found, cursors.encode({"sk": last[2:]}))
    return Page(found, None)

