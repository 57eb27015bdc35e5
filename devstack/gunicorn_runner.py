"""Serve a WSGI app with gunicorn's threaded workers from Python: keep-alive, TCP_NODELAY, a deep backlog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BACKLOG = 2048
KEEPALIVE = 75  # seconds an idle keep-alive connection stays open (browsers reuse theirs for minutes)


def options(*, host: str, port: int, workers: int, threads: int, name: str) -> dict[str, Any]:
    """gthread workers: idle keep-alive connections wait in the worker's poller, not in a thread.

    gunicorn sets TCP_NODELAY on the listening socket (accepted sockets inherit it on Linux), so a
    response written as headers then body is not held back by Nagle until the client's delayed ACK."""
    return {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
            "backlog": BACKLOG, "keepalive": KEEPALIVE, "worker_connections": 1000, "timeout": 120,
            "graceful_timeout": 3, "accesslog": None, "errorlog": "-", "loglevel": "info",
            "proc_name": f"kamidrop-{name}-{port}"}


def run(load: Callable[[], Any], settings: dict[str, Any]) -> None:
    """Run gunicorn until SIGTERM/SIGINT. `load` runs in each worker after the fork (no preload), so
    every worker builds its own app."""
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return load()

    Application().run()
