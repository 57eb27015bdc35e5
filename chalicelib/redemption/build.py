"""Builds redemption's parts: the redemption store, the key locator, redemptions and licences."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class RedemptionParts(Parts):
    @cached_property
    def redemption_store(self) -> Any:
        from chalicelib.redemption.store.redemptions import DynamoRedemptionStore

        return DynamoRedemptionStore()

    @cached_property
    def key_locator(self) -> Any:
        from chalicelib.redemption.service.redemptions import KeyLocator

        c = self.c
        return KeyLocator(tenants=c.tenancy.tenants, cipher=c.platform.cipher, store=self.redemption_store)

    @cached_property
    def redemptions(self) -> Any:
        from chalicelib.redemption.service.redemptions import RedemptionService

        c = self.c
        return RedemptionService(locator=self.key_locator, store=self.redemption_store, events=c.integrations.events,
                                 clock=c.platform.clock)

    @cached_property
    def licences(self) -> Any:
        from chalicelib.redemption.service.licences import LicenceService

        c = self.c
        return LicenceService(locator=self.key_locator, store=self.redemption_store,
                              products=c.catalog.products, clock=c.platform.clock)
