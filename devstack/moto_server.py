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
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

HOST = "127.0.0.1"
THREADS = 64  # SQS long polls hold a thread each while they wait
COUNTS_PATH = "/_devstack/requests"
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


class SerialDynamoDB:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == COUNTS_PATH:
            with self._counts_lock:
                body = json.dumps(dict(self._counts)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        op = operation(environ)
        with self._counts_lock:
            self._counts[op] += 1
        if op.startswith("dynamodb:"):
            with self._lock:
                return list(self._app(environ, start_response))  # finish the body inside the lock
        return self._app(environ, start_response)


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


def main(argv: list[str] | None = None) -> None:
    """Serve moto on PORT: gunicorn, one process (moto's state lives in it), threads for SQS long polls.

    werkzeug's server answers every request with `Connection: close`, so each AWS call paid a new TCP
    connection and a new server thread; gunicorn keeps the clients' connections alive.
    KAMIDROP_MOTO_SERVER=werkzeug serves it the old way."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 5000
    sys.argv = sys.argv[:1]
    if os.environ.get("KAMIDROP_MOTO_SERVER") == "werkzeug":
        cheap_transaction_rollback()
        cached_module_list()
        MotoRequestHandler.disable_nagle_algorithm = True  # werkzeug writes headers and body in two sends
        server = make_server(HOST, port, build_app(), threaded=True, request_handler=MotoRequestHandler)
        server.serve_forever()
        return
    from devstack import gunicorn_runner

    def load() -> SerialDynamoDB:
        cheap_transaction_rollback()
        cached_module_list()
        return build_app()

    settings = gunicorn_runner.options(host=HOST, port=port, workers=1, threads=THREADS, name="moto")
    settings["limit_request_line"] = 0  # query-protocol GETs may carry long query strings
    gunicorn_runner.run(load, settings)


def build_app() -> SerialDynamoDB:
    return SerialDynamoDB(DomainDispatcherApplication(create_backend_app))

if __name__ == "__main__":
    main()
