"""Fixed-window rate limits per API key (by plan) and per client IP, spent from per-process token leases."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.kernel.conventions import Limit, RateCounter, RateState, lease_size, remaining
from chalicelib.kernel.errors import DependencyUnavailable, RateLimited
from chalicelib.kernel.ports import Clock

log = logging.getLogger(__name__)

POLICIES: dict[str, Limit] = {
    "plan:starter": Limit(250, 10),
    "plan:growth": Limit(1000, 10),
    "plan:scale": Limit(2500, 10),
    "ip:public": Limit(300, 60),
    "ip:signup": Limit(10, 3600),
    # checkout per address: only a flood guard. Hundreds of honest buyers may share one address (carrier-grade
    # NAT, a campus) in a flash sale's first minute; the shop's risk rules (risk/) count per device, per e-mail and
    # per address-with-device, which is what stops a script without stopping the crowd.
    "ip:checkout": Limit(120, 60),
    "ip:order_lookup": Limit(60, 60),
    "ip:licence": Limit(60, 60),
    # order lookup: per client IP on the route, and per e-mail address (hashed) in the lookup service
    "ip:lookup": Limit(10, 60),
    "ip:login_link": Limit(10, 60),
    "email:lookup": Limit(5, 900),
    # the console: signed-in pages per IP; the sign-in, sign-up and reset forms per IP (the lockout counts
    # wrong passwords on its own); account e-mails (confirmation, reset) per address
    "ip:console": Limit(600, 60),
    "ip:console_auth": Limit(30, 60),
    "email:console_mail": Limit(3, 900),
    "email:login_link": Limit(3, 900),
}


# Lease entries one process keeps at most: one per (tenant, policy, subject) active in the current window.
MAX_LEASES = 10_000

_Key = tuple[str | None, str, str, int]  # tenant, policy, subject, window start


@dataclass
class _Lease:
    ends: int  # the window's end: the entry is dropped after it
    central: int = 0  # the window's central count as last seen by this process
    unspent: int = 0  # tokens leased by this process and not spent yet


class RateLimitService:
    """Counts requests against fixed windows held in a central counter, a lease of tokens at a time.

    Each process (a Lambda container, a dev-server worker) leases tokens from the window's central count in one
    conditional write and spends them locally, one per request; the write is refused if the lease would take the
    count over the limit, so never more than `limit` requests pass in a window across all processes. The lease
    is an eighth of what the window has left by the last count this process saw (1 to 16 tokens, `lease_size`), so
    a busy key costs a write per 16 requests while the window's last tokens go one at a time. The price: tokens a
    process leased and did not spend lapse with the window, so a client whose requests spread over many processes
    may be refused a few requests early (up to 15 per unspent lease; a process's threads that find its lease empty
    at once each take one). With one process serving one request at a time (a Lambda container) it is exact.
    Once a process has seen the window full it refuses without a write: a window's count only grows.
    """

    def __init__(self, *, counter: RateCounter, clock: Clock, policies: Mapping[str, Limit] | None = None,
                 max_leases: int = MAX_LEASES) -> None:
        self._counter = counter
        self._clock = clock
        self._policies = dict(POLICIES if policies is None else policies)
        self._max_leases = max(1, max_leases)
        self._leases: dict[_Key, _Lease] = {}
        self._next_purge = math.inf  # the earliest end of a window held
        self._lock = threading.Lock()  # a process serves several threads

    def limit_for(self, policy: str) -> Limit:
        return self._policies.get(policy) or self._policies["plan:starter"]

    def held_leases(self) -> int:
        """Lease entries this process keeps: bounded by max_leases, and past windows are dropped."""
        with self._lock:
            return len(self._leases)

    def hit(self, *, policy: str, subject: str, tenant_id: str | None) -> RateState:
        """Counts the request; raises RateLimited (with the state's headers) when over the limit."""
        limit = self.limit_for(policy)
        now = self._clock.now()
        window_start = now - now % limit.window
        resets_in = window_start + limit.window - now
        key: _Key = (tenant_id, policy, subject, window_start)
        with self._lock:
            lease = self._lease(key, now, window_start + limit.window)
            if lease.unspent > 0:
                return self._spend(lease, limit, resets_in)
            if lease.central >= limit.requests:
                raise self._refusal(limit, resets_in)  # the count never drops within a window: no write needed
            tokens = lease_size(limit.requests, lease.central)

        def take(tokens: int) -> int | None:
            return self._counter.take(tenant_id=tenant_id, subject=subject, policy=policy, window_start=window_start,
                                      expires_at=window_start + limit.window + 3600, tokens=tokens,
                                      limit=limit.requests)

        # The write happens outside the lock: the process's other threads keep spending their leases meanwhile.
        try:
            central = take(tokens)
            if central is None and tokens > 1:
                tokens = 1  # fewer than the lease are left; the window's last ones go one at a time
                central = take(tokens)
        except DependencyUnavailable:
            # Fail open: a counter outage must not take the API down; the log line makes it visible.
            log.warning("rate limit counter unavailable; request allowed", extra={"policy": policy})
            return RateState(limit=limit, remaining=limit.requests, resets_in=resets_in)
        with self._lock:
            lease = self._lease(key, now, window_start + limit.window)
            if central is None:
                lease.central = max(lease.central, limit.requests)
            else:
                lease.central = max(lease.central, central)  # concurrent takes may answer out of order
                lease.unspent += tokens
            if lease.unspent == 0:  # refused, and no other thread of this process leased meanwhile
                raise self._refusal(limit, resets_in)
            return self._spend(lease, limit, resets_in)

    def _lease(self, key: _Key, now: int, ends: int) -> _Lease:
        lease = self._leases.get(key)
        if lease is not None:
            return lease
        if now >= self._next_purge:
            # A new window has started for some entry: drop all whose window is over (their tokens lapsed).
            self._leases = {k: v for k, v in self._leases.items() if v.ends > now}
            self._next_purge = min((v.ends for v in self._leases.values()), default=math.inf)
        while len(self._leases) >= self._max_leases:
            # Dropping a live entry only strands its unspent tokens: the limit still holds.
            del self._leases[next(iter(self._leases))]
        lease = self._leases[key] = _Lease(ends)
        self._next_purge = min(self._next_purge, ends)
        return lease

    @staticmethod
    def _spend(lease: _Lease, limit: Limit, resets_in: int) -> RateState:
        lease.unspent -= 1
        return RateState(limit=limit, remaining=remaining(limit.requests, lease.central, lease.unspent),
                         resets_in=resets_in)

    @staticmethod
    def _refusal(limit: Limit, resets_in: int) -> RateLimited:
        state = RateState(limit=limit, remaining=0, resets_in=resets_in)
        return RateLimited(f"too many requests: the limit is {limit.requests} per {limit.window} s; "
                           f"retry after {resets_in} s", retry_after=resets_in, headers=state.headers())
