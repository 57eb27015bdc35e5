"""The local stack as a context manager: moto, localstripe, the API front and the queue worker."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from devstack import provision
from devstack.procs import (
    HOST,
    Child,
    StackError,
    http_ready,
    log_contains,
    port_is_free,
    wait_until,
)
from devstack.worker import BACKGROUND_APP_ID
from devstack.worker import READY as WORKER_READY

if TYPE_CHECKING:
    from chalicelib.kernel.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"
LOG_MAX_AGE = 24 * 3600.0
# Which server runs the app: "gunicorn" (devstack/front.py: chalice's LocalGateway behind gunicorn's
# pre-fork threaded workers) or "chalice" (`chalice local`, one process, for comparison).
FRONTS = ("gunicorn", "chalice")
DEFAULT_FRONT = "gunicorn"
# Variables of the developer's shell that must not leak real AWS credentials into the stack.
_DROPPED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
                "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def _free_ports(count: int) -> list[int]:
    """`count` distinct free ports (all sockets are held open until every port is chosen)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _prune_old_logs(log_dir: Path, max_age: float = LOG_MAX_AGE) -> None:
    """Delete logs of stacks that stopped long ago (each stack writes `<name>-<port>.log`)."""
    cutoff = time.time() - max_age
    for path in log_dir.glob("*-*.log"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _chalice_bin() -> str:
    candidates = [Path(sys.executable).parent / "chalice", ROOT / ".venv" / "bin" / "chalice"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("chalice")
    if found is None:
        raise StackError("the `chalice` command is not installed (run `make install`)")
    return found


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM inside the block (main thread only), then restore them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Stack:
    """Starts the whole local stack on 127.0.0.1 and stops every process it started.

    Use as `with Stack() as stack: ...`; after start, `env`, `api_url`, `stripe_url`,
    `aws_endpoint`, `webhook_secret`, `stripe_secret_key`, `publishable_key`, `mail_dir`
    describe it. Children's output goes to `<log_dir>/<name>-<api port>.log`. `extra_env` adds to
    the app's environment (test stacks raise the rate limits with KAMIDROP_RATE_LIMITS). `front`
    picks the server of the app (FRONTS; default from KAMIDROP_FRONT, else gunicorn).
    """

    def __init__(self, *, api_port: int | None = None, root: Path | None = None,
                 log_dir: Path | None = None, mail_dir: Path | None = None,
                 worker: bool = True, startup_timeout: float = 60.0,
                 extra_env: dict[str, str] | None = None, front: str | None = None) -> None:
        self.front = front or os.environ.get("KAMIDROP_FRONT") or DEFAULT_FRONT
        if self.front not in FRONTS:
            raise StackError(f"unknown front {self.front!r} (one of {', '.join(FRONTS)})")
        self.root = (root or ROOT).resolve()
        self.requested_api_port = api_port
        self.log_dir = log_dir or self.root / ".devstack" / "logs"
        self.mail_dir = mail_dir or self.root / ".devstack" / "mail"
        self.with_worker = worker
        self.startup_timeout = startup_timeout
        self.stripe_secret_key = f"sk_test_{secrets.token_hex(12)}"
        self.publishable_key = f"pk_test_{secrets.token_hex(12)}"
        self.webhook_secret = f"whsec_{secrets.token_hex(16)}"
        self.api_port = 0
        self.api_url = ""
        self.stripe_url = ""
        self.aws_endpoint = ""
        self.env: dict[str, str] = {}
        self.extra_env = dict(extra_env or {})  # e.g. KAMIDROP_RATE_LIMITS for test stacks
        self.resources: provision.AwsResources | None = None
        self.children: dict[str, Child] = {}
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> Stack:
        """Start everything and wait until the API answers; on any failure stop what started."""
        if self._started:
            raise StackError("this Stack is already started")
        self._started = True
        atexit.register(self.stop)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every child (SIGTERM to its process group, SIGKILL after 5 s); idempotent.

        A second Ctrl-C or SIGTERM while stopping is held back until every child is gone.
        """
        with _signals_held():
            children = [self.children.pop(name) for name in reversed(list(self.children))]
            for child in children:  # all shut down in parallel, the worker first
                child.terminate()
            for child in children:
                child.stop()
        atexit.unregister(self.stop)

    # -- the steps ---------------------------------------------------------------------------

    def _start(self) -> None:
        moto_port, stripe_port, spare = _free_ports(3)
        self.api_port = self._choose_api_port(spare)
        self.api_url = f"http://{HOST}:{self.api_port}"
        self.aws_endpoint = f"http://{HOST}:{moto_port}"
        self.stripe_url = f"http://{HOST}:{stripe_port}"
        base = self._base_env()
        _prune_old_logs(self.log_dir)
        self.mail_dir.mkdir(parents=True, exist_ok=True)

        moto = self._spawn("moto", [sys.executable, "-m", "devstack.moto_server", str(moto_port)],
                           base)
        stripe = self._spawn("localstripe", [sys.executable, "-m", "devstack.localstripe_server",
                                             str(stripe_port)], base)
        wait_until(moto, http_ready(f"{self.aws_endpoint}/moto-api/"), timeout=self.startup_timeout,
                   what="answer HTTP")
        auth = {"Authorization": f"Bearer {self.stripe_secret_key}"}
        wait_until(stripe, http_ready(f"{self.stripe_url}/v1/customers", headers=auth,
                                      ok=lambda status: status == 200),
                   timeout=self.startup_timeout, what="answer GET /v1/customers")

        self.resources = provision.create_aws_resources(self.aws_endpoint, stage=STAGE)
        self.env = self._app_env(self.resources)
        child_env = {**base, **self.env}
        provision.bootstrap_app(child_env, cwd=self.root)
        provision.register_stripe_webhook(self.stripe_url, target_url=f"{self.api_url}/stripe/webhook",
                                          secret=self.webhook_secret)

        api = self._spawn("api", self._front_argv(), child_env)
        worker = None
        if self.with_worker:
            # named in its AWS calls' User-Agent: the emulator lets the API's requests go first (moto_server)
            worker = self._spawn("worker", [sys.executable, "-m", "devstack.worker"],
                                 {**child_env, "AWS_SDK_UA_APP_ID": BACKGROUND_APP_ID})
        wait_until(api, http_ready(f"{self.api_url}/health", ok=lambda status: status == 200),
                   timeout=self.startup_timeout, what="answer GET /health with 200")
        if worker is not None:
            wait_until(worker, log_contains(worker.log_path, WORKER_READY),
                       timeout=self.startup_timeout, what="report ready")

    def _front_argv(self) -> list[str]:
        if self.front == "chalice":
            # No autoreload: without watchdog, chalice's reloader stat()s every file under the
            # project (.venv included) each second and restarts on every write to .devstack/.
            return [_chalice_bin(), "local", "--host", HOST, "--port", str(self.api_port), "--stage", STAGE,
                    "--no-autoreload"]
        return [sys.executable, "-m", "devstack.front", "--host", HOST, "--port", str(self.api_port),
                "--stage", STAGE]

    def _choose_api_port(self, spare: int) -> int:
        if not self.requested_api_port:  # None or 0: any free port
            return spare
        if not port_is_free(self.requested_api_port):
            raise StackError(f"port {self.requested_api_port} on {HOST} is already in use")
        return self.requested_api_port

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env["PYTHONUNBUFFERED"] = "1"
        # Children import chalicelib and devstack from the repository root.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.root), env.get("PYTHONPATH", "")) if p)
        return env

    def _app_env(self, resources: provision.AwsResources) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": provision.REGION,
            "AWS_REGION": provision.REGION,
            "KAMIDROP_STAGE": STAGE,
            "KAMIDROP_AWS_ENDPOINT": self.aws_endpoint,
            "KAMIDROP_TABLE": f"kamidrop-{STAGE}-main",
            "KAMIDROP_KEYSTORE_TABLE": f"kamidrop-{STAGE}-keystore",
            "KAMIDROP_KMS_KEY_ARN": resources.kms_key_arn,
            "KAMIDROP_QUEUE_URL": resources.queue_url,
            "KAMIDROP_JOBS_QUEUE_URL": resources.jobs_queue_url,
            "KAMIDROP_EMAIL_FROM": resources.email_from,
            "KAMIDROP_PUBLIC_BASE_URL": self.api_url,
            "KAMIDROP_MAIL_DIR": str(self.mail_dir),
            "STRIPE_SECRET_KEY": self.stripe_secret_key,
            "STRIPE_PUBLISHABLE_KEY": self.publishable_key,
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
            "STRIPE_API_BASE": self.stripe_url,
            "STRIPE_JS_URL": f"{self.stripe_url}/js.stripe.com/v3/",
            **self.extra_env,
        }

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, env=env, cwd=self.root,
                      log_path=self.log_dir / f"{name}-{self.api_port}.log")
        self.children[name] = child
        return child.start()

    # -- helpers for callers -----------------------------------------------------------------

    def settings(self) -> Settings:
        """The app's Settings for this stack (`chalicelib.kernel.settings.from_environ(stack.env)`)."""
        from chalicelib.kernel.settings import from_environ

        return from_environ(self.env)

    @property
    def logs(self) -> dict[str, Path]:
        """Log file of each running child, by name (moto, localstripe, api, worker)."""
        return {name: child.log_path for name, child in self.children.items()}

    def describe(self) -> dict[str, Any]:
        """The stack's addresses and secrets in the shape of `.devstack.json` (without `demo`)."""
        return {
            "api": self.api_url,
            "stripe_api_base": self.stripe_url,
            "stripe_secret_key": self.stripe_secret_key,
            "stripe_publishable_key": self.publishable_key,
            "stripe_webhook_secret": self.webhook_secret,
            "aws_endpoint": self.aws_endpoint,
            "mail_dir": str(self.mail_dir),
        }
