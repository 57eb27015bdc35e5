"""What the benchmarks measure beside request counts: the read capacity units each request used (from the bytes of
the items it returned, by DynamoDB's rules), per-phase meters, services wrapped to meter their calls, and a clock
moved in time."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from bench.harness import RequestCounter, per

READS = ("Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems")


def _size(value: dict[str, Any]) -> int:
    """Stored size of one DynamoDB attribute value (the documented rules, numbers approximated)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return math.ceil(len(v.lstrip("-").replace(".", "")) / 2) + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(x.encode()) for x in v)
    if kind == "NS":
        return sum(math.ceil(len(x.lstrip("-").replace(".", "")) / 2) + 1 for x in v)
    if kind == "BS":
        return sum(len(x) for x in v)
    if kind == "L":
        return 3 + sum(_size(x) + 1 for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _size(x) + 1 for k, x in v.items())
    return len(json.dumps(v, default=str))


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _size(value) for name, value in item.items())


def _units(size: int) -> int:
    return max(1, math.ceil(size / 4096))


class CapacityTap:
    """Every DynamoDB response any botocore client created after it gets (PynamoDB's included): bytes and items
    read, and read capacity units by DynamoDB's rules (a Query's or Scan's page summed and rounded up to 4 KB, a
    GetItem or BatchGet's items each rounded up; × 0.5 unless strongly consistent, × 2 in a transaction); funnel
    row writes (UpdateItem on a `V#` row) and transaction items. Per label, like RequestCounter's phases."""

    def __init__(self) -> None:
        from botocore import handlers

        self._lock = threading.Lock()
        self._label = "setup"
        self._by: dict[str, Counter[str]] = defaultdict(Counter)
        self._rcu: dict[str, float] = defaultdict(float)
        self._specs = [("before-parameter-build.dynamodb.*", self._params), ("after-call.dynamodb.*", self._after)]
        self._handlers = handlers
        handlers.BUILTIN_HANDLERS.extend(self._specs)

    def close(self) -> None:
        for spec in self._specs:
            with contextlib.suppress(ValueError):
                self._handlers.BUILTIN_HANDLERS.remove(spec)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        previous, self._label = self._label, name
        try:
            yield
        finally:
            self._label = previous

    def _params(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        op = model.name
        if op in ("Query", "Scan", "GetItem"):
            context["bench_consistent"] = bool(params.get("ConsistentRead"))
        elif op == "BatchGetItem":
            context["bench_consistent"] = {t: bool(r.get("ConsistentRead"))
                                           for t, r in params.get("RequestItems", {}).items()}
        funnel, items = 0, 0
        if op == "UpdateItem" and str(params.get("Key", {}).get("sk", {}).get("S", "")).startswith("V#"):
            funnel = 1
        elif op == "TransactWriteItems":
            items = len(params.get("TransactItems", []))
            funnel = sum(1 for t in params.get("TransactItems", [])
                         if str(t.get("Update", {}).get("Key", {}).get("sk", {}).get("S", "")).startswith("V#"))
        if funnel or items:
            with self._lock:
                self._by[self._label]["funnel_writes"] += funnel
                self._by[self._label]["transaction_items"] += items

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
               **_: Any) -> None:
        op = model.name
        if op not in READS or http_response.status_code >= 300:
            return
        consistent = context.get("bench_consistent", False)
        sizes: list[int] = []
        rcu = 0.0
        if op in ("Query", "Scan"):
            sizes = [item_size(i) for i in parsed.get("Items", [])]
            rcu = math.ceil(sum(sizes) / 4096) * (1.0 if consistent else 0.5) if sizes else 0.5
        elif op == "GetItem":
            sizes = [item_size(parsed["Item"])] if parsed.get("Item") else []
            rcu = _units(sum(sizes)) * (1.0 if consistent else 0.5)
        elif op == "BatchGetItem":
            for table, found in parsed.get("Responses", {}).items():
                factor = 1.0 if isinstance(consistent, dict) and consistent.get(table) else 0.5
                for raw in found:
                    sizes.append(item_size(raw))
                    rcu += _units(sizes[-1]) * factor
        else:  # TransactGetItems: two units per 4 KB, always consistent
            for response in parsed.get("Responses", []):
                sizes.append(item_size(response.get("Item", {})))
                rcu += _units(sizes[-1]) * 2
        with self._lock:
            counts = self._by[self._label]
            counts["read_requests"] += 1
            counts["items_read"] += len(sizes)
            counts["bytes_read"] += sum(sizes)
            self._rcu[self._label] += rcu

    def report(self, *labels: str) -> dict[str, Any]:
        with self._lock:
            total: Counter[str] = Counter()
            for label in labels:
                total.update(self._by[label])
            rcu = sum(self._rcu[label] for label in labels)
        return {"read_requests": total["read_requests"], "items_read": total["items_read"],
                "bytes_read": total["bytes_read"], "rcu": round(rcu, 1), "funnel_writes": total["funnel_writes"],
                "transaction_items": total["transaction_items"]}


