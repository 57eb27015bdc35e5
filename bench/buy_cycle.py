"""The whole buy cycle over HTTP against the stack `make run` starts: orders/s, event → key, bursts, keep-alive.

    python -m bench.buy_cycle [--orders 200] [--sample 20] [--burst 100] [--clients 100] [--seconds 10]
                              [--front gunicorn|chalice] [--localstripe-webhook] [--no-worker]

Starts `devstack.stack.Stack` (moto, localstripe, the API front, the worker) on free ports with the per-IP
rate limits raised, seeds a shop, a product and its keys through the API, then with keep-alive sessions:

- sequential cycle, N times: POST /s/{slug}/checkout → pay at localstripe (create a card PaymentMethod,
  attach it to the PaymentIntent, confirm, as tests/support/shop.py does) → the bench POSTs the signed
  `payment_intent.succeeded` to /stripe/webhook (signed with the stack's webhook secret, built from the
  confirmed intent; localstripe's own webhook waits 1 s before it sends, so it is switched off unless
  --localstripe-webhook) → GET the order page JSON until it shows the key. event → key = from sending the
  event to the page returning the key. Every key must be distinct and every order delivered. The first
  --sample cycles also count, per step, the requests each backend saw (moto by operation, localstripe by
  path; the worker's e-mail traffic included);
- a burst: --burst clients released at once, one checkout each: statuses and transport errors;
- keep-alive probe: /health and the cached shop page, wall vs the app's Server-Timing; then the shop page
  from --clients keep-alive clients for --seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench.cpu import CpuSplit
from bench.harness import main, say
from bench.http_load import LogTally, MotoTally, Timed, burst, keepalive_probe, pcts, throughput, timed
from devstack.stack import FRONTS, Stack

POLICIES = ("ip:signup", "ip:checkout", "ip:order_lookup", "ip:lookup", "ip:login_link", "ip:public",
            "ip:licence", "email:lookup", "email:login_link", "plan:starter", "plan:growth", "plan:scale")
CARD = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123"}
P99_TARGET_MS, ORDERS_PER_S_TARGET = 100.0, 15.0


class Shop:
    """A shop seeded through the API, and the calls a buyer and Stripe make against the stack."""

    def __init__(self, st: Stack, keys: int) -> None:
        self.st = st
        self.app = requests.Session()
        self.stripe = requests.Session()
        self.stripe.headers["Authorization"] = f"Bearer {st.stripe_secret_key}"
        self.slug = f"bench-{secrets.token_hex(4)}"
        body = {"name": "Bench cards", "slug": self.slug, "email": f"owner@{self.slug}.example.com",
                "password": "correct horse battery"}
        signup = self._ok(self.app.post(f"{st.api_url}/v1/tenants", json=body, timeout=30), 201)
        merchant = {"Authorization": f"Bearer {signup['api_key']}"}
        product = self._ok(self.app.post(f"{st.api_url}/v1/products", headers=merchant, timeout=30,
                                         json={"name": "Game card", "price": 500, "currency": "usd"}), 201)
        self.product_id = str(product["id"])
        codes = [f"BENCH-{secrets.token_hex(8).upper()}" for _ in range(keys)]
        imported = self._ok(self.app.post(f"{st.api_url}/v1/products/{self.product_id}/keys", headers=merchant,
                                          json={"keys": codes}, timeout=120), 200)
        assert imported["imported"] == keys, imported

    @staticmethod
    def _ok(r: requests.Response, status: int) -> Any:
        assert r.status_code == status, (r.status_code, r.text[:500])
        return r.json()

    def device(self, session: requests.Session) -> str:
        """The device id the product page issues a browser (its script sends it with the checkout, so the
        shop's risk rules count a buyer per device, as they do for real buyers)."""
        html = session.get(f"{self.st.api_url}/s/{self.slug}/p/{self.product_id}", timeout=30).text
        found = re.search(r'<script type="application/json" id="cfg">(.*?)</script>', html, re.S)
        return str(json.loads(found.group(1))["device"]) if found else ""

    def checkout(self, session: requests.Session, n: int) -> Timed:
        device = self.device(session)  # each buyer a browser of their own; the page view is not timed
        return timed(session, "POST", f"{self.st.api_url}/s/{self.slug}/checkout",
                     json={"product_id": self.product_id, "quantity": 1, "email": f"buyer{n}@example.com",
                           "device": device})

    def pay(self, intent_id: str) -> dict[str, Any]:
        base = self.st.stripe_url
        pm = self._ok(self.stripe.post(f"{base}/v1/payment_methods", data=CARD, timeout=30), 200)
        # localstripe takes no payment_method on confirm: attach it first (tests/support/shop.py's pay()).
        self._ok(self.stripe.post(f"{base}/v1/payment_intents/{intent_id}", data={"payment_method": pm["id"]},
                                  timeout=30), 200)
        return dict(self._ok(self.stripe.post(f"{base}/v1/payment_intents/{intent_id}/confirm", timeout=30),
                             200))

    def event(self, intent: dict[str, Any]) -> tuple[bytes, str]:
        """`payment_intent.succeeded` as Stripe sends it, with a real v1 signature."""
        event = {"id": f"evt_{secrets.token_hex(12)}", "object": "event", "type": "payment_intent.succeeded",
                 "created": int(time.time()), "data": {"object": intent}, "api_version": "2024-06-20"}
        payload = json.dumps(event).encode()
        ts = int(time.time())
        mac = hmac.new(self.st.webhook_secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
        return payload, f"t={ts},v1={mac}"

    def order_page(self, order_id: str, token: str) -> Timed:
        return timed(self.app, "GET", f"{self.st.api_url}/s/{self.slug}/orders/{order_id}",
                     params={"token": token}, headers={"Accept": "application/json"})


Mark = Callable[[str], None]


def one_cycle(shop: Shop, n: int, mark: Mark) -> dict[str, Any]:
    """One order from checkout to the key on the page; times in ms. `mark(step)` runs between steps,
    outside their times (it counts the backends' requests in sampled cycles)."""
    t0 = time.perf_counter()
    started = shop.checkout(shop.app, n)
    assert started.status == 201, started.body[:300]
    order = started.json()
    intent_id = order["payment"]["client_secret"].split("_secret_")[0]
    checkout_ms = (time.perf_counter() - t0) * 1000
    mark("checkout")
    t1 = time.perf_counter()
    intent = shop.pay(intent_id)
    assert intent["status"] == "succeeded", intent["status"]
    payload, signature = shop.event(intent)
    pay_ms = (time.perf_counter() - t1) * 1000
    mark("pay")
    t2 = time.perf_counter()
    hook = timed(shop.app, "POST", f"{shop.st.api_url}/stripe/webhook", data=payload,
                 headers={"Content-Type": "application/json", "Stripe-Signature": signature})
    assert hook.status == 200, hook.body[:300]
    hook_done = time.perf_counter()
    mark("webhook")
    t3 = time.perf_counter()
    polls, page = 0, None
    while polls < 50:
        polls += 1
        page = shop.order_page(order["order_id"], order["order_token"])
        if page.status == 200 and page.json().get("keys"):
            break
    assert page is not None
    event_to_key = (hook_done - t2 + time.perf_counter() - t3) * 1000
    mark("page")
    return {"checkout": checkout_ms, "pay": pay_ms, "event_to_key": event_to_key,
            "webhook": hook.wall_ms, "page": page.wall_ms, "server": {
                "checkout": started.server_ms, "webhook": hook.server_ms, "page": page.server_ms},
            "webhook_result": hook.json().get("result"), "polls": polls, "keys": page.json().get("keys") or []}


class StepCounts:
    """Backend requests per step of the sampled cycles, plus the worker's e-mail after each one. With the
    worker on, its queue work (order.created at checkout, the e-mail after the sale) lands in whichever step
    it overlaps; --no-worker gives the app's own requests per step."""

    def __init__(self, st: Stack) -> None:
        self.with_worker = "worker" in st.children
        self.moto, self.stripe = MotoTally(st.aws_endpoint), LogTally(st.logs["localstripe"])
        self.moto_ms = MotoTally(st.aws_endpoint, "request-ms")
        self.steps: dict[str, Counter[str]] = {}
        self.cycles = 0

    def mark(self, step: str) -> None:
        self.steps.setdefault(step, Counter()).update(self.moto.take() + self.stripe.take())
        if step == "page":
            self.cycles += 1
            if self.with_worker:  # wait (untimed) for the worker to send this order's e-mail
                counts: Counter[str] = Counter()
                deadline = time.perf_counter() + 3
                while not counts["ses"] and time.perf_counter() < deadline:
                    time.sleep(0.05)
                    counts += self.moto.take()
                self.steps.setdefault("worker_until_email_sent", Counter()).update(counts)

    def report(self) -> dict[str, Any]:
        n = max(self.cycles, 1)
        out: dict[str, Any] = {"cycles": self.cycles}
        spent = self.moto_ms.take()  # everything since the start, the worker's included
        out["moto_ms_per_order"] = {op: round(ms / n, 2) for op, ms in sorted(spent.items())
                                    if not op.endswith("ReceiveMessage")}  # a long poll's wait is not work
        out["moto_ms_per_order_total"] = round(sum(out["moto_ms_per_order"].values()), 1)
        for step, counts in self.steps.items():
            out[step] = {op: round(v / n, 2) for op, v in sorted(counts.items())}
        moto_app = sum(v for step, c in self.steps.items() if step != "worker_until_email_sent"
                       for op, v in c.items() if ":" in op or op in ("ses", "trentservice"))
        out["moto_per_order_app"] = round(moto_app / n, 2)
        return out


def cycles(shop: Shop, orders: int, sample: int) -> dict[str, Any]:
    counts = StepCounts(shop.st)
    steady_moto = steady_moto_ms = None
    cpu = CpuSplit({name: pid for name, child in shop.st.children.items() if (pid := child.pid) is not None})
    done: list[dict[str, Any]] = []
    steady_started = time.perf_counter()
    cpu.start()
    for n in range(orders):
        if n == sample:
            steady_started = time.perf_counter()
            cpu.start()
            steady_moto, steady_moto_ms = MotoTally(shop.st.aws_endpoint), MotoTally(shop.st.aws_endpoint, "request-ms")
        done.append(one_cycle(shop, n, counts.mark if n < sample else lambda step: None))
        if (n + 1) % 50 == 0:
            say(f"  cycle {n + 1}/{orders}")
    steady_wall = time.perf_counter() - steady_started
    cpu_ms = cpu.take(per=orders - sample if orders > sample else orders)
    moto_steady: dict[str, Any] = {}
    if steady_moto is not None and steady_moto_ms is not None:
        n_steady = orders - sample
        reqs, spent = steady_moto.take(), steady_moto_ms.take()
        moto_steady = {"requests_per_order": {op: round(v / n_steady, 2) for op, v in sorted(reqs.items())},
                       "requests_per_order_total": round(sum(reqs.values()) / n_steady, 2),
                       "ms_per_request": {op: round(spent[op] / v, 2) for op, v in sorted(reqs.items())
                                          if v and not op.endswith("ReceiveMessage")},
                       "ms_in_moto_per_order": round(sum(v for op, v in spent.items()
                                                         if not op.endswith("ReceiveMessage")) / n_steady, 1)}
    keys = [k for r in done for k in r["keys"]]
    steady = done[sample:] or done
    return {
        "orders": orders, "delivered": sum(1 for r in done if len(r["keys"]) == 1),
        "keys_delivered": len(keys), "duplicate_keys": len(keys) - len(set(keys)),
        "webhook_results": dict(Counter(str(r["webhook_result"]) for r in done)),
        "orders_per_s": round(len(steady) / steady_wall, 2),
        "orders_per_s_note": f"cycles {sample + 1}..{orders} back to back (the first {sample} count requests)",
        "ms": {step: pcts([r[step] for r in steady]) for step in ("checkout", "pay", "event_to_key",
                                                                 "webhook", "page")},
        "server_ms": {step: pcts([r["server"][step] for r in steady]) for step in ("checkout", "webhook", "page")},
        "page_polls_max": max(r["polls"] for r in done),
        "moto_steady": moto_steady,
        "cpu_ms_per_order": {**cpu_ms, "all": round(sum(cpu_ms.values()), 2),
                             "wall": round(steady_wall * 1000 / len(steady), 2)},
        "requests_per_order_by_step": counts.report(),
        "target": {"orders_per_s": ORDERS_PER_S_TARGET, "event_to_key_p99_ms": P99_TARGET_MS},
    }


def switch_off_localstripe_webhook(st: Stack) -> None:
    """Keep the registration but for payment failures only (localstripe waits 1 s before each send)."""
    fields = [("url", f"{st.api_url}/stripe/webhook"), ("secret", st.webhook_secret),
              ("events[]", "payment_intent.payment_failed")]
    r = requests.post(f"{st.stripe_url}/_config/webhooks/kamidrop", data=fields, timeout=10)
    assert r.status_code == 200, r.text[:300]


def table_items(st: Stack) -> int:
    """Items in the app's table (moto counts them live)."""
    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=st.aws_endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    return int(ddb.describe_table(TableName=st.env["KAMIDROP_TABLE"])["Table"]["ItemCount"])


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    limits = ",".join(f"{p}=10000000/60" for p in POLICIES)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kamidrop-bench-mail-") as mail:
        say(f"starting the stack (front: {args.front}) ...")
        with Stack(mail_dir=Path(mail), extra_env={"KAMIDROP_RATE_LIMITS": limits},
                   front=args.front, worker=args.worker) as st:
            if not args.localstripe_webhook:
                switch_off_localstripe_webhook(st)
            shop = Shop(st, keys=args.orders + args.burst + 10)
            say(f"seeded shop {shop.slug} with {args.orders + args.burst + 10} keys; {args.orders} cycles ...")
            cycle = cycles(shop, args.orders, min(args.sample, args.orders))
            say(f"  {cycle['orders_per_s']} orders/s, event → key {cycle['ms']['event_to_key']}")
            say(f"burst of {args.burst} checkouts ...")
            b = burst(args.burst, shop.checkout) if args.burst else {}
            b.pop("answers", None)
            say(f"keep-alive probe and {args.clients} clients for {args.seconds} s ...")
            shop_url = f"{st.api_url}/s/{shop.slug}"
            probe = {"health": keepalive_probe(f"{st.api_url}/health", 50),
                     "shop_page": keepalive_probe(shop_url, 50)}
            load = throughput(shop_url, args.clients, args.seconds) if args.clients else {}
            items = table_items(st)
    return {"scenario": "buy_cycle", "front": args.front, "worker": args.worker, "event_sender": (
                "bench (signed with the stack's webhook secret)" + (
                    "; localstripe's own webhook also on" if args.localstripe_webhook else "")),
            "table_items_at_end": items, "cycle": cycle, "burst_checkouts": b, "keepalive": probe,
            "shop_page_load": load,
            "cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()]}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=200)
    p.add_argument("--sample", type=int, default=20, help="first cycles that also count backend requests")
    p.add_argument("--burst", type=int, default=100)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--front", choices=FRONTS, default="gunicorn")
    p.add_argument("--localstripe-webhook", action="store_true",
                   help="leave localstripe's own (1 s delayed) webhook on as well: duplicate events")
    p.add_argument("--no-worker", dest="worker", action="store_false",
                   help="start the stack without the queue worker (no e-mails; the app's own requests only)")
    return p.parse_args(argv)


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
