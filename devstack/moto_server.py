"""moto server for the local stack and tests, with DynamoDB requests applied one at a time.

moto keeps tables in plain dicts; concurrent requests on its threaded server fail with
"dictionary changed size during iteration". DynamoDB itself serialises writes per item, so
running one DynamoDB request at a time keeps the emulator faithful; other services (SQS long
polls) stay concurrent. moto also deep-copies a whole table once per item of a
TransactWriteItems call (its rollback copy); copying each table once per call gives the same
rollback at a fraction of the cost. Usage: python -m devstack.moto_server PORT
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

HOST = "127.0.0.1"


class SerialDynamoDB:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            with self._lock:
                return list(self._app(environ, start_response))  # finish the body inside the lock
        return self._app(environ, start_response)


def copy_tables_once_per_transaction() -> None:
    """moto's transact_write_items calls copy.deepcopy(table) for every item; memoise the copies of
    Table objects within one call (the rollback restores the state from before the call either way)."""
    import copy as stdlib_copy
    import types

    from moto.dynamodb import models as ddb_models

    memo: dict[int, Any] = {}
    active = threading.local()

    def deepcopy(obj: Any, *args: Any) -> Any:
        if getattr(active, "on", False) and isinstance(obj, ddb_models.Table):
            if id(obj) not in memo:
                memo[id(obj)] = stdlib_copy.deepcopy(obj)
            return memo[id(obj)]
        return stdlib_copy.deepcopy(obj, *args)

    ddb_models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=stdlib_copy.copy)  # type: ignore[attr-defined]
    original = ddb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> None:
        active.on = True
        try:
            original(self, transact_items)
        finally:
            active.on = False
            memo.clear()

    ddb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 5000
    copy_tables_once_per_transaction()
    app = SerialDynamoDB(DomainDispatcherApplication(create_backend_app))
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    server.serve_forever()


if __name__ == "__main__":
    main()
