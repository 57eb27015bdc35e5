"""Webhook fan-out: N events to 3 endpoints on loopback receivers, through the real publish and queue-handler code.

Publishing (EventService.publish: the endpoints Query + one TransactWriteItems with the dedupe marker, the event
and one delivery per endpoint) and delivering (WebhookDeliverer.deliver_event, what the SQS handler runs: event
GetItem, endpoints Query, deliveries BatchGetItem, one signed POST and one UpdateItem per delivery) are timed
separately. Deliveries run on THREADS threads, as concurrent queue handlers would. Every request the receivers
get is verified with the `standardwebhooks` library.

    python -m bench.webhook_fanout [--events 1000] [--threads 8]
"""

from __future__ import annotations

import argparse
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.harness import ErrorLog, Progress, RequestCounter, main, per, say, stack

ENDPOINTS = 3


class _Sink:
    """A loopback receiver answering 204 that verifies each signature with standardwebhooks."""

    def __init__(self) -> None:
        from standardwebhooks import Webhook

        self.secret = ""
        self.ok = 0
        self.bad = 0
        self.ids: set[str] = set()
        lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    Webhook(sink.secret).verify(raw, dict(self.headers.items()))
                    good = True
                except Exception:
                    good = False
                with lock:
                    sink.ok += good
                    sink.bad += not good
                    sink.ids.add(self.headers.get("webhook-id", ""))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _ListQueue:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def acknowledge(self, receipt_handles: list[str]) -> None:
        return None

    def send(self, body: dict[str, str], *, delay_seconds: int = 0) -> None:
        with self._lock:
            self.sent.append(dict(body))


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    sinks = [_Sink() for _ in range(ENDPOINTS)]
    errors = ErrorLog()
    try:
        with stack("webhook-fanout") as st:
            c = st.container
            queue = _ListQueue()
            # the SQS messages are collected and handled below exactly as the Lambda handler does
            c.platform.queue = queue
            counter = RequestCounter(c)
            slug = f"fanout-{secrets.token_hex(4)}"
            tenant, _ = c.tenancy.tenants.sign_up({"name": "Fan-out shop", "slug": slug,
                                                   "email": f"owner@{slug}.example.com",
                                           "password": "correct horse battery"})
            for sink in sinks:
                _, sink.secret = c.integrations.webhooks.create(tenant_id=tenant.id,
                                                                body={"url": sink.url, "events": ["*"]})
            c.integrations.webhook_deliverer.deliver_event  # noqa: B018 (build it before timing)

            say(f"publishing {args.events} events to {ENDPOINTS} endpoints")
            progress = Progress("events published", args.events, every=250)
            t0 = time.perf_counter()
            with counter.phase("publish"):
                for i in range(args.events):
                    try:
                        c.integrations.events.publish(tenant_id=tenant.id, type="order.paid",
                                         data={"object": "order", "id": f"ord_bench{i:05d}", "amount": 500},
                                         dedupe_key=f"order.paid:ord_bench{i:05d}")
                    except Exception as exc:
                        errors.add("publish", exc)
                    progress.tick()
            publish_s = time.perf_counter() - t0

            messages = list(queue.sent)
            say(f"delivering {len(messages)} queue messages on {args.threads} threads")
            progress = Progress("events delivered", len(messages), every=250)

            def deliver(body: dict[str, str]) -> int:
                try:
                    return int(c.integrations.webhook_deliverer.deliver_event(tenant_id=body["tenant_id"],
                                                                 event_id=body["event_id"]))
                except Exception as exc:
                    errors.add("deliver", exc)
                    return 0
                finally:
                    progress.tick()

            t0 = time.perf_counter()
            with counter.phase("deliver"), ThreadPoolExecutor(args.threads) as pool:
                sent = sum(pool.map(deliver, messages))
            deliver_s = time.perf_counter() - t0
            pub, dlv = counter.report("publish"), counter.report("deliver")
            table_items = st.item_count(st.settings.table_name)
            counter.close()
    finally:
        for sink in sinks:
            sink.stop()
    received = sum(s.ok + s.bad for s in sinks)
    return {
        "scenario": "webhook_fanout", "events": args.events, "endpoints": ENDPOINTS, "threads": args.threads,
        **errors.report(),
        "deliveries_expected": args.events * ENDPOINTS, "deliveries_sent": sent, "received": received,
        "signatures_verified": sum(s.ok for s in sinks), "signatures_bad": sum(s.bad for s in sinks),
        "distinct_webhook_ids": sum(len(s.ids) for s in sinks),
        "publish_events_per_s": round(args.events / publish_s, 1),
        "deliveries_per_s": round(sent / deliver_s, 1) if deliver_s else None,
        "end_to_end_deliveries_per_s": round(sent / (publish_s + deliver_s), 1),
        "dynamodb_requests_per_event_published": per(pub["dynamodb_total"], args.events),
        "dynamodb_requests_per_delivery": per(pub["dynamodb_total"] + dlv["dynamodb_total"], sent),
        "dynamodb_requests_per_delivery_send_side": per(dlv["dynamodb_total"], sent),
        "dynamodb_by_operation": {"publish": pub["dynamodb"], "deliver": dlv["dynamodb"]},
        "dynamodb_failed": {"publish": pub["dynamodb_failed"], "deliver": dlv["dynamodb_failed"]},
        "kms_calls": pub["kms_total"] + dlv["kms_total"],
        "table_items_after": table_items,
        "notes": [
            "Per event: publish = 1 Query (endpoints) + 1 TransactWriteItems (dedupe marker, event, 3 deliveries); "
            "queue handler = 1 GetItem (event) + 1 Query (endpoints) + 1 BatchGetItem (deliveries) + 1 UpdateItem "
            "per delivery (result and attempt). Counts carry over to AWS; rates are this machine's and moto's "
            "(one DynamoDB request at a time) with the table size given.",
            "Signing secrets are opened with a per-tenant key derived once per process (no KMS per delivery).",
        ],
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=1000)
    p.add_argument("--threads", type=int, default=8)
    return p.parse_args(argv)


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
