"""Builds tenancy's parts: tenants, API keys, shop settings, and console accounts (sign-in, sessions, resets)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class TenancyParts(Parts):
    @cached_property
    def tenant_store(self) -> Any:
        from chalicelib.tenancy.store.tenant_cache import CachedTenantStore
        from chalicelib.tenancy.store.tenants import DynamoTenantStore

        return CachedTenantStore(DynamoTenantStore())

    @cached_property
    def api_key_store(self) -> Any:
        from chalicelib.tenancy.store.api_keys import DynamoApiKeyStore

        return DynamoApiKeyStore()

    @cached_property
    def tenants(self) -> Any:
        from chalicelib.tenancy.service.tenants import TenantService

        p = self.c.platform
        return TenantService(tenants=self.tenant_store, cipher=p.cipher, hasher=p.hasher, clock=p.clock,
                             api_keys=self.api_key_store)

    @cached_property
    def api_keys(self) -> Any:
        from chalicelib.tenancy.service.api_keys import ApiKeyService

        return ApiKeyService(store=self.api_key_store, clock=self.c.platform.clock, activity=self.c.platform.activity)

    @cached_property
    def shop_settings(self) -> Any:
        from chalicelib.tenancy.service.shop_settings import ShopSettingsService

        p = self.c.platform
        return ShopSettingsService(tenants=self.tenant_store, allow_http_urls=not p.settings.production,
                                   activity=p.activity, clock=p.clock)

    @cached_property
    def account_store(self) -> Any:
        from chalicelib.tenancy.store.accounts import DynamoAccountStore

        return DynamoAccountStore()

    @cached_property
    def accounts(self) -> Any:
        from chalicelib.tenancy.service.accounts import AccountService

        p = self.c.platform
        return AccountService(accounts=self.account_store, tenants=self.tenants, passwords=p.query_passwords,
                              mailer=p.mailer, clock=p.clock, rate_limits=self.c.api.rate_limits,
                              public_base_url=p.settings.public_base_url, two_step=self.two_step)

    @cached_property
    def two_step(self) -> Any:
        from chalicelib.tenancy.service.two_step import TwoStepService

        p = self.c.platform
        return TwoStepService(accounts=self.account_store, cipher=p.cipher, clock=p.clock)

    @cached_property
    def staff_store(self) -> Any:
        from chalicelib.tenancy.store.staff import DynamoStaffStore

        return DynamoStaffStore()

    @cached_property
    def staff(self) -> Any:
        from chalicelib.tenancy.service.staff import StaffService

        p = self.c.platform
        return StaffService(staff=self.staff_store, accounts=self.account_store, account_service=self.accounts,
                            activity=p.activity, passwords=p.query_passwords, clock=p.clock)
