"""Insights costs: the funnel's DynamoDB requests per storefront view and per order, the stock alert check of a
shop of 1,000 products, and the nightly job of a shop with 20,000 orders by 4,000 buyers.

Everything runs through the services and the HTTP layer (chalice.test.Client) on the harness's stack (moto +
localstripe on 127.0.0.1); orders are counted straight into the rollups (rollup_store.record, as the outbox
consumer counts a delivery), no Stripe payment. Measured:

- funnel, per view: GET /s/{slug} and /s/{slug}/p/{id}, warm (shelf cached), with a desktop Chrome User-Agent
  against `curl/8.5` (robots are not counted): DynamoDB requests per view and the difference; and a container
  holding views for 2 s (KAMIDROP_FUNNEL_FLUSH_SECONDS=2, production's setting): funnel writes per view over 50
  views in a row, the final flush included. Target (issue: first-party funnel): ≤ 1 extra request per view.
- funnel, per order: the storefront checkout with and without an origin (browser vs robot User-Agent), the Pay
  beacon, the `order_created` outbox message handled with and without an origin, and the paid step, which rides
  in the sale's counting transaction (requests and transaction items with and without a device);
- stock alerts: `stock_alerts.check` over --products active products with 4 keys each, a fifth of them selling
  (low or critical): requests and wall seconds of the first run and of a second right after (tells nothing new);
- nightly: a shop whose --orders sales by --buyers buyers over 180 days and 30 products are counted (rollups and
  per-buyer aggregates); then `stock_outlook.refresh`, and `nightly.run(force=True)` with its parts counted
  apart (buyer aggregates read, forecasts, co-purchase rules and segments saved, slow-mover digest, reports).
  The nightly container's clock is set back to the last Monday (same time of day) so the weekly digest and
  weekly report run too. Read capacity units from the bytes of the items each read returned (DynamoDB's rules:
  a Query's items summed and rounded up to 4 KB, a BatchGet's per item; × 0.5 eventually consistent), and an
  estimate from a scan of the buyer and month partitions beside it.

    python -m bench.insights [--products 1000] [--orders 20000] [--buyers 4000] [--views 20] [--checkouts 5]
    python -m bench.insights --orders 100000 --buyers 20000      # the issue's large shop (slow on moto)

Request counts and capacity units carry over to AWS; times are this machine's and moto's (a Python emulator that
applies DynamoDB requests one at a time).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import secrets
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.capacity import CapacityTap, Meter, Parted, ShiftedClock, item_size
from bench.harness import ErrorLog, RequestCounter, main, per, say, stack
from bench.insights_funnel import TARGET_EXTRA_PER_VIEW, funnel
from bench.insights_shop import import_keys, new_products, record, shop
from chalicelib.insights.domain.rollups import SALE, Fact, bucket, months_covering
from chalicelib.kernel.ids import new_id
from chalicelib.sales.domain.orders import customer_id
from chalicelib.tenancy.domain.roles import SYSTEM

NIGHTLY_PRODUCTS = 30
NIGHTLY_DAYS = 180
IDLE_PRODUCTS = 4  # the last products of the nightly shop stop selling 45 days before: slow movers
ALERT_KEYS = 4
DAY = 86400


def stock_alerts(args: argparse.Namespace, st: Any, meter: Meter, errors: ErrorLog) -> dict[str, Any]:
    c = st.container
    tenant = shop(c, "Alert shop", f"alr-{secrets.token_hex(4)}")
    with meter.phase("alerts seed"):
        products = new_products(c, tenant.id, args.products, "alert shop")
        import_keys(c, tenant.id, [p.id for p in products], ALERT_KEYS, "alert shop")
        now = c.platform.clock.now()
        facts = []
        for i, p in enumerate(products):
            if i % 5:
                continue
            qty = 1 if i % 10 == 0 else 2  # ~1 a day: low (line 7); ~2 a day: critical (line 13)
            facts += [Fact(SALE, new_id("order"), p.id, now - d * DAY, qty, 500 * qty, "usd") for d in range(1, 14)]
        seed_seconds = record(c, tenant, facts, "alert shop sales counted", errors)
    out: dict[str, Any] = {"products": args.products, "keys_per_product": ALERT_KEYS,
                           "products_selling": len(facts) // 13, "sales_counted": len(facts),
                           "seed_sales_seconds": round(seed_seconds, 1)}
    for run in ("first run", "second run"):
        started = time.perf_counter()
        with meter.phase(f"alerts {run}"):
            report = c.insights.stock_alerts.check(tenant.id)
        seconds = time.perf_counter() - started
        counts = meter.report(f"alerts {run}")
        out[run] = {"report": dataclasses.asdict(report), "wall_seconds": round(seconds, 2), **counts,
                    "requests_per_product": per(counts["dynamodb_total"], args.products, 3)}
        say(f"  stock alerts {run}: {counts['dynamodb_total']} requests, {seconds:.1f} s, {report}")
    return out


# ---- 3. the nightly job ---------------------------------------------------------------------------
def _sales(tenant_id: str, product_ids: list[str], orders: int, buyers: int, end: int) -> list[Fact]:
    """`orders` sales by `buyers` buyers (each at least once, a few often) over 180 days before `end`; buyers
    lean to a favourite product; the last products stop selling 45 days before `end`."""
    rng = random.Random(orders * 7 + buyers)
    n = len(product_ids)
    weights = [1 / (k + 1) ** 0.8 for k in range(n)]
    span = NIGHTLY_DAYS * DAY
    times = sorted(end - span + rng.randrange(span - 600) for _ in range(orders))
    who = list(range(min(buyers, orders))) + [int(buyers * rng.random() ** 2) for _ in range(orders - buyers)]
    rng.shuffle(who)
    favourite = rng.choices(range(n), weights, k=buyers)
    seen: set[int] = set()
    facts = []
    for at, b in zip(times, who, strict=True):
        k = favourite[b] if rng.random() < 0.5 else rng.choices(range(n), weights)[0]
        if k >= n - IDLE_PRODUCTS and at > end - 45 * DAY:
            k %= n - IDLE_PRODUCTS
        qty = 2 if rng.random() < 0.2 else 1
        email = f"buyer{b}@example.com"
        facts.append(Fact(SALE, new_id("order"), product_ids[k], at, qty, 500 * qty, "usd",
                          buyer=customer_id(tenant_id, email), new_buyer=b not in seen, email=email))
        seen.add(b)
    return facts


def _partition(st: Any, pk: str) -> dict[str, dict[str, int]]:
    """Items and bytes of one partition by sort-key prefix, read with a plain (uncounted) boto3 client."""
    ddb = st.aws("dynamodb")
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"items": 0, "bytes": 0})
    for page in ddb.get_paginator("query").paginate(TableName=st.settings.table_name,
                                                    KeyConditionExpression="pk = :pk",
                                                    ExpressionAttributeValues={":pk": {"S": pk}}):
        for raw in page["Items"]:
            sk = raw["sk"]["S"]
            kind = sk.split("#", 1)[0] + "#" if "#" in sk else "buyer"
            out[kind]["items"] += 1
            out[kind]["bytes"] += item_size(raw)
    return dict(out)


def _estimate(parts: dict[str, dict[str, int]], kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    chosen = [v for k, v in parts.items() if kinds is None or k in kinds]
    items, size = sum(v["items"] for v in chosen), sum(v["bytes"] for v in chosen)
    return {"items": items, "bytes": size, "avg_item_bytes": per(size, items, 1),
            "rcu_full_read": math.ceil(size / 4096) / 2}


def nightly(args: argparse.Namespace, st: Any, meter: Meter, errors: ErrorLog) -> dict[str, Any]:
    from chalicelib import wiring

    c = st.container
    slug = f"nig-{secrets.token_hex(4)}"
    tenant = shop(c, "Nightly shop", slug)
    # the nightly runs on the last Monday (today if it is one) at this time of day: its weekly parts run too
    back = datetime.now(UTC).weekday() * DAY
    clock = ShiftedClock(-back)
    end = clock.now()
    with meter.phase("nightly setup"):
        listed_long_ago = wiring.Container(st.settings, clock=ShiftedClock(-back - (NIGHTLY_DAYS + 20) * DAY))
        products = new_products(listed_long_ago, tenant.id, NIGHTLY_PRODUCTS, "nightly shop")
        import_keys(c, tenant.id, [p.id for p in products], 20, "nightly shop")
        owner = c.tenancy.account_store.by_email(tenant.email)
        c.insights.reports.subscribe(actor=SYSTEM, tenant_id=tenant.id, user_id=owner.user_id,
                                     kinds={"daily", "weekly", "monthly"})
        facts = _sales(tenant.id, [p.id for p in products], args.orders, args.buyers, end)
    with meter.phase("nightly sales"):
        seed_seconds = record(c, tenant, facts, "nightly shop sales counted", errors)
    seeded = meter.report("nightly sales")
    say(f"seeded {len(facts)} sales in {seed_seconds:.0f} s ({st.item_count(st.settings.table_name)} items in the "
        "table)")

    # what the nightly reads, from a plain scan of the partitions (an estimate beside the measured bytes)
    today = bucket(end, tenant.zone).day
    history = months_covering(today - timedelta(days=182), today - timedelta(days=1))
    with meter.phase("partition scan (not counted)"):
        buyers_part = _partition(st, f"T#{tenant.id}#RU#BUY")
        months = {m: _partition(st, f"T#{tenant.id}#RU#M#{m}") for m in history}
    month_kinds: dict[str, dict[str, int]] = defaultdict(lambda: {"items": 0, "bytes": 0})
    for found in months.values():
        for kind, v in found.items():
            month_kinds[kind]["items"] += v["items"]
            month_kinds[kind]["bytes"] += v["bytes"]
    summary_rcu = sum(_estimate(found, ("D#", "M#"))["rcu_full_read"] for found in months.values())
    buyers_estimate = _estimate(buyers_part)
    scale = 20_000 / max(args.buyers, 1)
    estimate = {
        "how": "items and bytes of each partition from a plain Query (not counted), RCU = ceil(bytes / 4 KB) × 0.5",
        "buyer_aggregates T#<tenant>#RU#BUY": buyers_estimate,
        "month_partitions T#<tenant>#RU#M#<yyyy-mm> (whole, by sort-key kind)": {
            "months": history, "by_kind": {k: {**v, "avg_item_bytes": per(v["bytes"], v["items"], 1)}
                                           for k, v in sorted(month_kinds.items())}},
        "forecast read (D#..M#~ of each month)": {"rcu": summary_rcu},
        "buyer read at 20,000 buyers (scaled by buyers; orders per buyer alike)": {
            "rcu": round(buyers_estimate["rcu_full_read"] * scale, 1),
            "bytes": int(buyers_estimate["bytes"] * scale)},
    }

    # the nightly container: its clock on the Monday, its parts counted apart
    seconds: dict[str, float] = {}
    nc = wiring.Container(st.settings, clock=clock)
    for name in ("rollup_store", "segment_store", "stock_outlook", "slow_movers", "reports"):
        nc.insights.provide(name, Parted(getattr(nc.insights, name), name, meter, "nightly", seconds))
    wiring.use(nc)
    try:
        started = time.perf_counter()
        with meter.phase("outlook refresh"):
            forecast_count = nc.insights.stock_outlook.refresh(tenant.id)
        refresh_seconds = time.perf_counter() - started
        say(f"  stock_outlook.refresh: {forecast_count} forecasts in {refresh_seconds:.1f} s")
        started = time.perf_counter()
        with meter.phase("nightly"):
            report = nc.insights.nightly.run(tenant.id, force=True)
        nightly_seconds = time.perf_counter() - started
        say(f"  nightly.run: {nightly_seconds:.1f} s, {report}")
        with meter.phase("nightly again"):
            again = nc.insights.nightly.run(tenant.id)
    finally:
        wiring.use(c)
    labels = sorted(seconds)
    parts = {label.split("/", 1)[1]: {"wall_seconds": round(seconds[label], 2), **meter.report(label)}
             for label in labels}
    parts["the job itself (tenant, segmenting, rules: CPU)"] = {
        "wall_seconds": round(nightly_seconds - sum(seconds.values()), 2), **meter.report("nightly")}
    total = meter.report("nightly", *labels)
    return {
        "orders": len(facts), "buyers": args.buyers, "products": NIGHTLY_PRODUCTS, "days": NIGHTLY_DAYS,
        "idle_products": IDLE_PRODUCTS, "day_run": today.isoformat(), "weekday": today.strftime("%A"),
        "sales_counted": {"wall_seconds": round(seed_seconds, 1), "per_second": round(len(facts) / seed_seconds, 1),
                          "dynamodb_total": seeded["dynamodb_total"], "dynamodb": seeded["dynamodb"],
                          "dynamodb_per_sale": per(seeded["dynamodb_total"], len(facts), 2)},
        "table_items": st.item_count(st.settings.table_name),
        "stock_outlook_refresh": {"forecasts": forecast_count, "wall_seconds": round(refresh_seconds, 2),
                                  **meter.report("outlook refresh")},
        "nightly_run_forced": {"report": dataclasses.asdict(report), "wall_seconds": round(nightly_seconds, 2),
                               **total, "parts": parts},
        "nightly_run_again_same_day": {"ran": again.ran, **meter.report("nightly again")},
        "rcu": {
            "measured": "from the bytes of the items each read returned (DynamoDB bills what a filter scanned: the "
                        "product listings' not-archived filter drops nothing here)",
            "nightly_run_forced": total["rcu"], "stock_outlook_refresh": meter.report("outlook refresh")["rcu"],
            "estimate_from_partition_scan": estimate,
        },
    }


# ---- the scenario ---------------------------------------------------------------------------------
def scenario(args: argparse.Namespace) -> dict[str, Any]:
    tap = CapacityTap()  # before the stack: botocore reads its handler list when each client is made
    try:
        with stack("insights") as st:
            return run(args, st, tap)
    finally:
        tap.close()


def run(args: argparse.Namespace, st: Any, tap: CapacityTap) -> dict[str, Any]:
    counter = RequestCounter(st.container)
    meter = Meter(counter, tap)
    errors = ErrorLog()
    say("funnel: views and orders")
    funnel_out = funnel(args, st, meter)
    say(f"stock alerts: {args.products} products")
    alerts_out = stock_alerts(args, st, meter, errors)
    say(f"nightly: {args.orders} orders by {args.buyers} buyers")
    nightly_out = nightly(args, st, meter, errors)
    return {"scenario": "insights", "funnel": funnel_out, "stock_alerts": alerts_out, "nightly": nightly_out,
            "target_extra_requests_per_view": TARGET_EXTRA_PER_VIEW, **errors.report(),
            "note": "DynamoDB requests counted from PynamoDB's signals (retries not included); RCU from the bytes of "
                    "the items read, plus an estimate from a plain scan of the partitions; times are this "
                    "machine's with moto standing in for DynamoDB (one request at a time); the nightly's clock is "
                    "the last Monday so its weekly parts run"}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--products", type=int, default=1_000, help="products of the stock alert shop")
    p.add_argument("--orders", type=int, default=20_000, help="sales of the nightly shop (the issue: up to 100,000)")
    p.add_argument("--buyers", type=int, default=4_000, help="buyers of the nightly shop (the issue: up to 20,000)")
    p.add_argument("--views", type=int, default=20, help="storefront views per page and User-Agent")
    p.add_argument("--checkouts", type=int, default=5, help="checkouts per User-Agent")
    return p.parse_args()


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
