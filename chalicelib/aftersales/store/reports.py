"""After-sales reports: in their order's partition, with an id pointer, a per-tenant index and an open count."""

from __future__ import annotations

import builtins
import random
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import (
    KeyItem,
    OrderItem,
    StatItem,
    sealed_keys,
    transaction_connection,
)
from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.aftersales.domain import KEY_REPORTED, OPEN, REPORT_NOT_FOUND, Report, ReportFilter
from chalicelib.inventory.domain.keys import RESERVED, SOLD
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.ids import has_prefix
from chalicelib.kernel.ports import OutboxMessage, Page
from chalicelib.sales.domain.models import Order, OrderStatus

from .items import ReportCountItem, ReportItem, ReportPointerItem

LIST_READ_CAP = 1000  # reports read per list request when filters drop some (the page may then be short)
OUTBOX_TTL_SECONDS = 90 * 24 * 3600


def _index_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#REPORTS"


def _pointer_pk(tenant_id: str, report_id: str) -> str:
    return f"T#{tenant_id}#RPT#{report_id}"


def _count_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#REPORTS#COUNT"


def _sk(report_id: str) -> str:
    return f"RPT#{report_id}"


def _report(tenant_id: str, i: ReportItem) -> Report:
    return Report(tenant_id=tenant_id, id=i.report_id, order_id=i.order_id, product_id=i.product_id,
                  key_index=int(i.key_index), ref=KeyRef.decode(i.ref), reason=i.reason, note=i.note or "",
                  status=i.status, created_at=int(i.created_at), resolution=i.resolution,
                  replacement_index=None if i.replacement_index is None else int(i.replacement_index),
                  message=i.message or "", resolved_at=None if i.resolved_at is None else int(i.resolved_at),
                  review_reason=i.review_reason)


def _item(r: Report) -> ReportItem:
    return ReportItem(keys.order(r.tenant_id, r.order_id), _sk(r.id), report_id=r.id, order_id=r.order_id,
                      product_id=r.product_id, key_index=r.key_index, ref=r.ref.encode(), reason=r.reason,
                      note=r.note, status=r.status, created_at=r.created_at, resolution=r.resolution,
                      replacement_index=r.replacement_index, message=r.message, resolved_at=r.resolved_at,
                      review_reason=r.review_reason, gsi2pk=_index_pk(r.tenant_id),
                      gsi2sk=f"{r.created_at:012d}#{r.id}")


def _outbox(message: OutboxMessage) -> Any:
    item = outbox_item(message)
    item.ttl = message.created_at + OUTBOX_TTL_SECONDS
    return item


def _key(order: Order, ref: KeyRef) -> KeyItem:
    return KeyItem(keys.shard(order.tenant_id, order.product_id, ref.shard), keys.key_sk(ref.seq))


def _sell_new_key(tx: TransactWrite, order: Order, new_ref: KeyRef) -> None:
    """The replacement: reserved for this order by the claim, now sold, like a key of the sale."""
    tx.update(_key(order, new_ref), actions=[KeyItem.status.set(SOLD), KeyItem.reserved_until.remove(),
                                             KeyItem.gsi1pk.remove(), KeyItem.gsi1sk.remove()],
              # Still reserved for exactly this order: a lapsed claim never becomes a sale.
              condition=(KeyItem.status == RESERVED) & (KeyItem.order_id == order.id))
    bucket = random.randrange(keys.STAT_BUCKETS)
    tx.update(StatItem(keys.stat(order.tenant_id, order.product_id, bucket), "STAT"),
              actions=[StatItem.sold.add(1)])


def _mark_reported(tx: TransactWrite, order: Order, ref: KeyRef) -> None:
    tx.update(_key(order, ref), actions=[KeyItem.status.set(KEY_REPORTED)],
              # Sold to this order and not reported yet: a key is reported once, and never another order's.
              condition=(KeyItem.status == SOLD) & (KeyItem.order_id == order.id))


def _seen(order: Order) -> Any:
    """The order has exactly the replacements we read: 20 concurrent reports cannot all pass the limit,
    and `replacement_index` (the end of the key list) is still right."""
    same = OrderItem.replacements == order.replacements
    return (same | OrderItem.replacements.does_not_exist()) if order.replacements == 0 else same


