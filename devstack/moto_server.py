"""moto server for the local stack and tests, with DynamoDB requests applied one at a time.

moto keeps tables in plain dicts; concurrent requests on its threaded server fail with
"dictionary changed size during iteration". DynamoDB itself serialises writes per item, so
running one DynamoDB request at a time keeps the emulator faithful; other services (SQS long
polls) stay concurrent. moto also deep-copies a whole table once per item of a
TransactWriteItems call (its rollback copy); snapshotting just the items a transaction names
gives the same rollback in O(items) instead of O(table). Requests are counted by operation
(`GET /_devstack/requests`, for benchmarks). Served by gunicorn with keep-alive (see main()).
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


def cached_module_list() -> None:
    """moto's dispatcher lists and stat()s its own package folder (~200 entries) on every request to find
    the service; the folder does not change while the server runs, so list it once."""
    import functools

    from moto import backends

    original = backends.list_of_moto_modules
    listed = functools.cache(lambda: tuple(original()))
    backends.list_of_moto_modules = listed  # type: ignore[assignment]


def cheap_transaction_rollback() -> None:
    """moto's transact_write_items deep-copies every table it touches once per item, to restore it if
    the transaction is cancelled: O(table size) per call. Here the tables are not copied; the items the
    transaction names are snapshotted instead and put back if it fails. Same outcome, O(items)."""
    import copy as stdlib_copy
    import types

    from moto.dynamodb import models as ddb_models
    from moto.dynamodb.models.dynamo_type import DynamoType

    active = threading.local()

    def deepcopy(obj: Any, *args: Any) -> Any:
        if getattr(active, "on", False) and isinstance(obj, ddb_models.Table):
            return obj  # the "backup" is the live table; the item snapshot below is the real backup
        return stdlib_copy.deepcopy(obj, *args)

    ddb_models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=stdlib_copy.copy)  # type: ignore[attr-defined]
    original = ddb_models.DynamoDBBackend.transact_write_items

    def snapshot(backend: Any, transact_items: Any) -> list[tuple[Any, Any, Any, Any]]:
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            attrs = op.get("Key") or op.get("Item")
            if table is None or not attrs or table.hash_key_attr not in attrs:
                continue
            h = DynamoType(attrs[table.hash_key_attr])
            r = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            current = table.items.get(h)
            if r is not None:
                current = current.get(r) if current else None
            saved.append((table, h, r, stdlib_copy.deepcopy(current)))
        return saved

    def restore(saved: list[tuple[Any, Any, Any, Any]]) -> None:
        for table, h, r, old in reversed(saved):
            if r is None:
                if old is None:
                    table.items.pop(h, None)
                else:
                    table.items[h] = old
            elif old is None:
                table.items[h].pop(r, None)
            else:
                table.items[h][r] = old

    def transact_write_items(self: Any, transact_items: Any) -> None:
        saved = snapshot(self, transact_items)
        active.on = True
        try:
            original(self, transact_items)
        except Exception:
            restore(saved)
            raise
        finally:
            active.on = False

    ddb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def partition_queries() -> None:
    """moto answers every Query by listing and sorting every item of the table (O(n log n) with its slow
    DynamoType comparisons: ~40 ms at 3,000 items), then keeping the matches; DynamoDB reads one partition.
    Here a Query on the table's key lists only its partition, and an index Query lists the items unsorted
    (it sorts its matches itself). Results, order and paging are moto's own: only the listing changes."""
    from moto.dynamodb.models.table import Table

    scope = threading.local()  # DynamoDB requests run one at a time, but keep it per thread all the same
    original_query, original_all_items = Table.query, Table.all_items

    def all_items(table: Any) -> list[Any]:
        if getattr(scope, "table", None) is not table:
            return original_all_items(table)
        items = table.items
        partitions = items.values() if scope.partition is None else (
            [items[scope.partition]] if scope.partition in items else [])
        if not table.range_key_attr:
            return list(partitions)
        return [item for partition in partitions for item in partition.values()]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        scope.table, scope.partition = self, (None if index_name else hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            scope.table = scope.partition = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def cheap_retention_check() -> None:
    """For each message it hands out, moto's ReceiveMessage reads the queue's retention period through
    get_queue_attributes, which builds every attribute, counting the queue's messages three times: O(queue)
    per message, so a backlog drains in O(n^2). The retention period is a field of the queue: read it."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period)


def cheap_send_message() -> None:
    """moto's SendMessage reads one queue attribute (ContentBasedDeduplication) through `Queue.attributes`,
    which builds every attribute, counting the queue's messages three times: O(queue) per message sent, ~9 ms
    per send once a few hundred messages wait. While a message is sent, the queue answers that one attribute
    (FIFO queues only have it, as in moto's full answer); everything else still gets every attribute."""
    from moto.sqs.models import Queue, SQSBackend

    sending = threading.local()
    every_attribute = Queue.attributes.fget  # type: ignore[attr-defined]

    def attributes(queue: Any) -> dict[str, Any]:
        if getattr(sending, "depth", 0) == 0:
            return dict(every_attribute(queue))
        if not queue.fifo_queue:
            return {}
        return {"ContentBasedDeduplication": str(bool(queue.content_based_deduplication)).lower()}

    def sends(original: Callable[..., Any]) -> Callable[..., Any]:
        def send(self: Any, *args: Any, **kwargs: Any) -> Any:
            sending.depth = getattr(sending, "depth", 0) + 1  # a batch sends each message through send_message
            try:
                return original(self, *args, **kwargs)
            finally:
                sending.depth -= 1
        return send

    Queue.attributes = property(attributes)  # type: ignore[assignment,method-assign]
    SQSBackend.send_message = sends(SQSBackend.send_message)  # type: ignore[method-assign]
    SQSBackend.send_message_batch = sends(SQSBackend.send_message_batch)  # type: ignore[method-assign]


def patch_moto() -> None:
    """Every patch above: each keeps moto's answers and removes a cost that grows with the data."""
    cheap_transaction_rollback()
    partition_queries()
    cheap_retention_check()
    cheap_send_message()
    cached_module_list()


def main(argv: list[str] | None = None) -> None:
    """Serve moto on PORT: gunicorn, one process (moto's state lives in it), threads for SQS long polls.

    werkzeug's server answers every request with `Connection: close`, so each AWS call paid a new TCP
    connection and a new server thread; gunicorn keeps the clients' connections alive.
    KAMIDROP_MOTO_SERVER=werkzeug serves it the old way."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 5000
    sys.argv = sys.argv[:1]
    if os.environ.get("KAMIDROP_MOTO_SERVER") == "werkzeug":
        patch_moto()
        MotoRequestHandler.disable_nagle_algorithm = True  # werkzeug writes headers and body in two sends
        server = make_server(HOST, port, build_app(), threaded=True, request_handler=MotoRequestHandler)
        server.serve_forever()
        return
    from devstack import gunicorn_runner

    def load() -> SerialDynamoDB:
        patch_moto()
        return build_app()

    settings = gunicorn_runner.options(host=HOST, port=port, workers=1, threads=THREADS, name="moto")
    settings["limit_request_line"] = 0  # query-protocol GETs may carry long query strings
    gunicorn_runner.run(load, settings)


def build_app() -> SerialDynamoDB:
    return SerialDynamoDB(DomainDispatcherApplication(create_backend_app))

if __name__ == "__main__":
    main()
