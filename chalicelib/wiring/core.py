"""The container's core: settings, AWS clients, stores, adapters and the services of the sale itself."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.settings import Settings


class CoreWiring:
    """Builds each part lazily, once per container; tests pass their own Settings or override attributes."""

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

    # ---- stores --------------------------------------------------------------------------------------------
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

    @cached_property
    def api_key_store(self) -> Any:
        from chalicelib.store.api_keys import DynamoApiKeyStore

        return DynamoApiKeyStore()

    @cached_property
    def batch_store(self) -> Any:
        from chalicelib.store.batches import DynamoBatchStore

        return DynamoBatchStore()

    # ---- adapters ------------------------------------------------------------------------------------------
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

    @cached_property
    def order_links(self) -> Any:
        from chalicelib.adapters.order_tokens import DerivedOrderLinks

        return DerivedOrderLinks(unwrap=lambda tenant: self.cipher.decrypt_secret(tenant=tenant))

    @cached_property
    def query_passwords(self) -> Any:
        from chalicelib.adapters.query_passwords import Argon2QueryPasswords

        return Argon2QueryPasswords()

    # ---- the core sale -------------------------------------------------------------------------------------
    @cached_property
    def tenants(self) -> Any:
        from chalicelib.services.tenants import TenantService

        return TenantService(tenants=self.tenant_store, cipher=self.cipher, hasher=self.hasher, clock=self.clock,
                             api_keys=self.api_key_store)

    @cached_property
    def api_keys(self) -> Any:
        from chalicelib.services.api_keys import ApiKeyService

        return ApiKeyService(store=self.api_key_store, clock=self.clock)

    @cached_property
    def catalog(self) -> Any:
        from chalicelib.services.catalog import CatalogService

        return CatalogService(products=self.product_store, pool=self.key_pool, clock=self.clock,
                              shards=self.settings.pool_shards, allow_http_urls=not self.settings.production)

    @cached_property
    def key_import(self) -> Any:
        from chalicelib.services.key_import import KeyImportService

        return KeyImportService(tenants=self.tenant_store, products=self.product_store, pool=self.key_pool,
                                cipher=self.cipher, clock=self.clock, batches=self.batch_store)

    @cached_property
    def checkout(self) -> Any:
        from chalicelib.services.checkout import CheckoutService

        return CheckoutService(tenants=self.tenant_store, products=self.product_store, pool=self.key_pool,
                               orders=self.order_store, payments=self.payments, clock=self.clock,
                               reservation_seconds=self.settings.reservation_minutes * 60,
                               outbox=self.outbox, queue=self.queue, links=self.order_links,
                               passwords=self.query_passwords)

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
                            cipher=self.cipher, fulfilment=self.fulfilment, products=self.product_store)

    @cached_property
    def notifications(self) -> Any:
        from chalicelib.services.notifications import NotificationService

        return NotificationService(tenants=self.tenant_store, orders=self.order_store, order_service=self.orders,
                                   outbox=self.outbox, mailer=self.mailer, clock=self.clock,
                                   public_base_url=self.settings.public_base_url, links=self.order_links)

    @cached_property
    def reservations(self) -> Any:
        from chalicelib.services.reservations import ReservationService

        return ReservationService(pool=self.key_pool, orders=self.order_store, products=self.product_store,
                                  clock=self.clock)

    # ---- API conventions: rate limits, idempotency ---------------------------------------------------------
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
