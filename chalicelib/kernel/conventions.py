"""API conventions as domain rules: rate-limit windows and token leases, idempotent request records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Limit:
    """At most `requests` per fixed window of `window` seconds."""

    requests: int
    window: int


# Tokens one process leases from a window's central counter at most: at 16, a plan of 1,000 requests per 10 s
# costs a write per 16 requests, and a process that stops asking strands at most 15 tokens for the window.
MAX_LEASE = 16


def lease_size(limit: int, central: int) -> int:
    """Tokens to lease next: an eighth of what the window has left by the last central count seen, 1 to MAX_LEASE.

    Near the limit the lease shrinks to one token, so the window's last tokens go one request at a time to whichever
    process asks: little is stranded in processes that stop asking, and a single process counts exactly.
    """
    return max(1, min(MAX_LEASE, (limit - central) // 8))


def remaining(limit: int, central: int, unspent: int) -> int:
    """Requests left in the window as one process sees it: its own unspent tokens are still to be spent."""
    return max(0, limit - (central - unspent))


@dataclass(frozen=True)
class RateState:
    limit: Limit
    remaining: int
    resets_in: int

    def headers(self) -> dict[str, str]:
        # IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), as GitHub and others send them.
        return {"RateLimit-Limit": str(self.limit.requests),
                "RateLimit-Remaining": str(self.remaining),
                "RateLimit-Reset": str(self.resets_in),
                "RateLimit-Policy": f"{self.limit.requests};w={self.limit.window}"}


@dataclass(frozen=True)
class StoredReply:
    status: int
    body: str


@dataclass(frozen=True)
class IdempotencyRecord:
    fingerprint: str
    state: str  # "running" or "done"
    token: str
    locked_until: int
    reply: StoredReply | None


@dataclass(frozen=True)
class IdempotencyClaim:
    tenant_id: str | None
    owner: str
    key: str
    token: str
    replay: StoredReply | None = None


class RateCounter(Protocol):
    def take(self, *, tenant_id: str | None, subject: str, policy: str, window_start: int, expires_at: int,
             tokens: int, limit: int) -> int | None:
        """Leases `tokens` from the window's count unless that would take it over `limit`.

        Returns the count including them, or None (nothing taken) when fewer than `tokens` are left.
        """
        ...


class IdempotencyStore(Protocol):
    def claim(self, *, tenant_id: str | None, owner: str, key: str, fingerprint: str, token: str, now: int,
              lock_seconds: int,
              expires_at: int) -> IdempotencyRecord | None:
        """Takes the key for this request; returns None when taken, else the record that holds it."""
        ...

    def take_over(self, *, tenant_id: str | None, owner: str, key: str, old_token: str, token: str, now: int,
                  lock_seconds: int) -> bool: ...

    def finish(self, *, tenant_id: str | None, owner: str, key: str, token: str, reply: StoredReply) -> None: ...

    def release(self, *, tenant_id: str | None, owner: str, key: str, token: str) -> None: ...
