"""Builds stores, adapters and services lazily, once per container; the only place that picks them.

The container is split by area: `core` (clients, stores, adapters, the sale), `merchant` (merchant API,
webhooks, redemption) and `buyer` (storefront, lookup, after-sales); each builds on the one before."""

from __future__ import annotations

import threading

from chalicelib.settings import Settings, current

from .buyer import BuyerWiring


class Container(BuyerWiring):
    """Everything a request or job needs; tests pass their own Settings or override attributes."""


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
    """Create the main table and the encryption key store where they are missing (dev stack, tests)."""
    import boto3

    from chalicelib.store.tables import ensure_main_table

    kwargs = {"region_name": settings.region, "endpoint_url": settings.aws_endpoint_url}
    ddb = boto3.client("dynamodb", **kwargs)  # type: ignore[call-overload]
    ensure_main_table(ddb, settings.table_name)
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
