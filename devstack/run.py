"""`make run`: start the local stack, seed the demo shop, write .devstack.json, wait for Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from devstack.procs import StackError, port_is_free
from devstack.seed import SeedError, seed
from devstack.stack import ROOT, Stack

DEFAULT_PORT = 8000
STATE_FILE = ROOT / ".devstack.json"
# Pages the app may or may not serve yet; the banner lists only those that answer.
CONSOLE_PATHS = ("/console", "/console/login")
DOCS_PATHS = ("/docs", "/v1/docs")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.run", description=__doc__)
    parser.add_argument("--port", type=_port, default=None,
                        help=f"port of the API (default: {DEFAULT_PORT} when free, else any free port; "
                             "0: any free port)")
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo shop")
    return parser.parse_args(argv)


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port")
    return port


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def state(stack: Stack, demo: dict[str, Any] | None) -> dict[str, Any]:
    """The contents of .devstack.json (CONTRACT.md, "Local stack")."""
    data = stack.describe()
    data["demo"] = None if demo is None else {
        k: demo[k] for k in ("slug", "api_key", "console_email", "console_password", "products")}
    return data


def write_state(path: Path, data: dict[str, Any]) -> None:
    """Write atomically and readable only by the owner (it holds test secrets)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def remove_state(path: Path, api_url: str) -> None:
    """Remove .devstack.json unless another stack has written its own since."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("api") == api_url:
            path.unlink()
    except (OSError, ValueError):
        pass


def _first_page(api_url: str, paths: tuple[str, ...]) -> str | None:
    for path in paths:
        try:
            response = requests.get(f"{api_url}{path}", timeout=3, allow_redirects=False)
        except requests.RequestException:
            continue
        if response.status_code < 400:
            return f"{api_url}{path}"
    return None


def banner(stack: Stack, demo: dict[str, Any] | None) -> str:
    api = stack.api_url
    docs = _first_page(api, DOCS_PATHS) or "README.md and docs/ in the repository"
    lines = ["", "kamidrop local stack is up", ""]
    if demo is not None:
        lines.append(f"  storefront     {api}/s/{demo['slug']}")
    lines += [f"  API base       {api}/v1", f"  docs           {docs}"]
    console = _first_page(api, CONSOLE_PATHS)
    if console:
        lines.append(f"  console        {console}")
    if demo is not None:
        lines += [f"  demo API key   {demo['api_key']}",
                  f"  console login  {demo['console_email']} / {demo['console_password']}"]
    else:
        lines.append("  (no demo shop: started with --no-seed)")
    lines += [
        f"  local Stripe   {stack.stripe_url}  (webhooks go to {api}/stripe/webhook)",
        f"  mails          {stack.mail_dir}/*.eml",
        f"  logs           {stack.log_dir}/*-{stack.api_port}.log",
        f"  state file     {STATE_FILE.name} (for scripts and browser tests)",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def watch(stack: Stack) -> None:
    """Return when a child of the stack exits on its own (raises its failure)."""
    while True:
        for child in list(stack.children.values()):
            if child.exit_code() is not None:
                raise child.failure("stopped unexpectedly")
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C must work even when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_on_signal)
    port = args.port or None  # --port 0: any free port
    if args.port is None and port_is_free(DEFAULT_PORT):
        port = DEFAULT_PORT
    print("starting moto, localstripe, the API front and the worker ...", flush=True)
    stack = Stack(api_port=port)
    try:
        with stack:
            demo = None if args.no_seed else seed(stack.api_url, mail_dir=stack.mail_dir, aws_env=stack.env)
            write_state(STATE_FILE, state(stack, demo))
            try:
                print(banner(stack, demo), flush=True)
                watch(stack)
            finally:
                remove_state(STATE_FILE, stack.api_url)
    except KeyboardInterrupt:
        print("\nstopped.", flush=True)
        return 0
    except (StackError, SeedError) as exc:
        print(f"devstack: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
