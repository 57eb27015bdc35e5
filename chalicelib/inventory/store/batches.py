"""Key batches (one per import): one item each, listed per product through the tenant-scoped gsi2."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Gsi2, Item
from chalicelib.inventory.domain.keys import Batch
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ports import Page

NOT_FOUND = "no such batch"


class BatchItem(Item):
    product_id = UnicodeAttribute()
    imported = NumberAttribute()
    duplicates = NumberAttribute()
    rejected = NumberAttribute()
    created_at = NumberAttribute()
    created_by = UnicodeAttribute()
    created_by_name = UnicodeAttribute(default="")
    supplier = UnicodeAttribute(null=True)
    cost_per_key = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute()  # T#<tenant>#P#<product>#BATCHES: a product's batches, newest first
    gsi2sk = UnicodeAttribute()
    by_tenant = Gsi2()


def _pk(tenant_id: str, batch_id: str) -> str:
    return f"T#{tenant_id}#BATCH#{batch_id}"


def _list_pk(tenant_id: str, product_id: str) -> str:
    return f"T#{tenant_id}#P#{product_id}#BATCHES"


def _batch(tenant_id: str, item: BatchItem) -> Batch:
    return Batch(tenant_id=tenant_id, id=item.gsi2sk, product_id=item.product_id, imported=int(item.imported),
                 duplicates=int(item.duplicates), rejected=int(item.rejected), created_at=int(item.created_at),
                 created_by=item.created_by, created_by_name=item.created_by_name or "", supplier=item.supplier,
                 cost_per_key=int(item.cost_per_key) if item.cost_per_key is not None else None,
                 currency=item.currency)


class DynamoBatchStore:
    def put(self, batch: Batch) -> None:
        b = batch
        try:
            # Written once when the import ends; the batch id is fresh, so a plain put cannot clobber.
            BatchItem(_pk(b.tenant_id, b.id), "BATCH", product_id=b.product_id, imported=b.imported,
                      duplicates=b.duplicates, rejected=b.rejected, created_at=b.created_at,
                      created_by=b.created_by, created_by_name=b.created_by_name, supplier=b.supplier,
                      cost_per_key=b.cost_per_key, currency=b.currency,
                      gsi2pk=_list_pk(b.tenant_id, b.product_id), gsi2sk=b.id).save()
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the batch") from exc

    def get(self, *, tenant_id: str, batch_id: str) -> Batch:
        try:
            return _batch(tenant_id, BatchItem.get(_pk(tenant_id, batch_id), "BATCH"))
        except DoesNotExist as exc:
            raise NotFound(NOT_FOUND, param="batch_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the batch") from exc

    def list(self, *, tenant_id: str, product_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("batch",))
        after: dict[str, Any] | None = None
        if start is not None:
            # Rebuilt from the caller's tenant: a cursor never reaches another tenant's index partition.
            bid = str(start["batch"])
            after = {"pk": {"S": _pk(tenant_id, bid)}, "sk": {"S": "BATCH"},
                     "gsi2pk": {"S": _list_pk(tenant_id, product_id)}, "gsi2sk": {"S": bid}}
        try:
            found = list(BatchItem.by_tenant.query(_list_pk(tenant_id, product_id), limit=limit + 1,
                                                   last_evaluated_key=after, scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing batches") from exc
        more = len(found) > limit
        return Page([_batch(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"batch": found[limit - 1].gsi2sk}) if more else None)
