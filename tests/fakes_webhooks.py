"""A real HTTP webhook receiver on 127.0.0.1 that verifies Standard Webhooks signatures and can fail on demand."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass(frozen=True)
class Received:
    webhook_id: str
    timestamp: str
    signatures: list[str]
    body: dict[str, Any]
    answered: str  # the mode the receiver was in: "ok", "500", "429", "timeout", "gone"
    verified_by: tuple[str, ...]  # which of the receiver's secrets verified it


class Receiver:
    """Answers according to `mode`: ok 200, 500, 429, gone 410, timeout (sleeps longer than the sender waits)."""

    def __init__(self, *, sleep_on_timeout: float = 1.5) -> None:
        self.mode = "ok"
        self.secrets: list[str] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._sleep = sleep_on_timeout
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                mode = receiver.mode
                verified = []
                for secret in list(receiver.secrets):
                    try:
                        Webhook(secret).verify(raw, headers)
                        verified.append(secret)
                    except WebhookVerificationError:
                        pass
                with receiver._lock:
                    receiver.received.append(Received(
                        webhook_id=headers.get("webhook-id", ""), timestamp=headers.get("webhook-timestamp", ""),
                        signatures=headers.get("webhook-signature", "").split(" "), body=json.loads(raw),
                        answered=mode, verified_by=tuple(verified)))
                if mode == "timeout":
                    time.sleep(receiver._sleep)
                status = {"ok": 200, "500": 500, "429": 429, "gone": 410, "timeout": 200}[mode]
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up (timeout) and closed the connection

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kamidrop"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def of_type(self, event_type: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.body["type"] == event_type]
