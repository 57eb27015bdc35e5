"""Builds marketing's parts: coupons and spend thresholds, their stores and services."""

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

    @cached_property
    def threshold_store(self) -> Any:
        from chalicelib.marketing.store.thresholds import DynamoThresholds

        return DynamoThresholds()

    @cached_property
    def thresholds(self) -> Any:
        from chalicelib.marketing.service.thresholds import ThresholdService

        c = self.c
        return ThresholdService(store=self.threshold_store, clock=c.platform.clock,
                                recent_seconds=float(c.platform.settings.console_cache_seconds))
