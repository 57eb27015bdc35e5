"""Orders list: `GET /v1/orders?limit=100` paged through a tenant with 10,000 orders.

Orders are written straight through the order store (no Stripe), spread over a month, with a second
tenant's orders in the same table. Then every page of the listing is fetched through the HTTP layer
(chalice.test.Client), timed, and the DynamoDB reads behind each page are counted: requests, and read
capacity units computed from the bytes of the items the Query read (DynamoDB's rule: item sizes summed,
rounded up to 4 KB, halved for an eventually consistent index read); moto's own ConsumedCapacity is
reported beside it. moto's Query walks the whole table in Python: the timings are this machine's and
moto's at the table size reported, not DynamoDB's; the capacity figures carry over.

    python -m bench.orders_list [--orders 10000] [--other 2000] [--limit 100]
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.capacity import item_size
from bench.harness import Progress, RequestCounter, main, per, percentile, say, stack
from chalicelib.kernel.ids import new_id
from chalicelib.sales.domain.models import Order, OrderStatus

MONTH = 30 * 24 * 3600
STATUSES = [OrderStatus.DELIVERED] * 8 + [OrderStatus.EXPIRED, OrderStatus.REFUNDED]


class CapacityTap:
    """Reads every Query response the stores get back: bytes read, items, and moto's ConsumedCapacity."""

    def __init__(self) -> None:
        from botocore import handlers

        self._lock = threading.Lock()
        self.queries: list[dict[str, Any]] = []
        self._spec = ("after-call.dynamodb.Query", self._after)
        self._handlers = handlers
        handlers.BUILTIN_HANDLERS.append(self._spec)

    def close(self) -> None:
        self._handlers.BUILTIN_HANDLERS.remove(self._spec)

    def _after(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.queries.append({"bytes": sum(item_size(i) for i in parsed.get("Items", [])),
                                 "items": len(parsed.get("Items", [])), "scanned": parsed.get("ScannedCount", 0),
                                 "moto_units": (parsed.get("ConsumedCapacity") or {}).get("CapacityUnits")})

    def take(self) -> list[dict[str, Any]]:
        with self._lock:
            out, self.queries = self.queries, []
            return out


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    with stack("orders-list") as st:
        return run(args, st)


def _orders(tenant_id: str, n: int, t0: int) -> list[Order]:
    out = []
    for i in range(n):
        at = t0 + i * MONTH // n
        out.append(Order(tenant_id=tenant_id, id=new_id("order"), status=STATUSES[i % len(STATUSES)],
                         product_id="prd_bench", quantity=1 + i % 3, amount=500 * (1 + i % 3), currency="usd",
                         email=f"buyer{i % 2000}@example.com", token_hash=secrets.token_hex(32), created_at=at,
                         expires_at=at + 900, product_name="Game card 100",
                         payment_intent_id=f"pi_{secrets.token_hex(12)}"))
    return out


def run(args: argparse.Namespace, st: Any) -> dict[str, Any]:
    from chalice.test import Client

    from app import app

    c = st.container
    tap = CapacityTap()  # before any PynamoDB client exists: botocore reads its handler list per client
    counter = RequestCounter(c)
    slug = f"list-{secrets.token_hex(4)}"
    tenant, api_key = c.tenancy.tenants.sign_up({"name": "List shop", "slug": slug,
                                                 "email": f"owner@{slug}.example.com",
                                         "password": "correct horse battery"})
    other, _ = c.tenancy.tenants.sign_up({"name": "Other shop", "slug": f"{slug}-o", "email": f"o@{slug}.example.com",
                                  "password": "correct horse battery"})
    t0 = int(time.time()) - MONTH
    work = _orders(tenant.id, args.orders, t0) + _orders(other.id, args.other, t0)
    progress = Progress("orders written", len(work), every=2000)

    def write(o: Order) -> None:
        c.sales.order_store.create(o)
        progress.tick()

    with counter.phase("seed"), ThreadPoolExecutor(8) as pool:
        list(pool.map(write, work))
    say(f"seeded {len(work)} orders ({st.item_count(st.settings.table_name)} items in the table)")

    tap.take()
    timings, pages, per_page = [], 0, []
    headers = {"Authorization": f"Bearer {api_key}"}
    cursor, seen = None, 0
    with Client(app) as client, counter.phase("list"):
        while True:
            path = f"/v1/orders?limit={args.limit}" + (f"&cursor={cursor}" if cursor else "")
            before = counter.thread_dynamodb()
            started = time.perf_counter()
            r = client.http.get(path, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.body
            body = json.loads(r.body)
            queries = tap.take()
            read = sum(q["bytes"] for q in queries)
            per_page.append({"requests": counter.thread_dynamodb() - before, "queries": len(queries),
                             "bytes": read, "rcu": math.ceil(read / 4096) / 2,
                             "moto_units": sum(q["moto_units"] or 0 for q in queries)})
            seen += len(body["data"])
            pages += 1
            if not body["has_more"]:
                break
            cursor = body["next_cursor"]
    tap.close()
    assert seen == args.orders, (seen, args.orders)
    rcus = [p["rcu"] for p in per_page[:-1]] or [per_page[-1]["rcu"]]  # full pages
    return {
        "scenario": "orders_list", "orders_in_tenant": args.orders, "orders_other_tenant": args.other,
        "table_items": st.item_count(st.settings.table_name), "limit": args.limit, "pages": pages,
        "orders_listed": seen, "p50_ms": round(percentile(timings, 50), 1), "p99_ms": round(percentile(timings, 99), 1),
        "rcu_per_full_page": {"median": percentile(rcus, 50), "max": max(rcus)},
        "bytes_per_order_read": per(sum(p["bytes"] for p in per_page), seen, 1),
        "dynamodb_requests_per_page": per(sum(p["requests"] for p in per_page), pages, 2),
        "queries_per_page": per(sum(p["queries"] for p in per_page), pages, 2),
        "moto_consumed_units_per_page": per(sum(p["moto_units"] for p in per_page), pages, 2),
        "requests": counter.report("list"),
        "note": "timings are moto's (Query walks the table in Python) at table_items; RCU from item bytes",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--other", type=int, default=2_000)
    parser.add_argument("--limit", type=int, default=100)
    ns = parser.parse_args()
    main(lambda: scenario(ns))
