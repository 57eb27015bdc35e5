"""Builds stores, adapters and services lazily, once per container; the only place that picks them."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from chalicelib.settings import Settings, current


class Container:
    """Everything a request or job needs; tests pass their own Settings or override attributes."""

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        for name, value in overrides.items():
            setattr(self, name, value)  # tests inject fakes and fault-injecting proxies here
        from chalicelib import logs
        from chalicelib.store.models import configure

        logs.configure(settings.log_level)
        configure(table_name=settings.table_name, region=settings.region, host=settings.aws_endpoint_url)

    # ---- AWS clients ------------------------------------------------------------------------------
    def _client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            service, region_name=self.settings.region, endpoint_url=self.settings.aws_endpoint_url,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=10))

    @cached_property
    def kms_client(self) -> Any:
        return self._client("kms")

    @cached_property
    def ddb_client(self) -> Any:
        return self._client("dynamodb")

    # ---- stores -----------------------------------------------------------------------------------
    @cached_property
    def tenant_store(self) -> Any:
        from chalicelib.store.tenant_cache import CachedTenantStore
        from chalicelib.store.tenants import DynamoTenantStore

        return CachedTenantStore(DynamoTenantStore())

    @cached_property
    def product_store(self) -> Any:
        from chalicelib.store.products import DynamoProductStore

        return DynamoProductStore()

    @cached_property
    def key_pool(self) -> Any:
        from chalicelib.store.pool import DynamoKeyPool

        return DynamoKeyPool()

    @cached_property
    def order_store(self) -> Any:
        from chalicelib.store.orders import DynamoOrderStore

        return DynamoOrderStore()

    @cached_property
    def sale_ledger(self) -> Any:
        from chalicelib.store.sales import DynamoSaleLedger

        return DynamoSaleLedger()

    @cached_property
    def outbox(self) -> Any:
        from chalicelib.store.outbox import DynamoOutbox

        return DynamoOutbox()

    # ---- adapters ---------------------------------------------------------------------------------
    @cached_property
    def clock(self) -> Any:
        from chalicelib.adapters.system import SystemClock

        return SystemClock()

    @cached_property
    def cipher(self) -> Any:
        from chalicelib.adapters.crypto import EsdkCipher

        branch_keys: dict[str, str] = {}

        def branch_key(tenant_id: str) -> str:
            if tenant_id not in branch_keys:
                branch_keys[tenant_id] = self.tenant_store.get(tenant_id=tenant_id).branch_key_id
            return branch_keys[tenant_id]

        s = self.settings
        return EsdkCipher(kms_client=self.kms_client, ddb_client=self.ddb_client,
                          keystore_table=s.keystore_table_name, kms_key_arn=s.kms_key_arn,
                          branch_key_ttl=s.branch_key_ttl_seconds, tenant_branch_key=branch_key)

    @cached_property
    def payments(self) -> Any:
        from chalicelib.adapters.stripe_gateway import StripeGateway

        s = self.settings
        return StripeGateway(secret_key=s.stripe_secret_key, publishable_key=s.stripe_publishable_key,
                             webhook_secret=s.stripe_webhook_secret, api_base=s.stripe_api_base,
                             platform_fee_bps=s.platform_fee_bps)

    @cached_property
    def mailer(self) -> Any:
        from chalicelib.adapters.email_ses import SesMailer

        return SesMailer(ses_client=self._client("ses"), sender=self.settings.email_from,
                         mail_dir=self.settings.mail_dir)

    @cached_property
    def queue(self) -> Any:
        from chalicelib.adapters.queue_sqs import SqsQueue

        return SqsQueue(sqs_client=self._client("sqs"), queue_url=self.settings.queue_url)

    @cached_property
    def local_card(self) -> Any:
        from chalicelib.adapters.local_card import LocalCardConfirmer

        return LocalCardConfirmer(secret_key=self.settings.stripe_secret_key,
                                  api_base=self.settings.stripe_api_base or "")

    @cached_property
    def hasher(self) -> Any:
        from chalicelib.adapters.system import Argon2Hasher

        return Argon2Hasher()

    # ---- services ---------------------------------------------------------------------------------
    @cached_property
    def tenants(self) -> Any:
        from chalicelib.services.tenants import TenantService

        return TenantService(tenants=self.tenant_store, cipher=self.cipher, hasher=self.hasher, clock=self.clock)

    @cached_property
    def catalog(self) -> Any:
        from chalicelib.services.catalog import CatalogService

        return CatalogService(products=self.product_store, pool=self.key_pool, clock=self.clock,
                              shards=self.settings.pool_shards)

    @cached_property
    def key_import(self) -> Any:
        from chalicelib.services.key_import import KeyImportService

        return KeyImportService(tenants=self.tenant_store, products=self.product_store, pool=self.key_pool,
                                cipher=self.cipher, clock=self.clock)

    @cached_property
    def checkout(self) -> Any:
        from chalicelib.services.checkout import CheckoutService

        return CheckoutService(tenants=self.tenant_store, products=self.product_store, pool=self.key_pool,
                               orders=self.order_store, payments=self.payments, clock=self.clock,
                               reservation_seconds=self.settings.reservation_minutes * 60)

    @cached_property
    def fulfilment(self) -> Any:
        from chalicelib.services.fulfilment import FulfilmentService

        return FulfilmentService(tenants=self.tenant_store, products=self.product_store, orders=self.order_store,
                                 pool=self.key_pool, ledger=self.sale_ledger, payments=self.payments,
                                 outbox=self.outbox, queue=self.queue, clock=self.clock)

    @cached_property
    def orders(self) -> Any:
        from chalicelib.services.orders import OrderService

        return OrderService(tenants=self.tenant_store, orders=self.order_store, pool=self.key_pool,
                            cipher=self.cipher, fulfilment=self.fulfilment)

    @cached_property
    def notifications(self) -> Any:
        from chalicelib.services.notifications import NotificationService

        return NotificationService(tenants=self.tenant_store, orders=self.order_store, order_service=self.orders,
                                   outbox=self.outbox, mailer=self.mailer, clock=self.clock,
                                   public_base_url=self.settings.public_base_url)

    @cached_property
    def reservations(self) -> Any:
        from chalicelib.services.reservations import ReservationService

        return ReservationService(pool=self.key_pool, orders=self.order_store, products=self.product_store,
                                  clock=self.clock)

    # ---- API conventions: rate limits, idempotency ---------------------------------------------------
    @cached_property
    def rate_limits(self) -> Any:
        from chalicelib.domain.conventions import Limit
        from chalicelib.services.rate_limits import POLICIES, RateLimitService
        from chalicelib.settings import rate_limit_overrides
        from chalicelib.store.conventions import DynamoRateCounter

        policies = {**POLICIES, **{name: Limit(n, w) for name, (n, w) in
                                   rate_limit_overrides(self.settings.rate_limits).items()}}
        return RateLimitService(counter=DynamoRateCounter(), clock=self.clock, policies=policies)

    @cached_property
    def idempotency(self) -> Any:
        from chalicelib.services.idempotency import IdempotencyService
        from chalicelib.store.conventions import DynamoIdempotencyStore

        return IdempotencyService(store=DynamoIdempotencyStore(), clock=self.clock)

    # ---- catalog, inventory, orders and customers (merchant API) ------------------------------------

    # ---- outbound webhooks and events ---------------------------------------------------------------

    # ---- redemption and licences --------------------------------------------------------------------


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
