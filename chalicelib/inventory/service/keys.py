"""Inventory for the merchant: keys (masked), voids, reveals and exports (each recorded), batches, stock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.catalog.domain import Product, ProductDirectory
from chalicelib.inventory.domain.keys import (
    AVAILABLE,
    KEY_NOT_FOUND,
    KEY_STATUSES,
    VOID,
    VOID_MERCHANT,
    Batch,
    BatchStore,
    InventoryPool,
    KeyAccess,
    KeyAccessLog,
    PoolKey,
    key_id,
    mask,
    parse_key_id,
)
from chalicelib.inventory.domain.models import KeyRef, StockLevel
from chalicelib.kernel.errors import Conflict, InvalidRequest, NotFound
from chalicelib.kernel.ids import has_prefix, new_id
from chalicelib.kernel.ports import Cipher, Clock, Page
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

BATCH_MEMO = 5_000  # batches remembered per container for costing sales
MAX_EXPORT = 10_000  # keys per export request: ~1 ms of decryption each keeps a request well under 30 s


@dataclass(frozen=True)
class ShownKey:
    key: PoolKey
    id: str
    masked: str


@dataclass(frozen=True)
class BatchDetail:
    batch: Batch
    counts: dict[str, int]


class InventoryService:
    def __init__(self, *, tenants: TenantDirectory, products: ProductDirectory, pool: InventoryPool,
                 batches: BatchStore, access_log: KeyAccessLog, cipher: Cipher, clock: Clock) -> None:
        self._tenants = tenants
        self._products = products
        self._pool = pool
        self._batches = batches
        self._access = access_log
        self._cipher = cipher
        self._clock = clock
        self._batch_memo: dict[tuple[str, str], Batch] = {}

    # ---- keys -----------------------------------------------------------------------------------------
    def list_keys(self, *, tenant_id: str, product_id: str, status: str | None, batch_id: str | None,
                  limit: int, cursor: str | None) -> Page:
        """Masked keys: each is decrypted here and only a masked form leaves (nothing of it is stored in
        the clear). A page of 100 costs about 100 ms of decryption and no extra KMS call."""
        if status is not None and status not in KEY_STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(KEY_STATUSES)}", param="status")
        if batch_id is not None and not has_prefix(batch_id, "batch"):
            raise InvalidRequest("batch_id must be a batch id (bat_...)", param="batch_id")
        # recent: this shop's product as read at most seconds ago (its shards never change; another shop's
        # product is not found either way)
        product = self._products.recent(tenant_id=tenant_id, product_id=product_id)
        page = self._pool.list_keys(tenant_id=tenant_id, product_id=product.id, shards=product.shards,
                                    status=status, batch_id=batch_id, limit=limit, cursor=cursor)
        tenant = self._tenants.get(tenant_id=tenant_id)
        return Page([self._shown(tenant, k) for k in page.items], page.next_cursor)

    def _shown(self, tenant: Tenant, key: PoolKey) -> ShownKey:
        value = self._cipher.decrypt_key(tenant=tenant, product_id=key.product_id, ciphertext=key.ciphertext)
        return ShownKey(key=key, id=key_id(key.product_id, key.ref), masked=mask(value))

    def _locate(self, tenant_id: str, value: str) -> tuple[Product, PoolKey]:
        product_id, ref = parse_key_id(value)
        try:
            product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        except NotFound as exc:
            raise NotFound(KEY_NOT_FOUND, param="key_id") from exc  # another tenant's key is a missing key
        found = self._pool.get_keys(tenant_id=tenant_id, product_id=product.id, refs=[ref]) \
            if ref.shard < product.shards else []
        if not found:
            raise NotFound(KEY_NOT_FOUND, param="key_id")
        return product, found[0]

    def void_key(self, *, tenant_id: str, key_id: str, actor: Actor) -> ShownKey:
        """Only an available key can be voided; voiding a void key again answers with it unchanged."""
        actor.require(Permission.KEYS_VOID)
        product, key = self._locate(tenant_id, key_id)
        if key.status != VOID:
            self._pool.void(tenant_id=tenant_id, product_id=product.id, refs=[key.ref], reason=VOID_MERCHANT)
            _, key = self._locate(tenant_id, key_id)
            if key.status != VOID:
                raise Conflict(f"this key is {key.status}; only available keys can be voided",
                               code="key_not_available", param="key_id", extra={"status": key.status})
        return self._shown(self._tenants.get(tenant_id=tenant_id), key)

    def reveal_key(self, *, tenant_id: str, key_id: str, actor: Actor, reason: str = "") -> tuple[ShownKey, str]:
        """The plaintext of one key; recorded (who, why) before it is decrypted, so no reveal goes unrecorded.
        A staff member must say why (the owner reads it in the key access log)."""
        actor.require(Permission.KEYS_REVEAL)
        why = " ".join(reason.split())[:200]
        if actor.kind == "staff" and len(why) < 3:
            raise InvalidRequest("say why you reveal this key (for example the order or the buyer's question)",
                                 code="reveal_reason_required", param="reason")
        product, key = self._locate(tenant_id, key_id)
        self._record(tenant_id, "reveal", product.id, key_id, 1, actor, why)
        tenant = self._tenants.get(tenant_id=tenant_id)
        value = self._cipher.decrypt_key(tenant=tenant, product_id=product.id, ciphertext=key.ciphertext)
        return ShownKey(key=key, id=key_id, masked=mask(value)), value

    def export(self, *, tenant_id: str, product_id: str, batch_id: str | None, limit: int, cursor: str | None,
               actor: Actor) -> tuple[list[tuple[str, PoolKey, str]], str | None]:
        """Available (unsold) keys in plaintext, in pool order, at most `limit`; recorded before decryption."""
        actor.require(Permission.KEYS_EXPORT)
        if not 1 <= limit <= MAX_EXPORT:
            raise InvalidRequest(f"limit must be from 1 to {MAX_EXPORT}", param="limit")
        if batch_id is not None and not has_prefix(batch_id, "batch"):
            raise InvalidRequest("batch_id must be a batch id (bat_...)", param="batch_id")
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        page = self._pool.list_keys(tenant_id=tenant_id, product_id=product.id, shards=product.shards,
                                    status=AVAILABLE, batch_id=batch_id, limit=limit, cursor=cursor)
        self._record(tenant_id, "export", product.id, None, len(page.items), actor)
        tenant = self._tenants.get(tenant_id=tenant_id)
        rows = [(key_id(product.id, k.ref), k,
                 self._cipher.decrypt_key(tenant=tenant, product_id=product.id, ciphertext=k.ciphertext))
                for k in page.items]
        return rows, page.next_cursor

    def _record(self, tenant_id: str, action: str, product_id: str, key: str | None, count: int,
                actor: Actor, reason: str = "") -> None:
        self._access.record(KeyAccess(
            tenant_id=tenant_id, id=new_id("key_access"), action=action, product_id=product_id, key_id=key,
            count=count, api_key_id=actor.id, api_key_name=actor.name, request_id=actor.request_id,
            created_at=self._clock.now(), reason=reason, actor_kind=actor.kind))

    def access_log(self, *, tenant_id: str, limit: int, cursor: str | None, actor: Actor) -> Page:
        actor.require(Permission.AUDIT)
        return self._access.list(tenant_id=tenant_id, limit=limit, cursor=cursor)

    # ---- batches --------------------------------------------------------------------------------------
    def batches(self, *, tenant_id: str, product_id: str, limit: int, cursor: str | None) -> Page:
        product = self._products.recent(tenant_id=tenant_id, product_id=product_id)  # the shop's own, or 404
        return self._batches.list(tenant_id=tenant_id, product_id=product.id, limit=limit, cursor=cursor)

    def batch(self, *, tenant_id: str, batch_id: str) -> BatchDetail:
        if not has_prefix(batch_id, "batch"):
            raise NotFound("no such batch", param="batch_id")
        batch = self._batches.get(tenant_id=tenant_id, batch_id=batch_id)
        product = self._products.get(tenant_id=tenant_id, product_id=batch.product_id)
        counts = self._pool.batch_counts(tenant_id=tenant_id, product_id=product.id, shards=product.shards,
                                         batch_id=batch.id)
        return BatchDetail(batch=batch, counts=counts)

    def find_by_value(self, *, tenant_id: str, value: str) -> list[PoolKey]:
        """The keys with exactly this value in the shop's pools (by its fingerprint: nothing is decrypted)."""
        from chalicelib.inventory.domain.cardkeys import fingerprint

        text = value.strip()
        if not 1 <= len(text) <= 500:
            return []
        tenant = self._tenants.get(tenant_id=tenant_id)
        fp = fingerprint(self._cipher.decrypt_secret(tenant=tenant), text)
        found: list[PoolKey] = []
        for product_id, ref in self._pool.by_fingerprint(tenant_id=tenant_id, fingerprint=fp):
            found += self._pool.get_keys(tenant_id=tenant_id, product_id=product_id, refs=[ref])
        return found

    def cost_of(self, *, tenant_id: str, product_id: str, refs: Sequence[KeyRef]) -> int | None:
        """What these keys cost the shop (their batches' cost per key), or None when a batch has no cost. Batches
        never change, so each is read once per container."""
        total = 0
        for key in self._pool.get_keys(tenant_id=tenant_id, product_id=product_id, refs=refs):
            batch = self._batch_memo.get((tenant_id, key.batch_id))
            if batch is None:
                batch = self._batches.get(tenant_id=tenant_id, batch_id=key.batch_id)
                if len(self._batch_memo) < BATCH_MEMO:
                    self._batch_memo[(tenant_id, key.batch_id)] = batch
            if batch.cost_per_key is None:
                return None
            total += batch.cost_per_key
        return total

    # ---- stock ----------------------------------------------------------------------------------------
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
                      archived: bool | None = None, consistent: bool = True) -> Page:
        """A page of products with their stock: (Product, StockLevel) pairs, read in a few BatchGets
        (eventually consistent, half the read units, with `consistent=False`)."""
        if category is None and archived is None:
            page = self._products.list(tenant_id=tenant_id, limit=limit, cursor=cursor)
        else:
            page = self._products.list(tenant_id=tenant_id, limit=limit, cursor=cursor, category=category,
                                       archived=archived)
        levels = self._pool.stock_many(tenant_id=tenant_id, products=[(p.id, p.shards) for p in page.items],
                                       consistent=consistent)
        empty = StockLevel(available=0, reserved=0, sold=0)
        return Page([(p, levels.get(p.id, empty)) for p in page.items], page.next_cursor)
