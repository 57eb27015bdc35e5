"""Builds the integrations' parts: the webhook store, signing secrets, the sender, events and deliveries."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class IntegrationParts(Parts):
    @cached_property
    def webhook_store(self) -> Any:
        from chalicelib.integrations.store.webhooks import DynamoWebhookStore

        return DynamoWebhookStore()

    @cached_property
    def webhook_secrets(self) -> Any:
        from chalicelib.adapters.webhook_secrets import TenantKeySecretBox

        c = self.c
        return TenantKeySecretBox(tenant=lambda tenant_id: c.tenancy.tenants.get(tenant_id=tenant_id),
                                  unwrap=lambda tenant: c.platform.cipher.decrypt_secret(tenant=tenant))

    @cached_property
    def webhook_sender(self) -> Any:
        from chalicelib.adapters.webhook_sender import HttpWebhookSender

        return HttpWebhookSender(production=self.c.platform.settings.production)

    @cached_property
    def events(self) -> Any:
        from chalicelib.integrations.service.events import EventService

        p = self.c.platform
        return EventService(store=self.webhook_store, queue=p.queue, clock=p.clock)

    @cached_property
    def webhook_deliverer(self) -> Any:
        from chalicelib.integrations.service.delivery import WebhookDeliverer

        c, p = self.c, self.c.platform
        return WebhookDeliverer(store=self.webhook_store, secrets=self.webhook_secrets, sender=self.webhook_sender,
                                tenants=c.tenancy.tenants, mailer=p.mailer, clock=p.clock)

    @cached_property
    def webhooks(self) -> Any:
        from chalicelib.integrations.service.endpoints import WebhookService

        p = self.c.platform
        return WebhookService(store=self.webhook_store, secrets=self.webhook_secrets, events=self.events,
                              deliverer=self.webhook_deliverer, clock=p.clock, production=p.settings.production)

    @cached_property
    def order_events(self) -> Any:
        from chalicelib.integrations.service.order_events import OrderEventService

        c = self.c
        return OrderEventService(products=c.catalog.products, pool=c.inventory.pool, events=self.events)
