"""The insights benchmark's funnel part: DynamoDB requests per storefront view (a browser against a robot,
written at once and held 2 s) and per order (checkout, the Pay beacon, the outbox's checkout step, the paid step)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
import time
from collections import defaultdict
from typing import Any

from bench.capacity import Meter, diff, per_each
from bench.harness import per, say
from bench.insights_shop import import_keys, new_products, shop
from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from chalicelib.kernel.ids import new_id
from chalicelib.sales.domain.orders import customer_id

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
           "Safari/537.36")
ROBOT = "curl/8.5"
TARGET_EXTRA_PER_VIEW = 1
BUFFERED_VIEWS = 50


def funnel(args: argparse.Namespace, st: Any, meter: Meter) -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib import wiring
    from chalicelib.wiring.jobs import handle_outbox_batch

    c = st.container
    slug = f"fun-{secrets.token_hex(4)}"
    tenant = shop(c, "Funnel shop", slug)
    # this measures the funnel's cost, not risk's (bench.checkout_rules does): a scripted crowd from one address
    # would be challenged by the default rules, so this shop switches them off
    from chalicelib.tenancy.domain.roles import SYSTEM

    c.risk.risk_rules.update(actor=SYSTEM, tenant_id=tenant.id, body={"enabled": False})
    products = new_products(c, tenant.id, 3, "funnel")
    pid = products[0].id
    import_keys(c, tenant.id, [p.id for p in products], 4 * args.checkouts + 20, "funnel")
    pages = {"shop": f"/s/{slug}", "product": f"/s/{slug}/p/{pid}"}
    agents = {"browser": BROWSER, "robot": ROBOT}
    out: dict[str, Any] = {"user_agents": agents}
    with Client(app) as client:
        def get(path: str, agent: str) -> None:
            r = client.http.get(path, headers={"User-Agent": agent})
            assert r.status_code == 200, (path, r.status_code, r.body[:300])

        def post(path: str, agent: str, body: dict[str, Any], status: int) -> dict[str, Any]:
            r = client.http.post(path, headers={"Content-Type": "application/json", "User-Agent": agent},
                                 body=json.dumps(body))
            assert r.status_code == status, (path, r.status_code, r.body[:300])
            return dict(json.loads(r.body))

        # per view, warm: a robot's first views fill the caches (shop, shelf, rules) and count nothing
        wiring.use(c)
        with meter.phase("funnel warm-up"):
            for path in pages.values():
                get(path, ROBOT)
        names: dict[tuple[str, str], list[str]] = defaultdict(list)
        for i in range(args.views):  # interleaved: a shelf refresh (every 10 s) falls on either kind alike
            for page, path in pages.items():
                for who, agent in agents.items():
                    name = f"view {page} {who} {i}"
                    with meter.phase(name):
                        get(path, agent)
                    names[(page, who)].append(name)
        views: dict[str, Any] = {}
        for page in pages:
            browser, robot = per_each(meter, names[(page, "browser")]), per_each(meter, names[(page, "robot")])
            extra = diff(browser, robot)
            views[page] = {"browser": browser, "robot": robot, "extra_requests_per_view": extra,
                           "meets_target": extra <= TARGET_EXTRA_PER_VIEW}
            say(f"  {page} page: {browser['requests']['median']} requests per browser view, "
                f"{robot['requests']['median']} per robot view")
        out["per_view_unbuffered"] = views

        # buffered: a container that adds views up for 2 s, 50 views in a row, then its flush
        held = wiring.Container(dataclasses.replace(st.settings, funnel_flush_seconds=2))
        wiring.use(held)
        with meter.phase("buffered warm-up"):
            for path in pages.values():
                get(path, ROBOT)
        started = time.perf_counter()
        with meter.phase("buffered views"):
            for i in range(BUFFERED_VIEWS):
                get(pages["shop" if i % 2 == 0 else "product"], BROWSER)
        seconds = time.perf_counter() - started
        with meter.phase("buffered flush"):
            held.insights.funnel_store.flush()
        during, flushed = meter.report("buffered views"), meter.report("buffered flush")
        writes = during["funnel_writes"] + flushed["funnel_writes"]
        out["per_view_buffered"] = {
            "flush_seconds": 2, "views": BUFFERED_VIEWS, "pages": "shop and product alternately",
            "views_wall_seconds": round(seconds, 2), "funnel_writes_during_views": during["funnel_writes"],
            "funnel_writes_at_final_flush": flushed["funnel_writes"],
            "funnel_writes_per_view": per(writes, BUFFERED_VIEWS, 3),
            "dynamodb_requests_during_views": during["dynamodb_total"],
            "note": "each write is one UpdateItem of a (day, product) row; held views of the last seconds are lost "
                    "if the container dies"}
        say(f"  buffered: {writes} funnel writes for {BUFFERED_VIEWS} views in {seconds:.1f} s")
        wiring.use(c)

        # per order: checkouts with and without an origin, the Pay beacon, the outbox message, the paid step
        with meter.phase("checkout warm-up"):  # the first checkout of a process pays for a few things once
            warm = [post(f"/s/{slug}/checkout", agent, {"product_id": pid, "quantity": 1,
                                                        "email": f"warm-{who}@example.com"}, 201)
                    for who, agent in agents.items()]
        started_orders: dict[str, list[dict[str, Any]]] = {"browser": [], "robot": []}
        checkout_names: dict[str, list[str]] = defaultdict(list)
        for i in range(args.checkouts):
            for who, agent in agents.items():
                name = f"checkout {who} {i}"
                with meter.phase(name):
                    started_orders[who].append(post(f"/s/{slug}/checkout", agent, {
                        "product_id": pid, "quantity": 1, "email": f"{who}{i}@example.com"}, 201))
                checkout_names[who].append(name)
        beacon_names: dict[str, list[str]] = defaultdict(list)
        for i, (mine, script) in enumerate(zip(started_orders["browser"], started_orders["robot"], strict=True)):
            for kind, order, agent in (("first press", mine, BROWSER), ("pressed again", mine, BROWSER),
                                       ("order without origin", script, BROWSER)):
                name = f"beacon {kind} {i}"
                with meter.phase(name):
                    body = post(f"/s/{slug}/orders/{order['order_id']}/paying", agent,
                                {"token": order["order_token"]}, 200)
                assert body["counted"] == (kind == "first press"), (kind, body)
                beacon_names[kind].append(name)
        with meter.phase("outbox read"):
            pending = c.platform.outbox.pending(older_than=c.platform.clock.now() + 60, limit=1000)
        created = {m.order_id: m for m in pending if m.kind == "order_created"}
        with meter.phase("outbox warm-up"):
            assert not handle_outbox_batch([created[order["order_id"]] for order in warm])
        outbox_names: dict[str, list[str]] = defaultdict(list)
        for i in range(args.checkouts):
            for who in agents:
                message = created[started_orders[who][i]["order_id"]]
                name = f"outbox {who} {i}"
                with meter.phase(name):
                    errors = handle_outbox_batch([message])
                assert not errors, errors
                outbox_names[who].append(name)
        paid_names: dict[str, list[str]] = defaultdict(list)
        for i in range(args.checkouts):
            for who in agents:
                email = f"paid-{who}{i}@example.com"
                origin = {"source": "direct", "device": "desktop"} if who == "browser" else {}
                fact = Fact(SALE, new_id("order"), pid, c.platform.clock.now(), 1, 500, "usd",
                            buyer=customer_id(tenant.id, email), email=email, **origin)
                name = f"paid {who} {i}"
                with meter.phase(name):
                    c.insights.rollup_store.record(tenant.id, fact, bucket(fact.at, tenant.zone))
                paid_names[who].append(name)
    checkout = {who: per_each(meter, checkout_names[who]) for who in agents}
    beacon = {kind: per_each(meter, n) for kind, n in beacon_names.items()}
    outbox = {who: per_each(meter, outbox_names[who]) for who in agents}
    paid = {who: per_each(meter, paid_names[who]) for who in agents}
    extra_checkout, extra_outbox = diff(checkout["browser"], checkout["robot"]), diff(outbox["browser"],
                                                                                         outbox["robot"])
    extra_paid = diff(paid["browser"], paid["robot"])
    beacon_first = float(beacon["first press"]["requests"]["median"])
    out["per_order"] = {
        "checkout": {"with_origin (browser)": checkout["browser"], "without_origin (robot)": checkout["robot"],
                     "extra_requests": extra_checkout},
        "pay_beacon": beacon,
        "outbox_order_created": {"with_origin": outbox["browser"], "without_origin": outbox["robot"],
                                 "extra_requests": extra_outbox},
        "paid_step_in_sale_count": {"with_device": paid["browser"], "without_device": paid["robot"],
                                    "extra_requests": extra_paid,
                                    "extra_transaction_items": round(
                                        paid["browser"]["transaction_items_per_each"]
                                        - paid["robot"]["transaction_items_per_each"], 2)},
        "extra_requests_per_order": extra_checkout + beacon_first + extra_outbox + extra_paid,
        "extra_requests_per_order_explained": "checkout difference + the beacon's first press + outbox difference "
                                              "+ paid-step difference (the sale's count is one transaction either "
                                              "way); each further Pay press costs the beacon's 'pressed again'",
    }
    say(f"  per order: {out['per_order']['extra_requests_per_order']} extra requests with an origin")
    return out


# ---- 2. stock alerts ------------------------------------------------------------------------------
