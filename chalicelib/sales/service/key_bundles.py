"""Sealing a delivered order's keys into one bundle at delivery, and opening it for the buyer's page and e-mail.

The bundle is a faster path to the same keys, never a second source of truth: a ref it lacks is read key by key
from the pool, and a bundle that cannot be made (KMS or the store unavailable) leaves the order delivered all the
same, its page taking the slow path. Plaintext keys are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chalicelib.inventory.domain.models import KeyRef
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel.errors import DecryptionRefused, DomainError
from chalicelib.kernel.ports import Cipher
from chalicelib.sales.domain.bundle import extended, pack, unpack
from chalicelib.sales.domain.models import Order
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory

log = logging.getLogger(__name__)


class KeyBundles:
    def __init__(self, *, pool: KeyPool, cipher: Cipher, tenants: TenantDirectory) -> None:
        self._pool = pool
        self._cipher = cipher
        self._tenants = tenants

    def seal(self, order: Order, refs: Sequence[KeyRef]) -> bytes | None:
        """At delivery: the order's reserved keys, each decrypted once, sealed as one bundle; None on failure."""
        try:
            tenant = self._tenants.get(tenant_id=order.tenant_id)
            by_ref = {s.ref: s for s in self._pool.read(tenant_id=order.tenant_id, product_id=order.product_id,
                                                         refs=refs)}
            entries = []
            for ref in refs:
                item = by_ref.get(ref)
                if item is None or item.order_id != order.id:
                    return None  # not this order's key: the sale's own conditions refuse it, nothing to seal
                entries.append((ref, self._cipher.decrypt_key(tenant=tenant, product_id=order.product_id,
                                                              ciphertext=item.ciphertext)))
            return self._cipher.encrypt_bundle(tenant=tenant, order_id=order.id, plaintext=pack(entries))
        except DomainError as exc:
            log.warning("order keys not sealed; its page reads them key by key",
                        extra={"order_id": order.id, "code": exc.code})
            return None

    def keys(self, *, tenant: Tenant, order: Order) -> list[str]:
        """The order's keys in its key order: from the bundle, and key by key for any ref the bundle lacks."""
        found = self._open(tenant, order)
        missing = [ref for ref in order.keys if ref not in found]
        if missing:
            found.update(self._read(tenant, order, missing))
        keys = []
        for ref in order.keys:
            if ref not in found:
                log.error("delivered order misses a key", extra={"order_id": order.id})
                continue
            keys.append(found[ref])
        return keys

    def extend(self, *, tenant: Tenant, order: Order, new_ref: KeyRef) -> bytes | None:
        """A replacement's bundle: the order's keys and the new one; None when the order has no bundle or the
        new one cannot be made (the page then reads the new key on its own)."""
        if not order.keys_bundle:
            return None
        try:
            entries = self._open(tenant, order)
            if set(entries) != set(order.keys):
                return None  # already incomplete: keep it as it is, the slow path covers the rest
            new_key = self._read(tenant, order, [new_ref]).get(new_ref)
            if new_key is None:
                return None
            return self._cipher.encrypt_bundle(tenant=tenant, order_id=order.id,
                                               plaintext=pack(extended(entries, new_ref, new_key)))
        except DomainError as exc:
            log.warning("replacement not added to the order's bundle", extra={"order_id": order.id,
                                                                              "code": exc.code})
            return None

    def _open(self, tenant: Tenant, order: Order) -> dict[KeyRef, str]:
        if not order.keys_bundle:
            return {}
        try:
            plaintext = self._cipher.decrypt_bundle(tenant=tenant, order_id=order.id, ciphertext=order.keys_bundle)
        except DecryptionRefused:
            log.error("order bundle does not open for its order", extra={"order_id": order.id})
            return {}
        return {ref: key for ref, key in unpack(plaintext).items() if ref in order.keys}

    def _read(self, tenant: Tenant, order: Order, refs: Sequence[KeyRef]) -> dict[KeyRef, str]:
        """Keys one by one from the pool, only those still sold to this order."""
        stored = self._pool.read(tenant_id=tenant.id, product_id=order.product_id, refs=refs)
        return {s.ref: self._cipher.decrypt_key(tenant=tenant, product_id=order.product_id, ciphertext=s.ciphertext)
                for s in stored if s.order_id == order.id}
