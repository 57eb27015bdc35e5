"""Builds after-sales' parts: the report store, reports and replacements, and their notices."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class AfterSalesParts(Parts):
    @cached_property
    def report_store(self) -> Any:
        from chalicelib.aftersales.store.reports import DynamoReportStore

        return DynamoReportStore()

    @cached_property
    def reports(self) -> Any:
        from chalicelib.aftersales.service.reports import AfterSalesService

        c, p = self.c, self.c.platform
        return AfterSalesService(store=self.report_store, orders=c.sales.orders, order_service=c.sales.orders,
                                 products=c.catalog.products, pool=c.inventory.pool, refunds=c.sales.refunds,
                                 queue=p.queue, clock=p.clock)

    @cached_property
    def notices(self) -> Any:
        from chalicelib.aftersales.service.notices import AfterSalesNotices

        c, p = self.c, self.c.platform
        return AfterSalesNotices(store=self.report_store, tenants=c.tenancy.tenants,
                                 events=c.integrations.events, mailer=p.mailer,
                                 public_base_url=p.settings.public_base_url)
