"""HTTP load helpers for benchmarks against a running stack: timed keep-alive calls, bursts, throughput."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.harness import percentile

_SERVER = re.compile(r"app;dur=([0-9.]+)")
_ID = re.compile(r"/(pi|pm|cus|evt|re|ch|seti)_[A-Za-z0-9]+")


@dataclass
class Timed:
    """One answer: status, client wall ms, the app's own ms (Server-Timing), the body."""

    status: int
    wall_ms: float
    server_ms: float
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def timed(session: requests.Session, method: str, url: str, **kwargs: Any) -> Timed:
    started = time.perf_counter()
    r = session.request(method, url, timeout=30, **kwargs)
    wall = (time.perf_counter() - started) * 1000
    found = _SERVER.search(r.headers.get("Server-Timing", ""))
    return Timed(r.status_code, wall, float(found.group(1)) if found else float("nan"), r.content,
                 dict(r.headers))


def pcts(values: list[float]) -> dict[str, float | None]:
    """p50 / p95 / p99 rounded to 0.1 (None without values)."""
    return {f"p{p}": round(percentile(values, p), 1) if values else None for p in (50, 95, 99)}


def keepalive_probe(url: str, n: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """n sequential GETs on one keep-alive session: client wall time against the app's own time."""
    session = requests.Session()
    session.get(url, headers=headers, timeout=30)  # connect and warm up
    views = [timed(session, "GET", url, headers=headers) for _ in range(n)]
    session.close()
    gaps = [v.wall_ms - v.server_ms for v in views]
    return {"n": n, "statuses": dict(Counter(str(v.status) for v in views)),
            "wall_ms": pcts([v.wall_ms for v in views]), "server_ms": pcts([v.server_ms for v in views]),
            "wall_minus_server_ms": pcts(gaps)}


def _error_name(exc: BaseException) -> str:
    """The innermost cause's type, e.g. ConnectionResetError behind requests' ConnectionError."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    text = str(exc)
    for marker in ("Connection reset by peer", "Connection refused", "Remote end closed", "timed out"):
        if marker in text:
            return f"{type(exc).__name__}: {marker}"
    return f"{type(exc).__name__} ({type(seen).__name__})"


def burst(clients: int, call: Callable[[requests.Session, int], Timed]) -> dict[str, Any]:
    """`clients` threads, each with its own session, released at once; one call each."""
    gate = threading.Barrier(clients)
    results: list[Timed | str] = [""] * clients

    def one(k: int) -> None:
        session = requests.Session()
        gate.wait()
        try:
            results[k] = call(session, k)
        except requests.RequestException as exc:
            results[k] = _error_name(exc)
        finally:
            session.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(clients)))
    seconds = time.perf_counter() - started
    answers = [r for r in results if isinstance(r, Timed)]
    return {"clients": clients, "seconds": round(seconds, 2),
            "statuses": dict(Counter(str(a.status) for a in answers)),
            "transport_errors": dict(Counter(r for r in results if isinstance(r, str))),
            "wall_ms": pcts([a.wall_ms for a in answers]), "server_ms": pcts([a.server_ms for a in answers]),
            "answers": answers}


def throughput(url: str, clients: int, seconds: float, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """`clients` keep-alive sessions GET `url` in a loop for `seconds`: answers per second and errors."""
    deadline = time.perf_counter() + seconds
    walls: list[list[float]] = [[] for _ in range(clients)]
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    gate = threading.Barrier(clients)

    def loop(k: int) -> None:
        session = requests.Session()
        gate.wait()
        while time.perf_counter() < deadline:
            try:
                t = timed(session, "GET", url, headers=headers)
            except requests.RequestException as exc:
                with lock:
                    errors[_error_name(exc)] += 1
                session.close()
                session = requests.Session()
                continue
            walls[k].append(t.wall_ms)
            with lock:
                statuses[str(t.status)] += 1
        session.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(loop, range(clients)))
    elapsed = time.perf_counter() - started
    flat = [w for ws in walls for w in ws]
    return {"clients": clients, "seconds": round(elapsed, 1), "answers": len(flat),
            "per_second": round(len(flat) / elapsed, 1), "statuses": dict(statuses),
            "transport_errors": dict(errors), "wall_ms": pcts(flat)}


class LogTally:
    """Counts request lines a server wrote to its log since the last take (localstripe's access log)."""

    def __init__(self, path: Path, pattern: str = r'"(GET|POST|DELETE) (/v1/[^ ?"]*)') -> None:
        self.path = path
        self.pattern = re.compile(pattern)
        self.offset = path.stat().st_size if path.exists() else 0

    def take(self) -> Counter[str]:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        self.offset += len(data)
        found: Counter[str] = Counter()
        for m in self.pattern.finditer(data.decode("utf-8", "replace")):
            found[f"{m.group(1)} {_ID.sub(lambda x: '/' + x.group(1) + '_*', m.group(2))}"] += 1
        return found


class MotoTally:
    """moto requests by `service:Operation` since the last take (devstack/moto_server.py's counter); with
    `path="request-ms"`, the milliseconds moto spent on them instead."""

    def __init__(self, endpoint: str, path: str = "requests") -> None:
        self.url = f"{endpoint}/_devstack/{path}"
        self.session = requests.Session()
        self.last: Counter[str] = self._read()

    def _read(self) -> Counter[str]:
        return Counter(self.session.get(self.url, timeout=10).json())

    def take(self) -> Counter[str]:
        now = self._read()
        diff = now - self.last
        self.last = now
        return diff
