"""Builds the API conventions' parts: rate limits (per plan and per IP) and idempotency records."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class ConventionParts(Parts):
    @cached_property
    def rate_limits(self) -> Any:
        from chalicelib.http.conventions.rate_limits import POLICIES, RateLimitService
        from chalicelib.http.conventions.store import DynamoRateCounter
        from chalicelib.kernel.conventions import Limit
        from chalicelib.kernel.settings import rate_limit_overrides

        overrides = rate_limit_overrides(self.c.platform.settings.rate_limits)
        policies = {**POLICIES, **{name: Limit(n, w) for name, (n, w) in overrides.items()}}
        return RateLimitService(counter=DynamoRateCounter(), clock=self.c.platform.clock, policies=policies)

    @cached_property
    def idempotency(self) -> Any:
        from chalicelib.http.conventions.idempotency import IdempotencyService
        from chalicelib.http.conventions.store import DynamoIdempotencyStore

        return IdempotencyService(store=DynamoIdempotencyStore(), clock=self.c.platform.clock)
