"""Builds the console's parts: the home page's view of the shop and the activity page."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class ConsoleParts(Parts):
    @cached_property
    def home(self) -> Any:
        from chalicelib.console.service.home import HomeService

        return HomeService(stock=self.c.inventory.keys, orders=self.c.sales.orders,
                           recent_seconds=float(self.c.platform.settings.console_cache_seconds))

    @cached_property
    def activity(self) -> Any:
        from chalicelib.console.service.activity import ActivityService

        return ActivityService(log=self.c.platform.activity)

    @cached_property
    def orders(self) -> Any:
        from chalicelib.console.service.orders import OrderDesk

        c = self.c
        return OrderDesk(orders=c.sales.orders, keys=c.inventory.keys, reports=c.aftersales.reports,
                         events=c.integrations.webhooks, activity=c.platform.activity,
                         mail=c.platform.outbox)
