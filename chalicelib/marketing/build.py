"""Builds marketing's parts: the coupon store and service."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class MarketingParts(Parts):
    @cached_property
    def coupon_store(self) -> Any:
        from chalicelib.marketing.store.coupons import DynamoCouponStore

        return DynamoCouponStore()

    @cached_property
    def coupons(self) -> Any:
        from chalicelib.marketing.service.coupons import CouponService

        c = self.c
        return CouponService(store=self.coupon_store, clock=c.platform.clock, uses=c.sales.hold_counts)
