"""The local API front (devstack/front.py) keeps `chalice local`'s semantics and answers keep-alive at once."""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.procs import Child, free_port, http_ready, wait_until

ROOT = Path(__file__).resolve().parents[2]
TINY_APP = '''
from chalice import Chalice, Response

app = Chalice(app_name="tiny")


@app.route("/hello/{name}")
def hello(name):
    request = app.current_request
    return {"name": name, "query": request.query_params, "ip": request.context["identity"]["sourceIp"],
            "agent": request.headers.get("x-agent")}


@app.route("/echo", methods=["POST"], content_types=["application/json"])
def echo():
    return Response(body={"got": app.current_request.json_body}, status_code=202,
                    headers={"X-One": "1", "Set-Cookie": ["a=1", "b=2"]})


@app.route("/bin", methods=["POST"], content_types=["application/octet-stream"])
def binary():
    return Response(body=app.current_request.raw_body[::-1], headers={"Content-Type": "application/octet-stream"})
'''


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = tmp_path_factory.mktemp("tiny")
    (project / "app.py").write_text(TINY_APP, encoding="utf-8")
    (project / ".chalice").mkdir()
    (project / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "app_name": "tiny",
                                                                   "stages": {"dev": {}}}), encoding="utf-8")
    port = free_port()
    # `timeout` ends the server by itself should this process die before it stops it.
    argv = ["timeout", "60", sys.executable, "-m", "devstack.front", "--port", str(port), "--project-dir",
            str(project), "--workers", "1", "--threads", "2"]
    child = Child("front", argv, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                  log_path=project / "front.log")
    child.start()
    try:
        wait_until(child, http_ready(f"http://127.0.0.1:{port}/hello/x"), timeout=20, what="answer")
        yield f"127.0.0.1:{port}"
    finally:
        child.stop()


def _get(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPResponse, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, r, r.read()


def test_keep_alive_requests_are_not_held_back_by_nagle(front: str) -> None:
    conn = http.client.HTTPConnection(front, timeout=10)
    _get(conn, "GET", "/hello/warm")
    walls = []
    for _ in range(10):
        started = time.perf_counter()
        status, _, _ = _get(conn, "GET", "/hello/again")
        walls.append((time.perf_counter() - started) * 1000)
        assert status == 200
    conn.close()
    assert statistics.median(walls) < 20, walls  # a delayed-ACK stall is ≥ 40 ms per request


def test_route_query_headers_and_source_ip_reach_the_view(front: str) -> None:
    conn = http.client.HTTPConnection(front, timeout=10)
    # The path goes to the router as sent (path parameters stay percent-encoded, as in `chalice local`).
    status, r, body = _get(conn, "GET", "/hello/k%C3%A4the?a=1&a=2&b=", headers={"X-Agent": "t"})
    assert (status, r.getheader("Content-Type")) == (200, "application/json")
    assert json.loads(body) == {"name": "k%C3%A4the", "query": {"a": "2", "b": ""}, "ip": "127.0.0.1", "agent": "t"}


def test_status_multi_value_headers_and_json_body_round_trip(front: str) -> None:
    conn = http.client.HTTPConnection(front, timeout=10)
    status, r, body = _get(conn, "POST", "/echo", body=b'{"x": [1, 2]}',
                           headers={"Content-Type": "application/json"})
    assert (status, json.loads(body), r.getheader("X-One")) == (202, {"got": {"x": [1, 2]}}, "1")
    assert r.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert r.getheader("Content-Length") == str(len(body))


def test_binary_body_round_trips(front: str) -> None:
    conn = http.client.HTTPConnection(front, timeout=10)
    payload = bytes(range(256))
    status, r, body = _get(conn, "POST", "/bin", body=payload,
                           headers={"Content-Type": "application/octet-stream",
                                    "Accept": "application/octet-stream"})
    assert (status, r.getheader("Content-Type"), body) == (200, "application/octet-stream", payload[::-1])


def test_gateway_errors_stay_chalices(front: str) -> None:
    conn = http.client.HTTPConnection(front, timeout=10)
    status, _, body = _get(conn, "GET", "/nowhere")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    status, _, _ = _get(conn, "DELETE", "/echo")
    assert status == 405
    status, _, _ = _get(conn, "POST", "/echo", body=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415
