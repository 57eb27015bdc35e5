"""schemathesis fuzzes every documented route over real HTTP: no 5xx, every answer as the document says."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import ROOT, free_port
from tests.support.shop import (
    call,
    checkout,
    import_keys,
    new_keys,
    pay,
    post_event,
    product,
    sign_up,
    stripe_event,
)

OUTPUT = ROOT / "test-output" / "schemathesis"
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
MAX_EXAMPLES = 10  # per operation in the fuzzing phase; the coverage phase adds its own edge cases
RUN_TIMEOUT = 900
KEY_LIFECYCLE = r"^/v1/api_keys/\{api_key_id\}/(revoke|rotate)$"

pytestmark = pytest.mark.slow


@pytest.fixture()
def api_url(container: Any) -> Iterator[str]:
    """The app on 127.0.0.1 over real HTTP (chalice's own threaded local server), serving this module's container."""
    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app

    original_class = app.__class__
    port = free_port()
    config = Config.create(chalice_stage="test", app_name=app.app_name, project_dir=str(ROOT))
    # create_local_server keeps the current request per thread by swapping the app's class; undone below so
    # the other tests' in-process client sees the app exactly as before.
    server = create_local_server(app, config, "127.0.0.1", port)
    thread = threading.Thread(target=server.server.serve_forever, name="schemathesis-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(10)
        app.__class__ = original_class


def _ok(r: Any) -> Any:
    assert r.status_code in (200, 201), r.body
    return json.loads(r.body)


@pytest.fixture()
def shop(client: Any, settings: Any, container: Any) -> dict[str, Any]:
    """Real ids for the fuzzer to use most of the time, so routes get past 404 into their real work:
    a delivered order with its customer, a redeemed key, a webhook endpoint, an event, a spare API key."""
    owner = sign_up(client)
    key = owner["key"]
    item = product(client, key)
    batch = import_keys(client, key, item["id"], new_keys(40))
    order = _ok(checkout(client, owner["slug"], item["id"]))
    intent_id = order["payment"]["client_secret"].split("_secret_")[0]
    pay(settings, intent_id)
    assert _ok(post_event(client, *stripe_event(settings, intent_id)))["result"] == "delivered"
    tenant_id = owner["tenant"]["id"]
    container.sales.customers.count_delivery(tenant_id=tenant_id, order_id=order["order_id"])
    page = _ok(call(client, "GET", f"/s/{owner['slug']}/orders/{order['order_id']}?token={order['order_token']}",
                    headers={"Accept": "application/json"}))
    redemption = _ok(call(client, "POST", "/v1/redemptions", {"key": page["keys"][0], "redeemer": "fuzz"}, key=key))
    available = _ok(call(client, "GET", f"/v1/products/{item['id']}/keys?status=available", key=key))
    customer = _ok(call(client, "GET", "/v1/customers", key=key))["data"][0]
    # A closed port on loopback (allowed outside production): test sends fail fast, never leave the machine.
    endpoint = _ok(call(client, "POST", "/v1/webhook_endpoints",
                        {"url": f"http://127.0.0.1:{free_port()}/hook", "events": ["order.paid"]}, key=key))
    event_id = container.integrations.events.publish(tenant_id=tenant_id, type="order.paid", data={"id": order["order_id"]},
                                        dedupe_key="fuzz:order.paid")
    spare = _ok(call(client, "POST", "/v1/api_keys", {"name": "to be revoked by the fuzzer", "scopes": ["read"]},
                     key=key))
    return {"key": key, "slug": owner["slug"], "product_id": item["id"], "order_id": order["order_id"],
            "token": order["order_token"], "batch_id": batch["batch_id"], "spare_key_id": spare["id"],
            "key_id": available["data"][0]["id"], "customer_id": customer["id"], "endpoint_id": endpoint["id"],
            "event_id": event_id, "redemption_id": redemption["redemption"]["id"]}


def config_file(directory: Path, bindings: dict[str, str]) -> Path:
    """Dictionaries of real values bound to path and query parameters (the fuzzer still tries others)."""
    lines = []
    for name, value in bindings.items():
        lines += [f"[dictionaries.{name.replace('.', '_')}]", f"values = [{json.dumps(value)}]", ""]
    # API Gateway answers methods the app never declares (TRACE, OPTIONS, QUERY) itself; chalice's local
    # server answers them 501, which says nothing about the app. The app's 405s cover these methods.
    lines += ["[phases.coverage]", 'unexpected-methods = ["GET", "PUT", "POST", "DELETE", "PATCH"]', ""]
    lines.append("[parameters]")
    for name in bindings:
        lines.append(f'"{name}" = {{ dictionary = "{name.replace(".", "_")}", probability = 0.8 }}')
    path = directory / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_schemathesis(name: str, api_url: str, key: str, bindings: dict[str, str], directory: Path,
                     *selection: str) -> tuple[int, str]:
    """One `st run` over the operations selected; the report streams to test-output/schemathesis/<name>.txt."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (directory / name).mkdir()
    st = Path(sys.executable).parent / "st"
    argv = [str(st), "--config-file", str(config_file(directory / name, bindings)), "run",
            f"{api_url}/v1/openapi.json", "--url", api_url, "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
            "--workers", "1",  # hypothesis' lambda-source cache is not thread-safe: 2 workers crash it now and then
            "--phases", "coverage,fuzzing", "--header", f"Authorization: Bearer {key}",
            "--request-timeout", "30", "--generation-database", "none", "--seed", "20261101", "--no-color",
            "--no-shrink",  # one failing case per check is enough to name the route; shrinking costs minutes
            # add "ndjson" to --report for every request and answer (about 20 MB) when a failure needs digging
            "--report", "junit", "--report-junit-path", str(OUTPUT / f"{name}.junit.xml"), *selection]
    log_path = OUTPUT / f"{name}.txt"
    with open(log_path, "w", encoding="utf-8") as log:  # streamed, so a long run can be watched
        result = subprocess.run(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT,
                                check=False)
    return result.returncode, log_path.read_text(encoding="utf-8")


def test_every_route_answers_as_documented(api_url: str, shop: dict[str, Any], tmp_path: Path) -> None:
    # given the app over HTTP with a shop that has a product, keys, an order and a spare API key
    bindings = {"path.product_id": shop["product_id"], "path.order_id": shop["order_id"],
                "path.slug": shop["slug"], "path.batch_id": shop["batch_id"], "query.token": shop["token"],
                "path.key_id": shop["key_id"], "path.customer_id": shop["customer_id"],
                "path.endpoint_id": shop["endpoint_id"], "path.event_id": shop["event_id"],
                "path.redemption_id": shop["redemption_id"]}
    # when schemathesis runs every operation through coverage (edge and invalid inputs) and fuzzing; revoking
    # or rotating API keys goes last, on the spare key, since the fuzzer learns key ids from the list and
    # would otherwise revoke the key it is testing with
    first = run_schemathesis("all", api_url, shop["key"], bindings, tmp_path,
                             "--exclude-path-regex", KEY_LIFECYCLE)
    last = run_schemathesis("key_lifecycle", api_url, shop["key"],
                            {**bindings, "path.api_key_id": shop["spare_key_id"]}, tmp_path,
                            "--include-path-regex", KEY_LIFECYCLE)
    # then it found nothing: no 5xx, and every status, content type and body is the documented one
    failures = [f"{name} (test-output/schemathesis/{name}.txt):\n{report[-15000:]}"
                for name, (code, report) in (("all", first), ("key_lifecycle", last)) if code != 0]
    assert failures == [], "schemathesis failures\n" + "\n".join(failures)
