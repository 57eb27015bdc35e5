"""Builds the catalog's parts: the product store and the product service."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class CatalogParts(Parts):
    @cached_property
    def product_store(self) -> Any:
        from chalicelib.catalog.store import DynamoProductStore

        return DynamoProductStore()

    @cached_property
    def products(self) -> Any:
        from chalicelib.catalog.service import CatalogService

        s = self.c.platform.settings
        return CatalogService(products=self.product_store, pool=self.c.inventory.pool, clock=self.c.platform.clock,
                              shards=s.pool_shards, allow_http_urls=not s.production)
