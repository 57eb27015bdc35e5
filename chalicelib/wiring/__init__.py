"""The composition root: one builder per capability, composed once per container; the only place that picks parts.

Each capability's `build.py` makes its stores and services lazily (first use, then kept), so a Lambda container
pays only for the parts its requests touch. Tests pass Settings and replace parts by name before they are built.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.adapters.build import PlatformParts
from chalicelib.aftersales.build import AfterSalesParts
from chalicelib.catalog.build import CatalogParts
from chalicelib.console.build import ConsoleParts
from chalicelib.http.conventions.build import ConventionParts
from chalicelib.insights.build import InsightsParts
from chalicelib.integrations.build import IntegrationParts
from chalicelib.inventory.build import InventoryParts
from chalicelib.kernel.parts import Parts
from chalicelib.kernel.settings import Settings, current
from chalicelib.marketing.build import MarketingParts
from chalicelib.redemption.build import RedemptionParts
from chalicelib.risk.build import RiskParts
from chalicelib.sales.build import SalesParts
from chalicelib.storefront.build import StorefrontParts
from chalicelib.tenancy.build import TenancyParts


class Container:
    """Everything a request or job needs, one builder per capability.

    `Container(settings, key_pool=fake, clock=clock)` replaces parts by name before anything is built; each name
    belongs to exactly one builder (`part(name)` finds it).
    """

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        from chalicelib.adapters.dynamo.items import configure
        from chalicelib.kernel import logs

        logs.configure(settings.log_level)
        configure(table_name=settings.table_name, region=settings.region, host=settings.aws_endpoint_url)
        self.platform = PlatformParts(self)
        self.api = ConventionParts(self)
        self.tenancy = TenancyParts(self)
        self.catalog = CatalogParts(self)
        self.inventory = InventoryParts(self)
        self.sales = SalesParts(self)
        self.storefront = StorefrontParts(self)
        self.aftersales = AfterSalesParts(self)
        self.integrations = IntegrationParts(self)
        self.redemption = RedemptionParts(self)
        self.insights = InsightsParts(self)
        self.marketing = MarketingParts(self)
        self.risk = RiskParts(self)
        self.console = ConsoleParts(self)
        for name, value in overrides.items():
            self._owner(name).provide(name, value)  # tests inject fakes and fault-injecting proxies here

    def builders(self) -> list[Parts]:
        return [self.platform, self.api, self.tenancy, self.catalog, self.inventory, self.sales, self.storefront,
                self.aftersales, self.integrations, self.redemption, self.insights, self.marketing,
                self.risk, self.console]

    def _owner(self, name: str) -> Parts:
        owners = [b for b in self.builders() if name in b.names()]
        if len(owners) != 1:
            raise AttributeError(f"no single builder makes a part named {name!r}")
        return owners[0]

    def part(self, name: str) -> Any:
        """A part by its name, whichever capability builds it (tests and fault injection)."""
        return getattr(self._owner(name), name)

    def replace(self, name: str, value: Any) -> None:
        """Install a part by name; parts built before keep what they were built with (benchmarks' timers)."""
        self._owner(name).provide(name, value)


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    global _container
    with _lock:
        if _container is None:
            _container = Container(current())
        return _container


def use(c: Container | None) -> None:
    """Install a container for this process (tests and the dev worker)."""
    global _container
    with _lock:
        _container = c


def bootstrap(settings: Settings) -> None:
    """Create the main table, the media bucket and the encryption key store where they are missing (dev stack,
    tests)."""
    import boto3

    from chalicelib.adapters.dynamo.tables import ensure_main_table

    kwargs = {"region_name": settings.region, "endpoint_url": settings.aws_endpoint_url}
    ddb = boto3.client("dynamodb", **kwargs)  # type: ignore[call-overload]
    ensure_main_table(ddb, settings.table_name)
    from chalicelib.adapters.s3_media import ensure_bucket

    ensure_bucket(boto3.client("s3", **kwargs), settings.media_bucket)  # type: ignore[call-overload]
    if settings.keystore_table_name not in ddb.list_tables().get("TableNames", []):
        from aws_cryptographic_material_providers.keystore import KeyStore
        from aws_cryptographic_material_providers.keystore.config import KeyStoreConfig
        from aws_cryptographic_material_providers.keystore.models import (
            CreateKeyStoreInput,
            KMSConfigurationKmsKeyArn,
        )

        kms = boto3.client("kms", **kwargs)  # type: ignore[call-overload]
        KeyStore(config=KeyStoreConfig(
            ddb_client=ddb, ddb_table_name=settings.keystore_table_name,
            logical_key_store_name=settings.keystore_table_name, kms_client=kms,
            kms_configuration=KMSConfigurationKmsKeyArn(settings.kms_key_arn))).create_key_store(
            input=CreateKeyStoreInput())
