"""The app served over loopback HTTP the way `chalice local` serves it, with per-request AWS call counts.

    python -m bench.storefront_server PORT      (Settings from the environment, as `chalice local` reads them)

Runs chalice's own local server (`chalice.local.create_local_server`, the code `chalice local` runs) in its
own process, so the load generator's threads never share this interpreter's GIL with the app. Each answer
gets one extra header, added after the app has answered and outside its Server-Timing figure:
`X-Bench-Calls: dynamodb=<op>+<op>...;kms=<n>;keystore=<n>`, the DynamoDB requests PynamoDB made for this
request (pre_dynamodb_send), and the KMS and key-store calls on the Container's own boto3 clients.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

_local = threading.local()


def _calls() -> dict[str, Any]:
    if not hasattr(_local, "calls"):
        _local.calls = {"dynamodb": [], "kms": 0, "keystore": 0}
    return dict(_local.calls)


def _reset() -> None:
    _local.calls = {"dynamodb": [], "kms": 0, "keystore": 0}


def _on_dynamodb(sender: Any, operation_name: str, table_name: str | None, req_uuid: Any) -> None:
    _calls()  # make sure the slot exists in this thread
    _local.calls["dynamodb"].append(operation_name)


def _on_kms(model: Any, **_: Any) -> None:
    _calls()
    _local.calls["kms"] += 1


def _on_keystore(model: Any, **_: Any) -> None:
    _calls()
    _local.calls["keystore"] += 1


def header_value(calls: dict[str, Any]) -> str:
    return f"dynamodb={'+'.join(calls['dynamodb'])};kms={calls['kms']};keystore={calls['keystore']}"


def parse_header(value: str) -> dict[str, Any]:
    """The driver's side of X-Bench-Calls."""
    parts = dict(p.split("=", 1) for p in value.split(";"))
    return {"dynamodb": [op for op in parts["dynamodb"].split("+") if op], "kms": int(parts["kms"]),
            "keystore": int(parts["keystore"])}


def serve(port: int) -> None:
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, create_local_server
    from pynamodb.signals import pre_dynamodb_send

    from app import app
    from chalicelib import wiring

    c = wiring.container()  # Settings from the environment, exactly as a Lambda container builds it
    pre_dynamodb_send.connect(_on_dynamodb, weak=False)
    c.platform.kms_client.meta.events.register("before-call.kms.*", _on_kms)
    c.platform.ddb_client.meta.events.register("before-call.dynamodb.*", _on_keystore)

    # chalice's handler writes the headers and the body in two sends; with Nagle on, the body waits for
    # the client's delayed ACK (40 ms on Linux loopback) on every keep-alive request after the first. That
    # stall is the dev server's, not the app's (API Gateway never has it), so the bench turns Nagle off
    # unless BENCH_NAGLE=1 asks for `chalice local` exactly as it is.
    if os.environ.get("BENCH_NAGLE") != "1":
        ChaliceRequestHandler.disable_nagle_algorithm = True
    server = create_local_server(app, Config.create(chalice_stage="dev", app_name="kamidrop"), "127.0.0.1", port)
    served = type(app)

    class Counted(served):  # type: ignore[misc, valid-type]
        """The app, plus the counts header after it answered (never inside its timing)."""

        def __call__(self, event: Any, context: Any) -> Any:
            _reset()
            response = super().__call__(event, context)
            response.setdefault("headers", {})["X-Bench-Calls"] = header_value(_calls())
            return response

    app.__class__ = Counted
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(f"serving on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
