"""Fixed-window rate limits per API key (by the tenant's plan) and per client IP on public routes."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from chalicelib.kernel.conventions import Limit, RateCounter, RateState
from chalicelib.kernel.errors import DependencyUnavailable, RateLimited
from chalicelib.kernel.ports import Clock

log = logging.getLogger(__name__)

POLICIES: dict[str, Limit] = {
    "plan:starter": Limit(250, 10),
    "plan:growth": Limit(1000, 10),
    "plan:scale": Limit(2500, 10),
    "ip:public": Limit(300, 60),
    "ip:signup": Limit(10, 3600),
    "ip:checkout": Limit(20, 60),
    "ip:order_lookup": Limit(60, 60),
    "ip:licence": Limit(60, 60),
    # order lookup: per client IP on the route, and per e-mail address (hashed) in the lookup service
    "ip:lookup": Limit(10, 60),
    "ip:login_link": Limit(10, 60),
    "email:lookup": Limit(5, 900),
    "email:login_link": Limit(3, 900),
}


class RateLimitService:
    def __init__(self, *, counter: RateCounter, clock: Clock, policies: Mapping[str, Limit] | None = None) -> None:
        self._counter = counter
        self._clock = clock
        self._policies = dict(POLICIES if policies is None else policies)

    def limit_for(self, policy: str) -> Limit:
        return self._policies.get(policy) or self._policies["plan:starter"]

    def hit(self, *, policy: str, subject: str, tenant_id: str | None) -> RateState:
        """Counts the request; raises RateLimited (with the state's headers) when over the limit."""
        limit = self.limit_for(policy)
        now = self._clock.now()
        window_start = now - now % limit.window
        resets_in = window_start + limit.window - now
        try:
            used = self._counter.hit(tenant_id=tenant_id, subject=subject, policy=policy,
                                     window_start=window_start, expires_at=window_start + limit.window + 3600)
        except DependencyUnavailable:
            # Fail open: a counter outage must not take the API down; the log line makes it visible.
            log.warning("rate limit counter unavailable; request allowed", extra={"policy": policy})
            return RateState(limit=limit, used=0, resets_in=resets_in)
        state = RateState(limit=limit, used=used, resets_in=resets_in)
        if state.exceeded:
            raise RateLimited(f"too many requests: the limit is {limit.requests} per {limit.window} s; "
                              f"retry after {resets_in} s", retry_after=resets_in, headers=state.headers())
        return state
