"""Key import: parse, fingerprint, drop duplicates, encrypt, append to shards; answer truthfully."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import validation as v
from chalicelib.domain.cardkeys import ParsedLine, Rejection, fingerprint, parse_list, parse_text
from chalicelib.domain.errors import DomainError
from chalicelib.domain.ids import new_id
from chalicelib.domain.models import NewKey, Tenant
from chalicelib.domain.ports import Cipher, Clock, KeyPool, ProductStore, TenantStore

CHUNK = 1000  # keys committed per step: a failure loses at most this much work, never keys
LEASE_SECONDS = 300


@dataclass
class ImportResult:
    batch_id: str
    imported: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    failed_lines: list[int] = field(default_factory=list)
    failure: DomainError | None = None
    settled: set[int] = field(default_factory=set)  # lines stored or found to be duplicates


class KeyImportService:
    def __init__(self, *, tenants: TenantStore, products: ProductStore, pool: KeyPool, cipher: Cipher,
                 clock: Clock) -> None:
        self._tenants = tenants
        self._products = products
        self._pool = pool
        self._cipher = cipher
        self._clock = clock

    def import_keys(self, *, tenant_id: str, product_id: str, body: Any, content_type: str) -> ImportResult:
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        if content_type.startswith("text/plain"):
            accepted, rejected = parse_text(body if isinstance(body, bytes) else str(body).encode())
        else:
            if isinstance(body, dict):
                v.unknown_fields(body, {"keys"})
            keys = body.get("keys") if isinstance(body, dict) else None
            accepted, rejected = parse_list(keys)
        tenant = self._tenants.get(tenant_id=tenant_id)
        secret = self._cipher.decrypt_secret(tenant=tenant)
        result = ImportResult(batch_id=new_id("batch"), rejected=list(rejected))
        unique: dict[str, ParsedLine] = {}
        for line in accepted:
            fp = fingerprint(secret, line.value)
            if fp in unique:
                result.duplicates += 1  # same key twice in this request
            else:
                unique[fp] = line
        owner = result.batch_id
        self._pool.begin_import(tenant_id=tenant_id, product_id=product.id, owner=owner, lease_seconds=LEASE_SECONDS)
        try:
            items = list(unique.items())
            for start in range(0, len(items), CHUNK):
                chunk = items[start:start + CHUNK]
                try:
                    if start:  # renew our lease so a long import never loses it half-way
                        self._pool.begin_import(tenant_id=tenant_id, product_id=product.id, owner=owner,
                                                lease_seconds=LEASE_SECONDS)
                    self._import_chunk(tenant, product.id, product.shards, chunk, result)
                except DomainError as exc:
                    # Stop here: what was committed is counted, the rest is reported by line.
                    result.failure = exc
                    result.failed_lines = sorted(line.line for _, line in items[start:]
                                                 if line.line not in result.settled)
                    break
        finally:
            self._pool.end_import(tenant_id=tenant_id, product_id=product.id, owner=owner)
        result.rejected.sort(key=lambda r: r.line)
        return result

    def _import_chunk(self, tenant: Tenant, product_id: str, shards: int,
                      chunk: list[tuple[str, ParsedLine]], result: ImportResult) -> None:
        states = self._pool.shard_states(tenant_id=tenant.id, product_id=product_id, shards=shards)
        known = self._pool.committed_fingerprints(tenant_id=tenant.id, product_id=product_id,
                                                  fingerprints=[fp for fp, _ in chunk], states=states)
        fresh = [(fp, line) for fp, line in chunk if fp not in known]
        result.duplicates += len(chunk) - len(fresh)
        result.settled.update(line.line for fp, line in chunk if fp in known)
        if not fresh:
            return
        ciphertexts = self._cipher.encrypt_keys(tenant=tenant, product_id=product_id,
                                                values=[line.value for _, line in fresh])
        new = [NewKey(ciphertext=ct, fingerprint=fp, line=line.line)
               for (fp, line), ct in zip(fresh, ciphertexts, strict=True)]
        now = self._clock.now()
        # Round-robin over shards, each shard's part appended after its current end.
        for st in states:
            part = new[st.shard::len(states)]
            if not part:
                continue
            self._pool.append(tenant_id=tenant.id, product_id=product_id, shard=st.shard, start=st.size,
                              new_keys=part, batch_id=result.batch_id, now=now)
            result.imported += len(part)
            result.settled.update(k.line for k in part)
