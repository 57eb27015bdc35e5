"""Child processes for the dev stack: free ports, process-group start and stop, readiness waits."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import requests

HOST = "127.0.0.1"


class StackError(RuntimeError):
    """The dev stack could not be started; the message says which part and why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port (sockets in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


class Child:
    """One child process in its own process group, its output kept in a log file."""

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path,
                 log_path: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._terminated = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            # A new session makes the child the leader of its own process group: a Ctrl-C
            # in the terminal reaches only us, and stop() can end the child's whole tree.
            self.proc = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        return self

    def exit_code(self) -> int | None:
        """None while running, else the exit code (negative: killed by that signal)."""
        return None if self.proc is None else self.proc.poll()

    def terminate(self) -> None:
        """SIGTERM to the child's process group (once), without waiting."""
        if self.proc is None or self._terminated:
            return
        self._terminated = True
        # The group id is the leader's pid; the pid cannot be reused while the leader is an
        # unreaped zombie or while any member of its group is alive, so killpg is safe here.
        _killpg(self.proc.pid, signal.SIGTERM)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM to the child's process group, SIGKILL to whatever is left after `grace` s."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        self.terminate()
        deadline = time.monotonic() + grace
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=grace)
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _group_alive(pgid):
            _killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored
            self.proc.wait(timeout=grace)

    def tail(self, lines: int = 40) -> str:
        """The last lines of the child's log, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def failure(self, what: str) -> StackError:
        """A StackError that names the child, its exit state, log file and last output."""
        code = self.exit_code()
        state = "is still running" if code is None else f"exited with code {code}"
        return StackError(
            f"{self.name}: {what} ({self.name} {state}; log: {self.log_path})\n"
            f"--- last output of {self.name} ---\n{self.tail()}\n--- end ---"
        )


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a member changed user; treat as alive
        return True
    return True


def wait_until(child: Child, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `ready` until it returns True; fail early if the child exits, or after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        if child.exit_code() is not None:
            raise child.failure(f"exited before it could {what}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise child.failure(f"did not {what} within {timeout:g} s")
        time.sleep(0.1)


def http_ready(url: str, *, headers: Mapping[str, str] | None = None,
               ok: Callable[[int], bool] = lambda status: True) -> Callable[[], bool]:
    """A readiness check: GET url answers (and `ok(status)` holds)."""

    def check() -> bool:
        try:
            response = requests.get(url, headers=dict(headers or {}), timeout=2)
        except requests.RequestException:
            return False
        return ok(response.status_code)

    return check


def log_contains(path: Path, marker: str) -> Callable[[], bool]:
    """A readiness check: the child has written `marker` to its log."""

    def check() -> bool:
        try:
            return marker in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False

    return check
