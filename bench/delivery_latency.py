"""Delivery latency: webhook received -> order delivered, one order at a time.

N orders for one product (with more keys than orders): each is checked out and paid at localstripe
first; then, one by one, a signed payment_intent.succeeded event is built (not timed) and ONLY
FulfilmentService.handle_webhook(payload, signature) is timed: signature check, order read, the sale
transaction, the outbox message on the queue.

The default is 500 orders. Latency is this machine's and moto's, not DynamoDB's: quote it with the
table size the JSON reports. Request counts per delivery do not depend on it.

    python -m bench.delivery_latency [--orders 250] [--keys 300]
"""

from __future__ import annotations

import argparse
import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.harness import ErrorLog, Progress, RequestCounter, Timed, TimeTotals, main, per, percentile, say, stack
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop

SETUP_THREADS = 8


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    with stack("delivery") as st:
        return run(args, st)


def run(args: argparse.Namespace, st: Any) -> dict[str, Any]:
    c, settings = st.container, st.settings
    counter = RequestCounter(c)
    errors = ErrorLog()
    # Where a delivery's time goes: what the fulfilment service calls, wrapped before it is built.
    times = TimeTotals()
    for name in ("payments", "order_store", "sale_ledger", "queue"):
        c.replace(name, Timed(c.part(name), name, times))
    slug = f"latency-{secrets.token_hex(4)}"
    tenant, _ = c.tenancy.tenants.sign_up({"name": "Latency shop", "slug": slug, "email": f"owner@{slug}.example.com",
                                           "password": "correct horse battery"})
    product = c.catalog.products.create(actor=SYSTEM, tenant_id=tenant.id,
                                        body={"name": "Game card", "price": 500, "currency": "usd"})
    result = c.inventory.key_import.import_keys(tenant_id=tenant.id, product_id=product.id,
                                                body={"keys": shop.new_keys(args.keys, "LAT")},
                                                content_type="application/json")
    assert result.imported == args.keys and result.failure is None, result
    _ = (c.sales.checkout, c.sales.fulfilment, c.platform.payments, c.sales.order_store, c.platform.queue)

    # ---- setup, not timed: checkout + payment for every order -----------------------------------------
    progress = Progress("orders checked out and paid", args.orders, every=100)

    def checkout_and_pay(i: int) -> tuple[str, str]:
        started = c.sales.checkout.start(slug=slug, body={"product_id": product.id, "quantity": 1,
                                                    "email": f"buyer{i}@example.com",
                                                    "device": c.risk.risk_engine.issue_device(tenant)})
        intent_id = started.order.payment_intent_id or ""
        shop.pay(settings, intent_id)
        progress.tick()
        return started.order.id, intent_id

    say(f"setup: {args.orders} checkouts + payments on {SETUP_THREADS} threads")
    with counter.phase("setup"), ThreadPoolExecutor(SETUP_THREADS) as pool:
        orders = list(pool.map(checkout_and_pay, range(args.orders)))
    table_items_before = st.item_count(settings.table_name)
    times.take()

    # ---- measured: one webhook at a time ------------------------------------------------------------------
    say(f"measuring {len(orders)} webhooks one at a time (main table has {table_items_before} items)")
    latencies: list[float] = []
    requests: list[int] = []
    outcomes: Counter[str] = Counter()
    for n, (_order_id, intent_id) in enumerate(orders, 1):
        payload, signature = shop.stripe_event(settings, intent_id)  # built and signed outside the timing
        with counter.phase("deliver"):
            mark = counter.thread_dynamodb()
            t0 = time.perf_counter()
            try:
                outcome = c.sales.fulfilment.handle_webhook(payload=payload, signature=signature).result
            except Exception as exc:
                errors.add("webhook", exc)
                outcome = "error"
            elapsed = time.perf_counter() - t0
        outcomes[outcome] += 1
        if outcome == "delivered":
            latencies.append(elapsed * 1000)
            requests.append(counter.thread_dynamodb() - mark)
        if n % 100 == 0:
            say(f"  {n}/{len(orders)} delivered, p50 so far {percentile(latencies, 50):.1f} ms")
    table_items_after = st.item_count(settings.table_name)
    breakdown = {k: {"ms_per_delivery": round(v["seconds"] * 1000 / max(len(latencies), 1), 2), "calls": v["calls"]}
                 for k, v in times.take().items() if not k.startswith("payments.create")}
    breakdown["rest (service code)"] = {
        "ms_per_delivery": round(sum(latencies) / max(len(latencies), 1)
                                 - sum(v["ms_per_delivery"] for v in breakdown.values()), 2), "calls": 0}

    delivered = outcomes.get("delivered", 0)
    rep = counter.report("deliver")
    orders_ok = sum(1 for o, _ in orders
                    if c.sales.order_store.get(tenant_id=tenant.id, order_id=o).status.value == "delivered")
    stock = c.catalog.products.stock(tenant_id=tenant.id, product_id=product.id)
    connect_ms = new_connection_ms()
    return {
        "scenario": "delivery_latency",
        "orders": args.orders, "keys": args.keys, "delivered": delivered, "outcomes": dict(outcomes),
        **errors.report(),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p90_ms": round(percentile(latencies, 90), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies, default=float("nan")), 2),
        "min_ms": round(min(latencies, default=float("nan")), 2),
        "first_ms": round(latencies[0], 2) if latencies else None,
        "mean_ms": round(sum(latencies) / len(latencies), 2) if latencies else None,
        "time_breakdown": breakdown,
        "dynamodb_requests_per_delivery": per(rep["dynamodb_total"], delivered),
        "dynamodb_requests_per_delivery_max": max(requests, default=0),
        "dynamodb_by_operation": rep["dynamodb"], "dynamodb_failed": rep["dynamodb_failed"],
        "kms_calls_during_deliveries": rep["kms_total"],
        "orders_delivered_on_reread": orders_ok,
        "stock_after": vars(stock),
        "stock_consistent": stock.sold == delivered and stock.available + stock.reserved + stock.sold == args.keys,
        "table_items": {"before_deliveries": table_items_before, "after_deliveries": table_items_after},
        "diagnostic_new_pynamodb_connection_ms": connect_ms,
        "notes": [
            "Timed: handle_webhook only (signature verification, order GetItem, the sale TransactWriteItems, "
            "and the outbox message sent to SQS on moto); building and signing the event is not timed. One "
            "webhook at a time, nothing else running in this process.",
            "Latency here is this machine's and moto's (a Python emulator, one DynamoDB request at a time); "
            "quote it with table_items. Request counts carry over to AWS.",
            "diagnostic_new_pynamodb_connection_ms: median time to build a new PynamoDB Connection and its "
            "botocore client, which the sale ledger used to do for every transaction; it now keeps one per process.",
        ],
    }


def new_connection_ms(samples: int = 5) -> float:
    """What a fresh PynamoDB Connection + botocore client costs (the sale ledger makes one per sale)."""
    from pynamodb.connection import Connection

    from chalicelib.adapters.dynamo.items import Item

    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        _ = Connection(region=Item.Meta.region, host=Item.Meta.host).client
        times.append((time.perf_counter() - t0) * 1000)
    return round(percentile(times, 50), 1)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=500)
    p.add_argument("--keys", type=int, default=600)
    return p.parse_args(argv)


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
