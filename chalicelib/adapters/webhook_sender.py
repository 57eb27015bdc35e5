"""Sends one signed webhook (Standard Webhooks headers) over HTTP, refusing private addresses in production."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from chalicelib.integrations.domain import SEND_TIMEOUT_SECONDS, SendResult, refused_address_reason

USER_AGENT = "kamidrop-webhooks/1"
MAX_RESPONSE_BYTES = 4096  # the answer's body is never used; read a little so the connection can be reused


class HttpWebhookSender:
    """Resolves the host once per send, checks every address (production), then connects to the checked
    address itself (Host header and TLS name kept), so a DNS answer that changes between the check and the
    connection (rebinding) cannot reach an internal address. Redirects are not followed."""

    def __init__(self, *, production: bool, timeout: float = SEND_TIMEOUT_SECONDS,
                 wall_clock: Callable[[], float] = time.time,
                 resolve: Callable[[str, int], list[str]] | None = None) -> None:
        self._production = production
        self._timeout = timeout
        self._wall = wall_clock
        self._resolve = resolve or _resolve

    def sign(self, *, secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
        from standardwebhooks import Webhook

        when = datetime.fromtimestamp(timestamp, tz=UTC)
        text = body.decode()
        return " ".join(Webhook(s).sign(message_id, when, text) for s in secrets)

    def send(self, *, url: str, secrets: Sequence[str], message_id: str, body: bytes) -> SendResult:
        import urllib3

        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self._resolve(host, port)
        except OSError as exc:
            return SendResult(None, elapsed(), f"dns: could not resolve {host} ({type(exc).__name__})")
        if self._production:
            for address in addresses:
                reason = refused_address_reason(address)
                if reason is not None:
                    return SendResult(None, elapsed(), f"refused: {host} resolves to a {reason} address")
        if not addresses:
            return SendResult(None, elapsed(), f"dns: no address for {host}")
        timestamp = int(self._wall())
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT, "Host": parts.netloc.rsplit("@", 1)[-1],
            "webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": self.sign(secrets=secrets, message_id=message_id, timestamp=timestamp, body=body),
        }
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        timeout = urllib3.Timeout(connect=self._timeout, read=self._timeout, total=self._timeout)
        pool: urllib3.HTTPConnectionPool
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(addresses[0], port, server_hostname=host, assert_hostname=host,
                                               cert_reqs="CERT_REQUIRED", timeout=timeout, retries=False)
        else:
            pool = urllib3.HTTPConnectionPool(addresses[0], port, timeout=timeout, retries=False)
        try:
            response = pool.urlopen("POST", target, body=body, headers=headers, redirect=False,
                                    preload_content=False, assert_same_host=False)
            try:
                response.read(MAX_RESPONSE_BYTES)
            finally:
                response.release_conn()
            return SendResult(int(response.status), elapsed())
        except (TimeoutError, urllib3.exceptions.TimeoutError):
            return SendResult(None, elapsed(), f"timeout after {self._timeout:g} s")
        except urllib3.exceptions.HTTPError as exc:
            return SendResult(None, elapsed(), f"network: {type(exc).__name__}")
        except OSError as exc:
            return SendResult(None, elapsed(), f"network: {type(exc).__name__}")
        finally:
            pool.close()


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
