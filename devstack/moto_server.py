"""moto server for the local stack and tests, with DynamoDB requests applied one at a time.

moto keeps tables in plain dicts; concurrent requests on its threaded server fail with
"dictionary changed size during iteration". DynamoDB itself serialises writes per item, so
running one DynamoDB request at a time keeps the emulator faithful; other services (SQS long
polls) stay concurrent; a waiting API request goes before a waiting worker request. The costs in
moto that grow with the data (whole-table rollback copies and sorts, whole-queue counts) are
patched in `devstack/moto_patches.py`. Requests are counted by operation (`GET /_devstack/requests`,
and the time spent at `/_devstack/request-ms`, for benchmarks). Served by gunicorn with keep-alive.
Usage: python -m devstack.moto_server PORT
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from devstack import moto_patches
from devstack.worker import BACKGROUND_APP_ID

HOST = "127.0.0.1"
THREADS = 64  # SQS long polls hold a thread each while they wait
COUNTS_PATH = "/_devstack/requests"
TIMES_PATH = "/_devstack/request-ms"  # milliseconds spent in moto per operation, summed (DynamoDB: inside the lock)
_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def operation(environ: dict[str, Any]) -> str:
    """`service:Operation` for JSON-protocol calls (X-Amz-Target), else `service` from the signature."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        prefix, _, op = target.rpartition(".")
        service = "dynamodb" if prefix.startswith("DynamoDB") else prefix.split("_")[0].lower()
        return f"{service}:{op}"
    found = _SERVICE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return found.group(1) if found else "other"




class PriorityLock:
    """One holder at a time; when it is free, a waiting foreground request goes before any background one.

    On AWS the worker's DynamoDB traffic does not queue the API's: the table serves both at once. The
    emulator applies one DynamoDB request at a time, so here the worker's requests would sit between the
    API's; letting the API's waiters go first keeps that artefact off the buyer's path. The worker still gets
    every gap the API leaves (it catches up when the API is idle)."""

    def __init__(self) -> None:
        self._free = threading.Condition()
        self._busy = False
        self._foreground_waiting = 0

    def acquire(self, *, background: bool) -> None:
        with self._free:
            if not background:
                self._foreground_waiting += 1
            while self._busy or (background and self._foreground_waiting):
                self._free.wait()
            if not background:
                self._foreground_waiting -= 1
            self._busy = True

    def release(self) -> None:
        with self._free:
            self._busy = False
            self._free.notify_all()


class SerialDynamoDB:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = PriorityLock()
        self._counts: Counter[str] = Counter()
        self._ms: dict[str, float] = defaultdict(float)
        self._counts_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in (COUNTS_PATH, TIMES_PATH):
            with self._counts_lock:
                counts = self._counts if environ["PATH_INFO"] == COUNTS_PATH else self._ms
                body = json.dumps({k: round(v, 3) for k, v in counts.items()}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        op = operation(environ)
        with self._counts_lock:
            self._counts[op] += 1
        if op.startswith("dynamodb:"):
            self._lock.acquire(background=f"app/{BACKGROUND_APP_ID}" in str(environ.get("HTTP_USER_AGENT", "")))
            try:
                started = time.perf_counter()
                body_parts = list(self._app(environ, start_response))  # finish the body inside the lock
                self._spent(op, started)
            finally:
                self._lock.release()
            return body_parts
        started = time.perf_counter()
        body_parts = list(self._app(environ, start_response))
        self._spent(op, started)
        return body_parts

    def _spent(self, op: str, started: float) -> None:
        with self._counts_lock:
            self._ms[op] += (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> None:
    """Serve moto on PORT: gunicorn, one process (moto's state lives in it), threads for SQS long polls.

    werkzeug's server answers every request with `Connection: close`, so each AWS call paid a new TCP
    connection and a new server thread; gunicorn keeps the clients' connections alive.
    KAMIDROP_MOTO_SERVER=werkzeug serves it the old way."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 5000
    sys.argv = sys.argv[:1]
    if os.environ.get("KAMIDROP_MOTO_SERVER") == "werkzeug":
        moto_patches.apply()
        MotoRequestHandler.disable_nagle_algorithm = True  # werkzeug writes headers and body in two sends
        server = make_server(HOST, port, build_app(), threaded=True, request_handler=MotoRequestHandler)
        server.serve_forever()
        return
    from devstack import gunicorn_runner

    def load() -> SerialDynamoDB:
        moto_patches.apply()
        return build_app()

    settings = gunicorn_runner.options(host=HOST, port=port, workers=1, threads=THREADS, name="moto")
    settings["limit_request_line"] = 0  # query-protocol GETs may carry long query strings
    gunicorn_runner.run(load, settings)


def build_app() -> SerialDynamoDB:
    from devstack.s3_post_policy import PostPolicyGuard

    return SerialDynamoDB(PostPolicyGuard(DomainDispatcherApplication(create_backend_app)))

if __name__ == "__main__":
    main()
