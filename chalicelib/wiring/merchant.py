"""The container's merchant-API parts: inventory, customers, refunds, webhooks, redemption and licences."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .core import CoreWiring


class MerchantWiring(CoreWiring):
    """Parts the merchant API and the webhook jobs use, on top of the core."""

    # ---- inventory, customers and refunds ------------------------------------------------------------------
    @cached_property
    def key_access_log(self) -> Any:
        from chalicelib.store.key_access import DynamoKeyAccessLog

        return DynamoKeyAccessLog()

    @cached_property
    def inventory(self) -> Any:
        from chalicelib.services.inventory import InventoryService

        return InventoryService(tenants=self.tenant_store, products=self.product_store, pool=self.key_pool,
                                batches=self.batch_store, access_log=self.key_access_log, cipher=self.cipher,
                                clock=self.clock)

    @cached_property
    def customer_store(self) -> Any:
        from chalicelib.store.customers import DynamoCustomerStore

        return DynamoCustomerStore()

    @cached_property
    def refund_ledger(self) -> Any:
        from chalicelib.store.refunds import DynamoRefundLedger

        return DynamoRefundLedger()

    @cached_property
    def customers(self) -> Any:
        from chalicelib.services.customers import CustomerService

        return CustomerService(customers=self.customer_store, orders=self.order_store)

    @cached_property
    def refunds(self) -> Any:
        from chalicelib.services.refunds import RefundService

        # keys: the pool's void(); the inventory side adds it to store/pool.py
        return RefundService(tenants=self.tenant_store, orders=self.order_store, payments=self.payments,
                             keys=self.key_pool, ledger=self.refund_ledger, queue=self.queue, clock=self.clock)

    # ---- outbound webhooks and events ----------------------------------------------------------------------
    @cached_property
    def webhook_store(self) -> Any:
        from chalicelib.store.webhooks import DynamoWebhookStore

        return DynamoWebhookStore()

    @cached_property
    def webhook_secrets(self) -> Any:
        from chalicelib.adapters.webhook_secrets import TenantKeySecretBox

        return TenantKeySecretBox(tenant=lambda tenant_id: self.tenant_store.get(tenant_id=tenant_id),
                                  unwrap=lambda tenant: self.cipher.decrypt_secret(tenant=tenant))

    @cached_property
    def webhook_sender(self) -> Any:
        from chalicelib.adapters.webhook_sender import HttpWebhookSender

        return HttpWebhookSender(production=self.settings.production)

    @cached_property
    def events(self) -> Any:
        from chalicelib.services.events import EventService

        return EventService(store=self.webhook_store, queue=self.queue, clock=self.clock)

    @cached_property
    def webhook_deliverer(self) -> Any:
        from chalicelib.services.webhook_delivery import WebhookDeliverer

        return WebhookDeliverer(store=self.webhook_store, secrets=self.webhook_secrets, sender=self.webhook_sender,
                                tenants=self.tenant_store, mailer=self.mailer, clock=self.clock)

    @cached_property
    def webhooks(self) -> Any:
        from chalicelib.services.webhooks import WebhookService

        return WebhookService(store=self.webhook_store, secrets=self.webhook_secrets, events=self.events,
                              deliverer=self.webhook_deliverer, clock=self.clock,
                              production=self.settings.production)

    @cached_property
    def order_events(self) -> Any:
        from chalicelib.services.order_events import OrderEventService

        return OrderEventService(orders=self.order_store, products=self.product_store, pool=self.key_pool,
                                 events=self.events)

    # ---- redemption and licences ---------------------------------------------------------------------------
    @cached_property
    def redemption_store(self) -> Any:
        from chalicelib.store.redemption import DynamoRedemptionStore

        return DynamoRedemptionStore()

    @cached_property
    def key_locator(self) -> Any:
        from chalicelib.services.redemption import KeyLocator

        return KeyLocator(tenants=self.tenant_store, cipher=self.cipher, store=self.redemption_store)

    @cached_property
    def redemptions(self) -> Any:
        from chalicelib.services.redemption import RedemptionService

        return RedemptionService(locator=self.key_locator, store=self.redemption_store, events=self.events,
                                 clock=self.clock)

    @cached_property
    def licences(self) -> Any:
        from chalicelib.services.licences import LicenceService

        return LicenceService(locator=self.key_locator, store=self.redemption_store,
                              products=self.product_store, clock=self.clock)
