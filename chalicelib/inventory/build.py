"""Builds the inventory's parts: the key pool, batches, the key-access log, key import and the keys service."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class InventoryParts(Parts):
    @cached_property
    def key_pool(self) -> Any:
        from chalicelib.inventory.store.pool import DynamoKeyPool

        return DynamoKeyPool()

    @cached_property
    def pool(self) -> Any:
        """What other capabilities get of the pool: reserve, release, read, stock, void (never the store)."""
        from chalicelib.inventory.service.pool import KeyPoolService

        return KeyPoolService(pool=self.key_pool)

    @cached_property
    def batch_store(self) -> Any:
        from chalicelib.inventory.store.batches import DynamoBatchStore

        return DynamoBatchStore()

    @cached_property
    def key_access_log(self) -> Any:
        from chalicelib.inventory.store.key_access import DynamoKeyAccessLog

        return DynamoKeyAccessLog()

    @cached_property
    def key_import(self) -> Any:
        from chalicelib.inventory.service.key_import import KeyImportService

        c = self.c
        return KeyImportService(tenants=c.tenancy.tenants, products=c.catalog.products, pool=self.key_pool,
                                cipher=c.platform.cipher, clock=c.platform.clock, batches=self.batch_store)

    @cached_property
    def keys(self) -> Any:
        from chalicelib.inventory.service.keys import InventoryService

        c = self.c
        return InventoryService(tenants=c.tenancy.tenants, products=c.catalog.products, pool=self.key_pool,
                                batches=self.batch_store, access_log=self.key_access_log, cipher=c.platform.cipher,
                                clock=c.platform.clock)
