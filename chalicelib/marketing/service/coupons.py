"""Coupons: the merchant sets them up (API and console), checkout asks whether one applies to a buyer's order."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.ports import Clock
from chalicelib.marketing.domain.coupons import Coupon, changed, normal_code, refusal
from chalicelib.tenancy.domain.roles import Actor, Permission

MESSAGES = {
    "coupon_not_found": "no such coupon in this shop; check the code",
    "coupon_inactive": "this coupon is switched off",
    "coupon_not_started": "this coupon is not valid yet",
    "coupon_ended": "this coupon has ended",
    "coupon_other_product": "this coupon is for other products",
    "coupon_currency": "this coupon is in another currency than the product",
    "coupon_not_for_you": "this coupon is for other buyers",
}


class CouponStore(Protocol):
    def get(self, tenant_id: str, code: str) -> tuple[Coupon, int] | None: ...
    def list(self, tenant_id: str) -> list[Coupon]: ...
    def save(self, coupon: Coupon, version: int) -> None: ...


class Uses(Protocol):
    def coupon_uses(self, *, tenant_id: str, codes: list[str]) -> dict[str, int]: ...


class CouponService:
    def __init__(self, *, store: CouponStore, clock: Clock, uses: Uses) -> None:
        self._store = store
        self._clock = clock
        self._uses = uses

    def create(self, *, actor: Actor, tenant_id: str, body: Any) -> Coupon:
        actor.require(Permission.CATALOG)
        data = v.body_object(body)
        for required in ("code", "kind", "value"):
            if required not in data:
                raise InvalidRequest(f"{required} is required", param=required)
        coupon = changed(Coupon(tenant_id, "", "percent", 1, created_at=self._clock.now()), data, creating=True)
        self._store.save(coupon, 0)
        return coupon

    def update(self, *, actor: Actor, tenant_id: str, code: str, body: Any) -> Coupon:
        actor.require(Permission.CATALOG)
        current, version = self._found(tenant_id, code)
        coupon = changed(current, v.body_object(body), creating=False)
        self._store.save(coupon, version)
        return coupon

    def get(self, *, actor: Actor, tenant_id: str, code: str) -> tuple[Coupon, int]:
        """The coupon and how many orders hold a use of it now."""
        actor.require(Permission.VIEW)
        coupon, _ = self._found(tenant_id, code)
        return coupon, self._uses.coupon_uses(tenant_id=tenant_id, codes=[coupon.code]).get(coupon.code, 0)

    def list(self, *, actor: Actor, tenant_id: str) -> list[tuple[Coupon, int]]:
        actor.require(Permission.VIEW)
        coupons = self._store.list(tenant_id)
        uses = self._uses.coupon_uses(tenant_id=tenant_id, codes=[c.code for c in coupons]) if coupons else {}
        return [(c, uses.get(c.code, 0)) for c in coupons]

    def for_checkout(self, *, tenant_id: str, code: str, product_id: str, currency: str, email: str) -> Coupon:
        """The coupon a buyer typed, if it applies to this order; a 400 with a stable code saying why not."""
        found = self._store.get(tenant_id, normal_code(code))
        coupon = found[0] if found else None
        reason = refusal(coupon, product_id=product_id, currency=currency, email=email, now=self._clock.now())
        if reason is not None or coupon is None:
            raise InvalidRequest(MESSAGES[reason or "coupon_not_found"], code=reason, param="coupon")
        return coupon

    def current(self, *, tenant_id: str, code: str) -> Coupon | None:
        """The coupon as it is now (a late payment counts its caps again), None when it is gone."""
        found = self._store.get(tenant_id, normal_code(code))
        return found[0] if found else None

    def _found(self, tenant_id: str, code: str) -> tuple[Coupon, int]:
        found = self._store.get(tenant_id, normal_code(code))
        if found is None:
            raise NotFound("no such coupon")
        return found