def _rejected(exc: TransactWriteError) -> bool:
    """A condition failed or another transaction touched the same items: the caller reads again."""
    codes = {r.code if r else None for r in exc.cancellation_reasons}
    return bool(codes & {"ConditionalCheckFailed", "TransactionConflict"})


class DynamoReportStore:
    # ---- writes: one transaction each -------------------------------------------------------------------
    def file_replaced(self, *, order: Order, report: Report, new_ref: KeyRef, outbox: OutboxMessage,
                      bundle: bytes | None = None) -> bool:
        return self._commit("replacing the key",
                            lambda tx: self._replaced(tx, order, report, new_ref, outbox, bundle))

    def _replaced(self, tx: TransactWrite, order: Order, report: Report, new_ref: KeyRef,
                  outbox: OutboxMessage, bundle: bytes | None) -> None:
        tx.save(_item(report), condition=ReportItem.sk.does_not_exist())  # ids are fresh: never overwrite
        tx.save(ReportPointerItem(_pointer_pk(order.tenant_id, report.id), "RPT", order_id=order.id))
        tx.save(_outbox(outbox))
        tx.update(OrderItem(keys.order(order.tenant_id, order.id), "ORDER"), actions=[
            OrderItem.keys.set(OrderItem.keys.append([new_ref.encode()])),
            OrderItem.reported.set((OrderItem.reported | []).append([report.ref.encode()])),
            OrderItem.replacements.set((OrderItem.replacements | 0) + 1), *sealed_keys(bundle)],
            # Delivered, within the limit we checked, and this key not reported by a concurrent request.
            condition=(OrderItem.status == OrderStatus.DELIVERED.value) & _seen(order)
            & ~OrderItem.reported.contains(report.ref.encode()))
        _mark_reported(tx, order, report.ref)
        _sell_new_key(tx, order, new_ref)

    def file_open(self, *, order: Order, report: Report, outbox: OutboxMessage) -> bool:
        def write(tx: TransactWrite) -> None:
            tx.save(_item(report), condition=ReportItem.sk.does_not_exist())
            tx.save(ReportPointerItem(_pointer_pk(order.tenant_id, report.id), "RPT", order_id=order.id))
            tx.save(_outbox(outbox))
            tx.update(OrderItem(keys.order(order.tenant_id, order.id), "ORDER"),
                      actions=[OrderItem.reported.set((OrderItem.reported | []).append([report.ref.encode()]))],
                      # Still delivered (not refunded meanwhile) and this key not reported yet.
                      condition=(OrderItem.status == OrderStatus.DELIVERED.value)
                      & ~OrderItem.reported.contains(report.ref.encode()))
            _mark_reported(tx, order, report.ref)
            tx.update(ReportCountItem(_count_pk(order.tenant_id), "COUNT"), actions=[ReportCountItem.open.add(1)])

        return self._commit("saving the report", write)

    def resolve_replaced(self, *, order: Order, report: Report, new_ref: KeyRef, outbox: OutboxMessage,
                         bundle: bytes | None = None) -> bool:
        def write(tx: TransactWrite) -> None:
            tx.save(_outbox(outbox))
            self._close(tx, report)
            tx.update(OrderItem(keys.order(order.tenant_id, order.id), "ORDER"), actions=[
                OrderItem.keys.set(OrderItem.keys.append([new_ref.encode()])),
                OrderItem.replacements.set((OrderItem.replacements | 0) + 1), *sealed_keys(bundle)],
                condition=(OrderItem.status == OrderStatus.DELIVERED.value) & _seen(order))
            _sell_new_key(tx, order, new_ref)

        return self._commit("replacing the key", write)

    def close(self, *, report: Report, outbox: OutboxMessage) -> bool:
        def write(tx: TransactWrite) -> None:
            tx.save(_outbox(outbox))
            self._close(tx, report)

        return self._commit("closing the report", write)

    def _close(self, tx: TransactWrite, report: Report) -> None:
        tx.update(ReportItem(keys.order(report.tenant_id, report.order_id), _sk(report.id)), actions=[
            ReportItem.status.set(report.status), ReportItem.resolution.set(report.resolution or report.status),
            ReportItem.replacement_index.set(report.replacement_index) if report.replacement_index is not None
            else ReportItem.replacement_index.remove(),
            ReportItem.message.set(report.message), ReportItem.resolved_at.set(report.resolved_at or 0)],
            condition=ReportItem.status == OPEN)  # closed once: a second resolve finds it closed
        tx.update(ReportCountItem(_count_pk(report.tenant_id), "COUNT"), actions=[ReportCountItem.open.add(-1)])

    def _commit(self, what: str, write: Any) -> bool:
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                write(tx)
        except TransactWriteError as exc:
            if _rejected(exc):
                return False
            raise unavailable(exc, what) from exc
        except PynamoDBException as exc:
            raise unavailable(exc, what) from exc
        return True

    # ---- reads --------------------------------------------------------------------------------------
    def get(self, *, tenant_id: str, report_id: str) -> Report:
        if not has_prefix(report_id, "report"):
            raise NotFound(REPORT_NOT_FOUND, param="report_id")
        try:
            pointer = ReportPointerItem.get(_pointer_pk(tenant_id, report_id), "RPT", consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(REPORT_NOT_FOUND, param="report_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the report") from exc
        return self.in_order(tenant_id=tenant_id, order_id=pointer.order_id, report_id=report_id)

    def in_order(self, *, tenant_id: str, order_id: str, report_id: str) -> Report:
        try:
            return _report(tenant_id, ReportItem.get(keys.order(tenant_id, order_id), _sk(report_id),
                                                     consistent_read=True))
        except DoesNotExist as exc:
            raise NotFound(REPORT_NOT_FOUND, param="report_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the report") from exc

    def for_order(self, *, tenant_id: str, order_id: str) -> builtins.list[Report]:
        """One Query on the order's partition, oldest first (report ids sort by time)."""
        try:
            return [_report(tenant_id, i) for i in ReportItem.query(
                keys.order(tenant_id, order_id), ReportItem.sk.startswith("RPT#"), consistent_read=True)]
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the reports") from exc

    def list(self, *, tenant_id: str, where: ReportFilter, limit: int, cursor: str | None) -> Page:
        """Newest first. With `order_id` it reads that order's partition; otherwise the tenant's index. Status
        and product filters apply while reading, at most LIST_READ_CAP reports a request."""
        start = cursors.decode(cursor, expect=("sk",))
        after = str(start["sk"]) if start is not None else None
        try:
            condition: Any
            if where.order_id is not None:
                pk = keys.order(tenant_id, where.order_id)
                condition = ReportItem.sk < after if after else ReportItem.sk.startswith("RPT#")
                items = ReportItem.query(pk, condition, scan_index_forward=False, page_size=100)
                attr = "sk"
            else:
                condition = ReportItem.gsi2sk < after if after else None
                items = ReportItem.by_tenant.query(_index_pk(tenant_id), condition, scan_index_forward=False,
                                                   page_size=100)
                attr = "gsi2sk"
            found: builtins.list[ReportItem] = []
            last_read: str | None = None
            for read, item in enumerate(items, start=1):
                if where.order_id is not None and not item.sk.startswith("RPT#"):
                    break  # the order item itself sorts after the reports
                last_read = str(getattr(item, attr))
                if (where.status is None or item.status == where.status) and (
                        where.product_id is None or item.product_id == where.product_id):
                    found.append(item)
                if len(found) > limit:
                    break
                if read >= LIST_READ_CAP:
                    # Read enough for one request: answer what matched, and a cursor to read on from here.
                    return Page([_report(tenant_id, i) for i in found], cursors.encode({"sk": last_read}))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing reports") from exc
        more = len(found) > limit
        return Page([_report(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"sk": str(getattr(found[limit - 1], attr))}) if more else None)

    def since(self, *, tenant_id: str, since: int) -> builtins.list[Report]:
        """Reports filed at or after `since`: a range of the tenant's index, never the whole table."""
        try:
            return [_report(tenant_id, i) for i in ReportItem.by_tenant.query(
                _index_pk(tenant_id), ReportItem.gsi2sk >= f"{since:012d}#")]
        except PynamoDBException as exc:
            raise unavailable(exc, "reading report statistics") from exc

    def open_count(self, *, tenant_id: str) -> int:
        try:
            return int(ReportCountItem.get(_count_pk(tenant_id), "COUNT", consistent_read=True).open or 0)
        except DoesNotExist:
            return 0
        except PynamoDBException as exc:
            raise unavailable(exc, "reading report statistics") from exc
