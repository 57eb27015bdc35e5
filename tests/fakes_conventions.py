"""In-memory rate counter and idempotency store, held to the DynamoDB ones by tests/contract/test_conventions.py."""

from __future__ import annotations

import threading

from chalicelib.kernel.conventions import IdempotencyRecord, StoredReply
from chalicelib.kernel.errors import StoreUnavailable


class FakeRateCounter:
    def __init__(self) -> None:
        self.hits: dict[tuple[str | None, str, str, int], int] = {}
        self.takes: list[int] = []  # tokens asked for, one entry per call: what a store write would cost
        self.down = False
        self._lock = threading.Lock()

    def take(self, *, tenant_id: str | None, subject: str, policy: str, window_start: int, expires_at: int,
             tokens: int, limit: int) -> int | None:
        with self._lock:
            if self.down:
                raise StoreUnavailable("the data store did not complete counting the request (fake); retry")
            self.takes.append(tokens)
            k = (tenant_id, subject, policy, window_start)
            if self.hits.get(k, 0) + tokens > limit:
                return None
            self.hits[k] = self.hits.get(k, 0) + tokens
            return self.hits[k]


class FakeIdempotencyStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str | None, str, str], dict[str, object]] = {}
        self._lock = threading.Lock()

    def claim(self, *, tenant_id: str | None, owner: str, key: str, fingerprint: str, token: str, now: int,
              lock_seconds: int, expires_at: int) -> IdempotencyRecord | None:
        with self._lock:
            held = self.records.get((tenant_id, owner, key))
            if held is None or int(held["expires_at"]) < now:  # type: ignore[call-overload]
                self.records[(tenant_id, owner, key)] = {"fp": fingerprint, "state": "running", "token": token,
                                                         "locked_until": now + lock_seconds,
                                                         "expires_at": expires_at, "reply": None}
                return None
            reply = held["reply"] if held["state"] == "done" else None
            return IdempotencyRecord(fingerprint=str(held["fp"]), state=str(held["state"]), token=str(held["token"]),
                                     locked_until=int(held["locked_until"]),  # type: ignore[call-overload]
                                     reply=reply)  # type: ignore[arg-type]

    def take_over(self, *, tenant_id: str | None, owner: str, key: str, old_token: str, token: str, now: int,
                  lock_seconds: int) -> bool:
        with self._lock:
            held = self.records.get((tenant_id, owner, key))
            if held is None or held["token"] != old_token or held["state"] != "running":
                return False
            held.update(token=token, locked_until=now + lock_seconds)
            return True

    def finish(self, *, tenant_id: str | None, owner: str, key: str, token: str, reply: StoredReply) -> None:
        with self._lock:
            held = self.records.get((tenant_id, owner, key))
            if held is not None and held["token"] == token:
                held.update(state="done", reply=reply)

    def release(self, *, tenant_id: str | None, owner: str, key: str, token: str) -> None:
        with self._lock:
            held = self.records.get((tenant_id, owner, key))
            if held is not None and held["token"] == token and held["state"] == "running":
                del self.records[(tenant_id, owner, key)]