class Meter:
    """RequestCounter's phases and the CapacityTap's labels switched together (never while workers run)."""

    def __init__(self, counter: RequestCounter, tap: CapacityTap) -> None:
        self.counter, self.tap = counter, tap
        self.current = "setup"

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        previous, self.current = self.current, name
        try:
            with self.counter.phase(name), self.tap.phase(name):
                yield
        finally:
            self.current = previous

    def requests(self, *names: str) -> int:
        return int(self.counter.report(*names)["dynamodb_total"])

    def report(self, *names: str) -> dict[str, Any]:
        r = self.counter.report(*names)
        out = {"dynamodb": r["dynamodb"], "dynamodb_total": r["dynamodb_total"]}
        if r["dynamodb_failed_total"]:
            out["dynamodb_failed"] = r["dynamodb_failed"]
        if r["kms_total"] or r["keystore_dynamodb_total"]:
            out.update({"kms_total": r["kms_total"], "keystore_dynamodb_total": r["keystore_dynamodb_total"]})
        return {**out, **self.tap.report(*names)}


class Parted:
    """A part of the nightly job: a call made from the job itself (the meter in the `top` phase) is counted and
    timed in its own phase, `<top>/<part>.<method>`; calls from anywhere else pass straight through."""

    def __init__(self, target: Any, name: str, meter: Meter, top: str, seconds: dict[str, float]) -> None:
        self._target, self._name, self._meter, self._top, self._seconds = target, name, meter, top, seconds

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if not callable(value):
            return value

        def parted(*args: Any, **kwargs: Any) -> Any:
            if self._meter.current != self._top:
                return value(*args, **kwargs)
            label = f"{self._top}/{self._name}.{attr}"
            started = time.perf_counter()
            try:
                with self._meter.phase(label):
                    return value(*args, **kwargs)
            finally:
                self._seconds[label] = self._seconds.get(label, 0.0) + time.perf_counter() - started

        return parted


@dataclasses.dataclass(frozen=True)
class ShiftedClock:
    """The wall clock moved by `offset` seconds (the nightly's Monday; products listed long ago)."""

    offset: int

    def now(self) -> int:
        return int(time.time()) + self.offset


# ---- helpers ----------------------------------------------------------------------------------------


def stats(values: list[int]) -> dict[str, Any]:
    return {"median": statistics.median(values), "mean": round(statistics.fmean(values), 3), "min": min(values),
            "max": max(values)}


def per_each(meter: Meter, names: list[str]) -> dict[str, Any]:
    counts = [meter.requests(n) for n in names]
    r = meter.report(*names)
    return {"n": len(names), "requests": stats(counts),
            "ops_per_each": {op: per(k, len(names), 2) for op, k in r["dynamodb"].items()},
            "failed_per_each": {op: per(k, len(names), 2) for op, k in r.get("dynamodb_failed", {}).items()},
            "funnel_writes_per_each": per(r["funnel_writes"], len(names), 2),
            "transaction_items_per_each": per(r["transaction_items"], len(names), 2)}


def diff(a: dict[str, Any], b: dict[str, Any]) -> float:
    return float(a["requests"]["median"] - b["requests"]["median"])


# ---- 1. the funnel ----------------------------------------------------------------------------------
