"""moto server for the local stack and tests, with DynamoDB requests applied one at a time.

moto keeps tables in plain dicts; concurrent requests on its threaded server fail with
"dictionary changed size during iteration". DynamoDB itself serialises writes per item, so
running one DynamoDB request at a time keeps the emulator faithful; other services (SQS long
polls) stay concurrent. Usage: python -m devstack.moto_server PORT
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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 5000
    app = SerialDynamoDB(DomainDispatcherApplication(create_backend_app))
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    server.serve_forever()


if __name__ == "__main__":
    main()
