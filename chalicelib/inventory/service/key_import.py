"""Key import: parse, fingerprint, drop duplicates, encrypt, append to shards; answer truthfully."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.inventory.domain.cardkeys import ParsedLine, Rejection, fingerprint, parse_list, parse_text
from chalicelib.inventory.domain.keys import Batch, BatchStore
from chalicelib.inventory.domain.models import NewKey
from chalicelib.inventory.domain.ports import KeyPool, ShardState
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import DomainError, InvalidRequest, NotFound
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.money import MAX_AMOUNT
from chalicelib.kernel.ports import Cipher, Clock
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission

CHUNK = 1000  # keys committed per step: a failure loses at most this much work, never keys
LEASE_SECONDS = 300


@dataclass
class ImportResult:
    batch_id: str
    imported: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    failed_lines: list[int] = field(default_factory=list)
    duplicate_lines: list[int] = field(default_factory=list)  # lines whose key was in the pool or this request
    failure: DomainError | None = None
    settled: set[int] = field(default_factory=set)  # lines stored or found to be duplicates
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


@dataclass(frozen=True)
class BatchInfo:
    supplier: str | None = None
    cost_per_key: int | None = None


def batch_info(data: Mapping[str, Any]) -> BatchInfo:
    """Optional import metadata: JSON fields beside `keys`, or query parameters of a text/plain import."""
    supplier = v.optional_text(data, "supplier", max_len=100) or None
    cost: Any = data.get("cost_per_key")
    if isinstance(cost, str):  # a query parameter
        if not cost.isdigit() or len(cost) > 9:
            raise InvalidRequest(f"cost_per_key must be a whole amount in minor units from 0 to {MAX_AMOUNT}",
                                 param="cost_per_key")
        cost = int(cost)
    if cost is not None:
        cost = v.integer({"cost_per_key": cost}, "cost_per_key", low=0, high=MAX_AMOUNT)
    return BatchInfo(supplier=supplier, cost_per_key=cost)


class KeyImportService:
    def __init__(self, *, tenants: TenantDirectory, products: ProductDirectory, pool: KeyPool, cipher: Cipher,
                 clock: Clock, batches: BatchStore | None = None) -> None:
        self._batches = batches
        self._tenants = tenants
        self._products = products
        self._pool = pool
        self._cipher = cipher
        self._clock = clock

    def import_keys(self, *, tenant_id: str, product_id: str, body: Any, content_type: str,
                    query: Mapping[str, str] | None = None, created_by: str = "",
                    created_by_name: str = "", actor: Actor = SYSTEM,
                    continue_batch: str | None = None) -> ImportResult:
        """One request's keys. `continue_batch` adds them to a batch an earlier request of the same upload made
        (the console sends a large file in parts, for its progress bar): one file, one batch."""
        actor.require(Permission.KEYS_IMPORT)
        created_by, created_by_name = created_by or actor.id, created_by_name or actor.name
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        earlier = None
        if continue_batch is not None and self._batches is not None:
            earlier = self._batches.get(tenant_id=tenant_id, batch_id=continue_batch)
            if earlier.product_id != product.id:
                raise NotFound("no such batch for this product", param="batch_id")
        if content_type.startswith("text/plain"):
            v.unknown_fields(query or {}, {"supplier", "cost_per_key"})
            info = batch_info(query or {})
            accepted, rejected = parse_text(body if isinstance(body, bytes) else str(body).encode())
        else:
            if isinstance(body, dict):
                v.unknown_fields(body, {"keys", "supplier", "cost_per_key"})
            info = batch_info(body if isinstance(body, dict) else {})
            keys = body.get("keys") if isinstance(body, dict) else None
            accepted, rejected = parse_list(keys)
        tenant = self._tenants.get(tenant_id=tenant_id)
        secret = self._cipher.decrypt_secret(tenant=tenant)
        result = ImportResult(batch_id=earlier.id if earlier else new_id("batch"), rejected=list(rejected))
        unique: dict[str, ParsedLine] = {}
        for line in accepted:
            fp = fingerprint(secret, line.value)
            if fp in unique:
                result.duplicates += 1  # same key twice in this request
                result.duplicate_lines.append(line.line)
            else:
                unique[fp] = line
        owner = result.batch_id
        self._pool.begin_import(tenant_id=tenant_id, product_id=product.id, owner=owner, lease_seconds=LEASE_SECONDS)
        try:
            self._run(tenant, product.id, product.shards, list(unique.items()), result)
        finally:
            self._pool.end_import(tenant_id=tenant_id, product_id=product.id, owner=owner)
        result.rejected.sort(key=lambda r: r.line)
        if self._batches is not None:
            batch = Batch(tenant_id=tenant_id, id=result.batch_id, product_id=product.id, imported=result.imported,
                          duplicates=result.duplicates, rejected=len(result.rejected), created_at=self._clock.now(),
                          created_by=created_by, created_by_name=created_by_name, supplier=info.supplier,
                          cost_per_key=info.cost_per_key,
                          currency=product.currency if info.cost_per_key is not None else None)
            if earlier is not None:  # the batch keeps its first part's who, when, supplier and cost
                batch = dataclasses.replace(earlier, imported=earlier.imported + result.imported,
                                            duplicates=earlier.duplicates + result.duplicates,
                                            rejected=earlier.rejected + len(result.rejected))
            try:
                self._batches.put(batch)
            except DomainError as exc:
                # The keys are stored; answer with the counts and let the caller retry (duplicates are known).
                result.failure = result.failure or exc
        return result

    def _run(self, tenant: Tenant, product_id: str, shards: int, items: list[tuple[str, ParsedLine]],
             result: ImportResult) -> None:
        """Chunk by chunk: while one chunk is written, the next is checked and encrypted (a pipeline of
        two, one writer thread). Positions come from the sizes we commit ourselves; the lease keeps
        everyone else from appending."""
        from concurrent.futures import Future, ThreadPoolExecutor

        states = self._pool.shard_states(tenant_id=tenant.id, product_id=product_id, shards=shards)
        committed = {st.shard: st.size for st in states}  # what buyers can reach; leftovers lie beyond
        planned = dict(committed)  # where the next chunk goes, counting the chunk still being written
        writing: Future[None] | None = None
        with ThreadPoolExecutor(max_workers=1) as writer:
            for start in range(0, len(items), CHUNK):
                try:
                    if start:  # renew our lease so a long import never loses it half-way
                        self._pool.begin_import(tenant_id=tenant.id, product_id=product_id,
                                                owner=result.batch_id, lease_seconds=LEASE_SECONDS)
                    parts = self._prepare(tenant, product_id, items[start:start + CHUNK], committed, planned, result)
                    if writing is not None:
                        writing.result()  # the previous chunk is committed before this one starts
                    writing = writer.submit(self._commit, tenant, product_id, parts, committed, result)
                except DomainError as exc:
                    result.failure = exc
                    break
            if writing is not None:
                try:
                    writing.result()
                except DomainError as exc:
                    result.failure = result.failure or exc
        if result.failure is not None:
            # What was committed is counted; every line neither stored nor a duplicate is reported.
            result.failed_lines = sorted(line.line for _, line in items if line.line not in result.settled)

    def _prepare(self, tenant: Tenant, product_id: str, chunk: list[tuple[str, ParsedLine]],
                 committed: dict[int, int], planned: dict[int, int],
                 result: ImportResult) -> list[tuple[int, int, list[NewKey]]]:
        """Drop keys already in the pool, encrypt the rest, and give each shard its part and start."""
        states = [ShardState(shard, 0, size, 0) for shard, size in sorted(committed.items())]
        known = self._pool.committed_fingerprints(tenant_id=tenant.id, product_id=product_id,
                                                  fingerprints=[fp for fp, _ in chunk], states=states)
        fresh = [(fp, line) for fp, line in chunk if fp not in known]
        with result.lock:
            result.duplicates += len(chunk) - len(fresh)
            result.settled.update(line.line for fp, line in chunk if fp in known)
            result.duplicate_lines.extend(line.line for fp, line in chunk if fp in known)
        if not fresh:
            return []
        ciphertexts = self._cipher.encrypt_keys(tenant=tenant, product_id=product_id,
                                                values=[line.value for _, line in fresh])
        new = [NewKey(ciphertext=ct, fingerprint=fp, line=line.line)
               for (fp, line), ct in zip(fresh, ciphertexts, strict=True)]
        parts = []
        for shard in sorted(planned):  # round-robin over shards, each part after the shard's end
            part = new[shard::len(planned)]
            if part:
                parts.append((shard, planned[shard], part))
                planned[shard] += len(part)
        return parts

    def _commit(self, tenant: Tenant, product_id: str, parts: list[tuple[int, int, list[NewKey]]],
                committed: dict[int, int], result: ImportResult) -> None:
        now = self._clock.now()
        for shard, start, part in parts:
            self._pool.append(tenant_id=tenant.id, product_id=product_id, shard=shard, start=start,
                              new_keys=part, batch_id=result.batch_id, now=now)
            committed[shard] = start + len(part)
            with result.lock:
                result.imported += len(part)
                result.settled.update(k.line for k in part)
