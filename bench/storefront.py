"""Storefront speed and weight: server time per page view, DynamoDB requests per view, and bytes per page.

A shop of 20 products in 4 categories (long names, Chinese text, every stock state, settings filled in) and
an order delivered with 5 keys are seeded through the API on the harness's stack (moto server + localstripe).
The app is then served over loopback HTTP by chalice's own local server (what `chalice local` runs), in
separate processes (bench/storefront_server.py), one per client thread, each handling one request at a time
as a Lambda container does; the load generator never shares their interpreter. Each page is fetched N times:

- server ms: the app's own `Server-Timing: app;dur=` (routing, auth, the service, rendering; DynamoDB on the
  local moto server included), the figure the 30 ms p50 target is about; wall ms over loopback beside it;
- the order page's JSON twice: for a delivered order (keys decrypted on every call) and for an order
  still waiting for payment, which is what the page's script polls every second (1 s, then 3 s);
- DynamoDB requests per view (and KMS / key-store calls), counted inside the server process;
- the shop page warm (shelf cached, KAMIDROP_STOREFRONT_CACHE_SECONDS=10) and cold (the first view after the
  shelf expired: a server with the cache at 0, so every view is that view);
- bytes: raw and gzip-compressed HTML per page and language (all CSS and JS is inline) against 30 KB.

    python -m bench.storefront [--shop 300] [--product 300] [--order 300] [--poll 300] [--search 100]
                               [--lookup 100] [--cold 100] [--servers 2] [--max-seconds 120]

Times are this machine's (see `loadavg`), with moto standing in for DynamoDB: a moto request costs a few ms of
Python where DynamoDB answers in single-digit ms over the network; request counts carry over to AWS.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import harness
from bench.harness import ErrorLog, main, per, percentile, say, stack
from bench.storefront_server import parse_header
from chalicelib.kernel.settings import Settings
from tests.support.servers import free_port
from tests.support.shop import checkout
from tests.support.storefront_shop import SeededShop, seed_shop

ROOT = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 30 * 1024
P50_TARGET_MS = 30.0
GZIP_LEVEL = 6  # web servers' and CDNs' usual level; level 9 is reported beside it
ACCEPT = ("en-US,en;q=0.9", "zh-CN,zh;q=0.9,en;q=0.5")
SEARCHES = ("steam", "会员", "xbox playstation", "licence", "游戏 点卡", "gift card 500", "no-such-thing")


# ---- the app servers ------------------------------------------------------------------------------
def app_env(settings: Settings, *, cache_seconds: int) -> dict[str, str]:
    """The environment `chalice local` would get for these Settings (devstack/stack.py's names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAMIDROP_", "STRIPE_"))}
    env.update({
        "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "KAMIDROP_STAGE": settings.stage,
        "KAMIDROP_AWS_ENDPOINT": settings.aws_endpoint_url or "", "KAMIDROP_TABLE": settings.table_name,
        "KAMIDROP_KEYSTORE_TABLE": settings.keystore_table_name, "KAMIDROP_KMS_KEY_ARN": settings.kms_key_arn,
        "KAMIDROP_QUEUE_URL": settings.queue_url, "KAMIDROP_EMAIL_FROM": settings.email_from,
        "KAMIDROP_PUBLIC_BASE_URL": settings.public_base_url, "STRIPE_SECRET_KEY": settings.stripe_secret_key,
        "STRIPE_PUBLISHABLE_KEY": settings.stripe_publishable_key,
        "STRIPE_WEBHOOK_SECRET": settings.stripe_webhook_secret, "STRIPE_API_BASE": settings.stripe_api_base or "",
        "STRIPE_JS_URL": settings.stripe_js_url, "KAMIDROP_RATE_LIMITS": settings.rate_limits,
        "KAMIDROP_STOREFRONT_CACHE_SECONDS": str(cache_seconds), "LOG_LEVEL": "INFO",
    })
    return env


class AppServer:
    """One app process on 127.0.0.1 (stopped with its process group; registered so SIGTERM stops it too)."""

    def __init__(self, env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.url = f"127.0.0.1:{self.port}"
        log_path = ROOT / "test-output" / f"bench-storefront-{name}-{self.port}.log"
        log_path.parent.mkdir(exist_ok=True)
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bench.storefront_server", str(self.port)],
                                         stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                         start_new_session=True)
        harness._RUNNING.append(self)  # type: ignore[arg-type]
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, *_ = fetch(http.client.HTTPConnection(self.url, timeout=5), "/health", {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the app server did not start; see {log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def fetch(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str],
                                                                                         bytes, float]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    wall = (time.perf_counter() - started) * 1000
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body, wall


# ---- one page, N views ----------------------------------------------------------------------------
@dataclass
class View:
    status: int
    server_ms: float
    wall_ms: float
    dynamodb: list[str]
    kms: int
    keystore: int
    size: int


def view_of(status: int, headers: dict[str, str], body: bytes, wall: float) -> View:
    timing = re.search(r"app;dur=([0-9.]+)", headers.get("server-timing", ""))
    calls = parse_header(headers.get("x-bench-calls", "dynamodb=;kms=0;keystore=0"))
    return View(status=status, server_ms=float(timing.group(1)) if timing else float("nan"), wall_ms=wall,
                dynamodb=calls["dynamodb"], kms=calls["kms"], keystore=calls["keystore"], size=len(body))


Request = Callable[[int], tuple[str, dict[str, str]]]


def hit(servers: list[AppServer], request: Request, n: int, max_seconds: float, errors: ErrorLog,
        what: str) -> list[View]:
    """n views, one client thread per server (one request in flight per server process), time-bounded."""
    deadline = time.perf_counter() + max_seconds
    views: list[list[View]] = [[] for _ in servers]

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(servers[k].url, timeout=30)
        for i in range(k, n, len(servers)):
            if time.perf_counter() > deadline:
                return
            path, headers = request(i)
            try:
                views[k].append(view_of(*fetch(conn, path, headers)))
            except (OSError, http.client.HTTPException) as exc:
                errors.add(what, exc)
                conn.close()
                conn = http.client.HTTPConnection(servers[k].url, timeout=30)
        conn.close()

    with ThreadPoolExecutor(len(servers)) as pool:
        list(pool.map(worker, range(len(servers))))
    out = [v for vs in views for v in vs]
    say(f"  {what}: {len(out)} views, p50 {percentile([v.server_ms for v in out], 50):.1f} ms server")
    return out


def summary(views: list[View], requested: int) -> dict[str, Any]:
    server = [v.server_ms for v in views]
    wall = [v.wall_ms for v in views]
    ops: Counter[str] = Counter(op for v in views for op in v.dynamodb)
    n = len(views)

    def pct(values: list[float]) -> dict[str, float | None]:
        return {f"p{p}": round(percentile(values, p), 1) if values else None for p in (50, 90, 99)}

    return {
        "views": n, "requested": requested, "non_200": dict(Counter(str(v.status) for v in views if v.status != 200)),
        "server_ms": pct(server), "wall_ms": pct(wall),
        "dynamodb_per_view": per(sum(ops.values()), n, 2),
        "dynamodb_ops_per_view": {op: per(count, n, 2) for op, count in sorted(ops.items())},
        "kms_calls": sum(v.kms for v in views), "keystore_calls": sum(v.keystore for v in views),
        "bytes_raw_median": int(percentile([v.size for v in views], 50)) if views else None,
    }


# ---- the scenario -----------------------------------------------------------------------------------
def requests_for(shop: SeededShop, pending: tuple[str, str]) -> dict[str, Request]:
    s = shop.slug
    order = f"/s/{s}/orders/{shop.order_id}?token={quote(shop.order_token)}"
    waiting = f"/s/{s}/orders/{pending[0]}?token={quote(pending[1])}"
    products = shop.product_ids

    def lang(i: int) -> dict[str, str]:
        return {"Accept-Language": ACCEPT[i % 2]}

    def search(i: int) -> tuple[str, dict[str, str]]:
        q = f"/s/{s}?q={quote(SEARCHES[i % len(SEARCHES)])}"
        if i % 3 == 0:  # a third of the searches inside a category
            q += f"&category={quote(shop.categories[i % len(shop.categories)])}"
        return q, lang(i)

    return {
        "shop": lambda i: (f"/s/{s}", lang(i)),
        "product": lambda i: (f"/s/{s}/p/{products[i % len(products)]}", lang(i)),
        "order_html": lambda i: (order, lang(i)),
        "order_json": lambda i: (order, {"Accept": "application/json"}),
        # What the order page's script really polls: an order still waiting for its payment.
        "order_json_pending": lambda i: (waiting, {"Accept": "application/json"}),
        "search": search,
        "lookup": lambda i: (f"/s/{s}/lookup", lang(i)),
    }


def weights(server: AppServer, shop: SeededShop) -> dict[str, Any]:
    """Bytes of every HTML page in both languages, raw and gzip-compressed, against the budget."""
    s = shop.slug
    paths = {"shop": f"/s/{s}", "shop_search": f"/s/{s}?q=steam",
             "product": f"/s/{s}/p/{shop.by_state['in_stock']}",
             "product_sold_out": f"/s/{s}/p/{shop.by_state['sold_out']}",
             "order": f"/s/{s}/orders/{shop.order_id}?token={quote(shop.order_token)}",
             "lookup": f"/s/{s}/lookup"}
    conn = http.client.HTTPConnection(server.url, timeout=30)
    pages: dict[str, Any] = {}
    for name, path in paths.items():
        for accept in ACCEPT:
            status, headers, body, _ = fetch(conn, path, {"Accept-Language": accept})
            if status != 200 or not headers.get("content-type", "").startswith("text/html"):
                pages[f"{name}.{accept[:5].rstrip(',')}"] = {"status": status}
                continue
            locale = headers.get("content-language", "?")
            pages[f"{name}.{locale}"] = {"raw": len(body), "gzip": len(gzip.compress(body, GZIP_LEVEL)),
                                         "gzip9": len(gzip.compress(body, 9))}
    conn.close()
    measured = [p["gzip"] for p in pages.values() if "gzip" in p]
    return {"budget_bytes_gzip": BUDGET_BYTES, "gzip_level": GZIP_LEVEL, "pages": pages,
            "largest_gzip": max(measured), "target_met": all(g <= BUDGET_BYTES for g in measured)}


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    with stack("storefront") as st:
        return run(args, st)


def run(args: argparse.Namespace, st: Any) -> dict[str, Any]:
    from chalice.test import Client

    from app import app

    load_before = os.getloadavg()
    with Client(app) as client:
        shop = seed_shop(client, st.settings, products=args.products, order_keys=5)
        r = checkout(client, shop.slug, shop.by_state["in_stock"])  # reserved, never paid: the page polls it
        assert r.status_code == 201, r.body
        pending = (json.loads(r.body)["order_id"], json.loads(r.body)["order_token"])
    say(f"seeded shop {shop.slug}: {len(shop.product_ids)} products, order {shop.order_id} with 5 keys")
    errors = ErrorLog()
    warm_env = app_env(st.settings, cache_seconds=args.cache_seconds)
    servers = [AppServer(warm_env, f"warm{k}") for k in range(args.servers)]
    cold = [AppServer(app_env(st.settings, cache_seconds=0), "cold")]
    say(f"{len(servers)} app servers (shelf cache {args.cache_seconds} s) and one with the cache off")
    try:
        reqs = requests_for(shop, pending)
        # The first view of each page in a fresh process: imports are done, but templates compile, the
        # tenant and shelf caches fill and the order page fetches the tenant's branch key (KMS).
        first = {name: view_of(*fetch(http.client.HTTPConnection(servers[0].url, timeout=30), *req(0)))
                 for name, req in reqs.items()}
        for server in servers[1:] + cold:  # the others warm up the same way, not measured
            for req in reqs.values():
                fetch(http.client.HTTPConnection(server.url, timeout=30), *req(0))
        counts = {"shop": args.shop, "product": args.product, "order_html": args.order, "order_json": args.poll,
                  "order_json_pending": args.poll, "search": args.search, "lookup": args.lookup}
        measured: dict[str, Any] = {}
        for name, n in counts.items():
            views = hit(servers, reqs[name], n, args.max_seconds, errors, name)
            measured[name] = summary(views, n)
            if name == "shop":
                # A view that read the shelf (the cache expired during the run) is a cold view.
                warm = [v for v in views if "BatchGetItem" not in v.dynamodb]
                measured["shop"]["warm_views"] = len(warm)
                measured["shop_warm"] = summary(warm, n)
        cold_views = hit(cold, reqs["shop"], args.cold, args.max_seconds, errors, "shop_cold")
        measured["shop_cold"] = summary(cold_views, args.cold)
        weight = weights(servers[0], shop)
    finally:
        for server in servers + cold:
            server.stop()
    timed = ("shop", "product", "order_html", "order_json", "order_json_pending", "search", "lookup")
    p50s = {name: measured[name]["server_ms"]["p50"] for name in timed}
    return {
        "scenario": "storefront", "products": len(shop.product_ids), "servers": args.servers,
        "concurrency": args.servers, "shelf_cache_seconds": args.cache_seconds,
        "speed": {"target_p50_server_ms": P50_TARGET_MS, "p50_server_ms": p50s,
                  "shop_cold_p50_server_ms": measured["shop_cold"]["server_ms"]["p50"],
                  "target_met": all(p is not None and p <= P50_TARGET_MS for p in p50s.values())},
        "weight": weight,
        "pages": measured,
        "first_view_in_new_process": {name: {"server_ms": v.server_ms, "wall_ms": round(v.wall_ms, 1),
                                             "dynamodb": v.dynamodb, "kms": v.kms, "keystore": v.keystore}
                                      for name, v in first.items()},
        "loadavg": {"before": [round(x, 2) for x in load_before],
                    "after": [round(x, 2) for x in os.getloadavg()]},
        **errors.report(),
        "note": "server_ms is the app's Server-Timing (moto standing in for DynamoDB); wall_ms is over loopback "
                "HTTP through chalice's local server; gzip at level 6",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for flag, default in (("shop", 300), ("product", 300), ("order", 300), ("poll", 300), ("search", 100),
                          ("lookup", 100), ("cold", 100), ("products", 20), ("servers", 2),
                          ("cache-seconds", 10)):
        parser.add_argument(f"--{flag}", type=int, default=default)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time bound per page")
    ns = parser.parse_args()
    threading.current_thread().name = "bench"
    main(lambda: scenario(ns))
