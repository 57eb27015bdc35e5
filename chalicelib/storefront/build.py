"""Builds the storefront's parts: the cached shelf, buyer sessions and order lookup."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class StorefrontParts(Parts):
    @cached_property
    def shelf(self) -> Any:
        from chalicelib.storefront.service.shelf import StorefrontService

        c = self.c
        return StorefrontService(products=c.catalog.products, stock=c.inventory.pool,
                                 ttl=float(c.platform.settings.storefront_cache_seconds),
                                 wall=lambda: float(c.platform.clock.now()), visits=c.insights.funnel,
                                 picks=c.insights.recommendations)

    @cached_property
    def buyer_sessions(self) -> Any:
        from chalicelib.storefront.store import DynamoBuyerSessions

        return DynamoBuyerSessions()

    @cached_property
    def order_lookup(self) -> Any:
        from chalicelib.storefront.service.lookup import OrderLookupService

        c, p = self.c, self.c.platform
        return OrderLookupService(orders=c.sales.orders, passwords=p.query_passwords, links=p.order_links,
                                  sessions=self.buyer_sessions, mailer=p.mailer, rate_limits=c.api.rate_limits,
                                  clock=p.clock, public_base_url=p.settings.public_base_url)
