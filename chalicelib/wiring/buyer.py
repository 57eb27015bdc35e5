"""The container's buyer-side parts: storefront, shop settings, order lookup and after-sales."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .merchant import MerchantWiring


class BuyerWiring(MerchantWiring):
    """Parts the storefront pages and the buyer's routes use, on top of the merchant API's."""

    # ---- storefront and shop settings ----------------------------------------------------------------------
    @cached_property
    def shop_settings(self) -> Any:
        from chalicelib.services.shop_settings import ShopSettingsService

        return ShopSettingsService(tenants=self.tenant_store, allow_http_urls=not self.settings.production)

    @cached_property
    def storefront(self) -> Any:
        from chalicelib.services.storefront import StorefrontService

        return StorefrontService(products=self.product_store, stock=self.key_pool,
                                 ttl=float(self.settings.storefront_cache_seconds))

    # ---- order lookup and buyer sessions -------------------------------------------------------------------
    @cached_property
    def buyer_sessions(self) -> Any:
        from chalicelib.store.buyer_sessions import DynamoBuyerSessions

        return DynamoBuyerSessions()

    @cached_property
    def order_lookup(self) -> Any:
        from chalicelib.services.lookup import OrderLookupService

        return OrderLookupService(orders=self.order_store, passwords=self.query_passwords, links=self.order_links,
                                  sessions=self.buyer_sessions, mailer=self.mailer, rate_limits=self.rate_limits,
                                  clock=self.clock, public_base_url=self.settings.public_base_url)

    # ---- after-sales ---------------------------------------------------------------------------------------
    @cached_property
    def report_store(self) -> Any:
        from chalicelib.store.reports import DynamoReportStore

        return DynamoReportStore()

    @cached_property
    def after_sales(self) -> Any:
        from chalicelib.services.after_sales import AfterSalesService

        return AfterSalesService(store=self.report_store, orders=self.order_store, order_service=self.orders,
                                 products=self.product_store, pool=self.key_pool, refunds=self.refunds,
                                 queue=self.queue, clock=self.clock)

    @cached_property
    def after_sales_notices(self) -> Any:
        from chalicelib.services.after_sales_notices import AfterSalesNotices

        return AfterSalesNotices(store=self.report_store, tenants=self.tenant_store, orders=self.order_store,
                                 events=self.events, mailer=self.mailer, public_base_url=self.settings.public_base_url)
