"""API keys: scopes, limits and the store port for managing them."""

from __future__ import annotations

from typing import Protocol

from ...kernel.ports import Page
from .models import ApiKey

ALL_SCOPES = ("read", "catalog_write", "keys_import", "keys_reveal", "orders_write", "webhooks", "keys_redeem",
              "api_keys")
SCOPE_HELP = {
    "read": "read products, stock, orders, customers and the tenant",
    "catalog_write": "create and change products; void keys",
    "keys_import": "import card keys",
    "keys_reveal": "reveal and export plaintext card keys (recorded)",
    "orders_write": "refund orders",
    "webhooks": "manage webhook endpoints and events",
    "keys_redeem": "verify and redeem sold keys (partners)",
    "api_keys": "create, rotate and revoke API keys",
}
API_KEY_PREFIX = "kd_live_"
MAX_ACTIVE_KEYS = 20
MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600


class ApiKeyStore(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def get(self, *, tenant_id: str, key_id: str) -> ApiKey: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def count_active(self, *, tenant_id: str, now: int) -> int: ...
    def rename(self, *, tenant_id: str, key_id: str, name: str) -> ApiKey: ...
    def rotate(self, *, tenant_id: str, key_id: str, new_hash: str, new_hint: str, old_expires_at: int) -> ApiKey: ...
    def revoke(self, *, tenant_id: str, key_id: str) -> ApiKey: ...
    def touch(self, *, key: ApiKey, now: int) -> None: ...
