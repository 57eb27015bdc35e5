"""Conventions on every response: request ids, 404 and 405 in the error shape, request ids in log lines."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.support.shop import call, sign_up


def _json(r: Any) -> Any:
    return json.loads(r.body)


@pytest.mark.parametrize("method, path", [
    ("GET", "/nowhere"), ("GET", "/v1/nothing/here"), ("POST", "/v1/products/prd_1/unknown"),
    ("DELETE", "/a/b/c/d/e/f"), ("GET", "/"),
])
def test_unknown_routes_answer_404_in_the_error_shape(client, method, path):
    r = call(client, method, path)
    assert r.status_code == 404
    assert _json(r)["error"]["type"] == "not_found" and _json(r)["error"]["code"] == "route_not_found"
    assert r.headers["X-Request-Id"].startswith("req_")


def test_a_known_path_with_another_method_answers_405_with_allow(client):
    r = call(client, "DELETE", "/v1/products")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    assert _json(r)["error"] == {"type": "invalid_request", "code": "method_not_allowed",
                                 "message": "DELETE is not allowed on /v1/products; use GET, POST"}


def test_every_answer_carries_a_request_id_and_ids_differ(client):
    shop = sign_up(client)
    answers = [call(client, "GET", "/v1/tenant", key=shop["key"]), call(client, "GET", "/v1/tenant"),
               call(client, "GET", "/health"), call(client, "POST", "/v1/products", {"x": 1}, key=shop["key"])]
    ids = [r.headers["X-Request-Id"] for r in answers]
    assert [r.status_code for r in answers] == [200, 401, 200, 400]
    assert all(i.startswith("req_") for i in ids) and len(set(ids)) == 4


def test_log_lines_carry_the_request_and_tenant_ids(client, caplog):
    shop = sign_up(client)
    caplog.set_level(logging.INFO, logger="chalicelib")
    r = call(client, "POST", "/v1/products/prd_missing/keys", {"keys": ["A"]}, key=shop["key"])
    logging.getLogger("chalicelib.test").info("after the request")
    assert r.status_code == 404
    # a line logged inside the request carries its ids; one logged after it does not
    inside = [rec for rec in caplog.records if rec.request_id == r.headers["X-Request-Id"]]
    after = [rec for rec in caplog.records if rec.getMessage() == "after the request"]
    assert after and after[0].request_id == "-" and after[0].tenant_id == "-"
    assert [(rec.getMessage(), rec.route, rec.status) for rec in inside] == [
        ("request", "POST /v1/products/{product_id}/keys", 404)]
    assert [rec.tenant_id for rec in inside] == [shop["tenant"]["id"]]


def test_the_json_log_format_holds_the_ids():
    from chalicelib.kernel.logs import JsonFormatter

    record = logging.LogRecord("chalicelib.x", logging.INFO, __file__, 1, "sold %s", ("1",), None)
    record.request_id, record.tenant_id, record.order_id = "req_1", "ten_1", "ord_1"
    assert json.loads(JsonFormatter().format(record)) == {
        "level": "INFO", "logger": "chalicelib.x", "message": "sold 1", "request_id": "req_1",
        "tenant_id": "ten_1", "order_id": "ord_1"}
