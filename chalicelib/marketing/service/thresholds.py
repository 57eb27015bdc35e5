"""Spend thresholds (满减): the merchant sets them per currency (API and console); checkout prices with the live
ones, which a container keeps for a few seconds."""

from __future__ import annotations

import re
from typing import Protocol

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.ports import Clock
from chalicelib.kernel.recent import Recent
from chalicelib.marketing.domain.pricing import Threshold
from chalicelib.marketing.domain.thresholds import SpendThresholds, parsed
from chalicelib.tenancy.domain.roles import Actor, Permission

CURRENCY = re.compile(r"^[a-z]{3}$")


class ThresholdStore(Protocol):
    def list(self, tenant_id: str) -> list[SpendThresholds]: ...
    def put(self, t: SpendThresholds) -> None: ...
    def delete(self, tenant_id: str, currency: str) -> None: ...


class ThresholdService:
    def __init__(self, *, store: ThresholdStore, clock: Clock, recent_seconds: float = 0) -> None:
        self._store = store
        self._clock = clock
        self._recent: Recent[list[SpendThresholds]] = Recent(recent_seconds)

    def list(self, *, actor: Actor, tenant_id: str) -> list[SpendThresholds]:
        actor.require(Permission.VIEW)
        return self._store.list(tenant_id)

    def put(self, *, actor: Actor, tenant_id: str, currency: str, body: object) -> SpendThresholds:
        actor.require(Permission.CATALOG)
        t = parsed(tenant_id, _currency(currency), v.body_object(body))
        self._store.put(t)
        self._recent.forget(tenant_id)
        return t

    def delete(self, *, actor: Actor, tenant_id: str, currency: str) -> None:
        actor.require(Permission.CATALOG)
        code = _currency(currency)
        if not any(t.currency == code for t in self._store.list(tenant_id)):
            raise NotFound(f"the shop has no spend thresholds in {code}")
        self._store.delete(tenant_id, code)
        self._recent.forget(tenant_id)

    def for_checkout(self, *, tenant_id: str, currency: str) -> tuple[Threshold, ...]:
        """The steps a checkout in `currency` is priced with now."""
        now = self._clock.now()
        found = self._recent.get(tenant_id, lambda: self._store.list(tenant_id))
        return next((t.live(now) for t in found if t.currency == currency), ())


def _currency(value: str) -> str:
    code = value.lower()
    if not CURRENCY.fullmatch(code):
        raise InvalidRequest("the currency must be a three-letter ISO 4217 code such as usd or cny", param="currency")
    return code
