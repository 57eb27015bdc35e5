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

    @cached_property
    def media(self) -> Any:
        from chalicelib.adapters.s3_media import S3MediaStore

        s = self.c.platform.settings
        return S3MediaStore(s3_client=self.c.platform.s3_client, bucket=s.media_bucket, base_url=s.media_base_url)

    @cached_property
    def images(self) -> Any:
        from chalicelib.catalog.image_service import ProductImageService

        return ProductImageService(catalog=self.products, media=self.media)
