"""What every scenario shares: the local stack (moto + localstripe + a Container built like the tests
build it), a machine-independent request counter, and the one-JSON-object-on-stdout rule."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# Same credentials and region as tests/conftest.py, and nothing leaking in from the environment.
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"})
for _leaked in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_leaked, None)

import boto3  # noqa: E402

from chalicelib import wiring  # noqa: E402
from chalicelib.kernel.settings import Settings  # noqa: E402
from tests.support.servers import Server, local_settings, provision_aws, start_localstripe, start_moto  # noqa: E402

_T0 = time.perf_counter()


def say(message: str) -> None:
    """Progress goes to stderr; stdout carries only the result."""
    print(f"[{time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


# ---- the stack ----------------------------------------------------------------------------------
_RUNNING: list[Server] = []  # servers this process started, stopped even when it is terminated


def _terminated(signum: int, _frame: Any) -> None:
    for server in reversed(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()
    os._exit(128 + signum)


@dataclass
class Stack:
    moto: Server
    stripe: Server
    settings: Settings
    container: wiring.Container

    def aws(self, service: str) -> Any:
        """A plain boto3 client on the moto server, outside the Container (not counted)."""
        return boto3.client(service, endpoint_url=self.moto.url, region_name=self.settings.region)

    def item_count(self, table: str) -> int:
        return int(self.aws("dynamodb").describe_table(TableName=table)["Table"]["ItemCount"])


@contextlib.contextmanager
def stack(name: str) -> Iterator[Stack]:
    """moto server and localstripe on 127.0.0.1, Settings and Container exactly as tests/conftest.py
    makes them (tables bootstrapped with wiring.bootstrap); both servers stopped on the way out."""
    moto = start_moto()
    _RUNNING.append(moto)
    try:
        stripe_server = start_localstripe()
        _RUNNING.append(stripe_server)
        try:
            arn, queue_url = provision_aws(moto.url, f"bench-{name}")
            settings = local_settings(moto_url=moto.url, stripe_url=stripe_server.url, kms_key_arn=arn,
                                      queue_url=queue_url, tables=f"bench-{name}")
            wiring.bootstrap(settings)
            container = wiring.Container(settings)
            wiring.use(container)
            try:
                yield Stack(moto, stripe_server, settings, container)
            finally:
                wiring.use(None)
        finally:
            stripe_server.stop()
    finally:
        moto.stop()


# ---- counting -----------------------------------------------------------------------------------
class RequestCounter:
    """Counts requests per phase, independent of how fast the machine is:

    - DynamoDB requests PynamoDB makes, by operation (its pre_dynamodb_send signal), and how many of
      them raised (pre_dynamodb_send without the post_dynamodb_send that only follows a success:
      failed conditions, cancelled transactions, exhausted retries);
    - KMS calls and the key store's DynamoDB calls on the Container's own boto3 clients
      (botocore before-call events; one per API call, SDK retries not included).

    Create it right after the Container, before anything encrypts: the clients are cached there.
    Phases are switched between steps, never while worker threads run."""

    def __init__(self, container: wiring.Container) -> None:
        from pynamodb.signals import post_dynamodb_send, pre_dynamodb_send

        self._lock = threading.Lock()
        self._local = threading.local()
        self._phase = "setup"
        self._counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        self._signals = (pre_dynamodb_send, post_dynamodb_send)
        pre_dynamodb_send.connect(self._pre, weak=False)
        post_dynamodb_send.connect(self._post, weak=False)
        container.platform.kms_client.meta.events.register("before-call.kms.*", self._kms)
        container.platform.ddb_client.meta.events.register("before-call.dynamodb.*", self._keystore)

    def close(self) -> None:
        self._signals[0].disconnect(self._pre)
        self._signals[1].disconnect(self._post)

    # receivers
    def _add(self, kind: str, op: str) -> None:
        with self._lock:
            self._counts[self._phase][(kind, op)] += 1

    def _pre(self, sender: Any, operation_name: str, table_name: str | None, req_uuid: Any) -> None:
        self._add("dynamodb", operation_name)
        self._local.dynamodb = getattr(self._local, "dynamodb", 0) + 1

    def _post(self, sender: Any, operation_name: str, table_name: str | None, req_uuid: Any) -> None:
        self._add("dynamodb_ok", operation_name)

    def _kms(self, model: Any, **_: Any) -> None:
        self._add("kms", model.name)

    def _keystore(self, model: Any, **_: Any) -> None:
        self._add("keystore_dynamodb", model.name)

    # phases and reading
    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        previous, self._phase = self._phase, name
        try:
            yield
        finally:
            self._phase = previous

    def thread_dynamodb(self) -> int:
        """PynamoDB requests made so far by the calling thread (diff it around one call)."""
        return int(getattr(self._local, "dynamodb", 0))

    def _kind(self, phases: Sequence[str], kind: str) -> dict[str, int]:
        out: Counter[str] = Counter()
        with self._lock:
            for p in phases:
                for (k, op), n in self._counts[p].items():
                    if k == kind:
                        out[op] += n
        return dict(sorted(out.items()))

    def report(self, *phases: str) -> dict[str, Any]:
        """Counts for the phases named (all phases when none are)."""
        names = list(phases) or list(self._counts)
        ddb = self._kind(names, "dynamodb")
        ok = self._kind(names, "dynamodb_ok")
        failed = {op: n - ok.get(op, 0) for op, n in ddb.items() if n - ok.get(op, 0)}
        kms = self._kind(names, "kms")
        keystore = self._kind(names, "keystore_dynamodb")
        return {"dynamodb": ddb, "dynamodb_total": sum(ddb.values()), "dynamodb_failed": failed,
                "dynamodb_failed_total": sum(failed.values()), "kms": kms, "kms_total": sum(kms.values()),
                "keystore_dynamodb": keystore, "keystore_dynamodb_total": sum(keystore.values())}


class DynamoFailureTap:
    """Why DynamoDB calls failed, and how many HTTP attempts they took, for every botocore client
    created after it is installed (PynamoDB makes its own clients, some per transaction, so the tap
    joins botocore's list of handlers that each new session registers).

    Failures are keyed "<operation>:<target>:<error code>", where target tells a pool shard's counter
    ("counter") from a card key ("key") for UpdateItem, and a transaction's cancellation reasons are
    listed in order. Attempts count each HTTP send, retries included."""

    def __init__(self) -> None:
        from botocore import handlers

        self._lock = threading.Lock()
        self.failures: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._specs = [("before-parameter-build.dynamodb.*", self._classify),
                       ("before-call.dynamodb.*", self._before_call), ("before-send.dynamodb.*", self._send),
                       ("after-call.dynamodb.*", self._after_call)]
        self._handlers = handlers
        handlers.BUILTIN_HANDLERS.extend(self._specs)

    def close(self) -> None:
        for spec in self._specs:
            with contextlib.suppress(ValueError):
                self._handlers.BUILTIN_HANDLERS.remove(spec)

    @staticmethod
    def _target(model: Any, params: dict[str, Any]) -> str:
        if model.name != "UpdateItem":
            return "-"
        pk = str(params.get("Key", {}).get("pk", {}).get("S", ""))
        return "counter" if pk.endswith("#CTR") else "key" if "#S#" in pk else "other"

    def _classify(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_target"] = self._target(model, params)

    def _before_call(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    def _send(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        op = (target.decode() if isinstance(target, bytes) else str(target)).rsplit(".", 1)[-1]
        with self._lock:
            self.attempts[op] += 1

    def _after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                    **_: Any) -> None:
        if http_response.status_code < 300:
            return
        code = str(parsed.get("Error", {}).get("Code", http_response.status_code))
        key = f"{model.name}:{context.get('bench_target', '-')}:{code}"
        reasons = parsed.get("CancellationReasons")
        if reasons:
            key += "[" + ",".join(str(r.get("Code")) for r in reasons) + "]"
        with self._lock:
            self.failures[key] += 1

    def take(self) -> dict[str, Any]:
        """What was seen since the last take (call it between phases)."""
        with self._lock:
            retries = {op: self.attempts[op] - n for op, n in self.calls.items() if self.attempts[op] > n}
            out = {"failures_by_cause": dict(sorted(self.failures.items())), "http_retries": retries}
            self.failures.clear()
            self.attempts.clear()
            self.calls.clear()
            return out


class Timed:
    """A pass-through proxy that adds up the time spent in each method of the object it wraps.
    Install it with the Container's override mechanism before the services that use it are built:
    `container.platform.cipher = Timed(container.platform.cipher, "cipher", totals)`."""

    def __init__(self, target: Any, name: str, totals: TimeTotals) -> None:
        self._target, self._name, self._totals = target, name, totals

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if not callable(value):
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self._totals.add(f"{self._name}.{attr}", time.perf_counter() - t0)

        return timed


class TimeTotals:
    """Seconds and calls per label, thread-safe; read with take() between phases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: Counter[str] = Counter()
        self._calls: Counter[str] = Counter()

    def add(self, label: str, seconds: float) -> None:
        with self._lock:
            self._seconds[label] += seconds
            self._calls[label] += 1

    def take(self) -> dict[str, dict[str, float]]:
        with self._lock:
            out = {k: {"seconds": round(v, 3), "calls": self._calls[k]} for k, v in sorted(self._seconds.items())}
            self._seconds.clear()
            self._calls.clear()
            return out


class Progress:
    """Thread-safe 'n of total done' lines on stderr, every `every` completions."""

    def __init__(self, what: str, total: int, every: int = 250) -> None:
        self._lock = threading.Lock()
        self._what, self._total, self._every, self._done = what, total, every, 0
        self._t0 = time.perf_counter()

    def tick(self) -> None:
        with self._lock:
            self._done += 1
            done = self._done
        if done % self._every == 0 or done == self._total:
            rate = done / max(time.perf_counter() - self._t0, 1e-9)
            say(f"  {self._what}: {done}/{self._total} ({rate:.1f}/s)")


# ---- small statistics ------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def per(total: float, count: int, digits: int = 3) -> float | None:
    return round(total / count, digits) if count else None


# ---- errors met on the way -------------------------------------------------------------------------
class ErrorLog:
    """Counts unexpected exceptions by type; the first traceback of each type goes to stderr and
    (shortened) into the result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.first: dict[str, str] = {}

    def add(self, where: str, exc: BaseException) -> None:
        name = f"{where}:{type(exc).__name__}"
        with self._lock:
            self.counts[name] += 1
            if name not in self.first:
                tb = "".join(traceback.format_exception(exc))
                self.first[name] = tb[-3000:]
                print(f"--- first {name} ---\n{tb}", file=sys.stderr, flush=True)

    def report(self) -> dict[str, Any]:
        return {"errors": dict(self.counts), "error_tracebacks": self.first}


# ---- running a scenario ----------------------------------------------------------------------------
def main(scenario: Callable[[], dict[str, Any]]) -> None:
    """Run the scenario with stdout pointed at stderr (stray prints cannot spoil the JSON), then print
    its result, with the wall time, as one JSON object."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    # 64 buyer threads share PynamoDB's pool of 10 HTTP connections; urllib3 warns on each discard.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _terminated)
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    started = time.perf_counter()
    try:
        result = scenario()
    finally:
        sys.stdout = real_stdout
    result["wall_seconds_total"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, sort_keys=False, default=str))
