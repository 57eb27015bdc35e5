"""moto patches for the dev server: each keeps moto's answers and removes a cost that grows with the data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def cached_module_list() -> None:
    """moto's dispatcher lists and stat()s its own package folder (~200 entries) on every request to find
    the service; the folder does not change while the server runs, so list it once."""
    import functools

    from moto import backends

    original = backends.list_of_moto_modules
    listed = functools.cache(lambda: tuple(original()))
    backends.list_of_moto_modules = listed  # type: ignore[assignment]


def cheap_transaction_rollback() -> None:
    """moto's transact_write_items deep-copies every table it touches once per item, to restore it if
    the transaction is cancelled: O(table size) per call. Here the tables are not copied; the items the
    transaction names are snapshotted instead and put back if it fails. Same outcome, O(items)."""
    import copy as stdlib_copy
    import types

    from moto.dynamodb import models as ddb_models
    from moto.dynamodb.models.dynamo_type import DynamoType

    active = threading.local()

    def deepcopy(obj: Any, *args: Any) -> Any:
        if getattr(active, "on", False) and isinstance(obj, ddb_models.Table):
            return obj  # the "backup" is the live table; the item snapshot below is the real backup
        return stdlib_copy.deepcopy(obj, *args)

    ddb_models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=stdlib_copy.copy)  # type: ignore[attr-defined]
    original = ddb_models.DynamoDBBackend.transact_write_items

    def snapshot(backend: Any, transact_items: Any) -> list[tuple[Any, Any, Any, Any]]:
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            attrs = op.get("Key") or op.get("Item")
            if table is None or not attrs or table.hash_key_attr not in attrs:
                continue
            h = DynamoType(attrs[table.hash_key_attr])
            r = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            current = table.items.get(h)
            if r is not None:
                current = current.get(r) if current else None
            saved.append((table, h, r, stdlib_copy.deepcopy(current)))
        return saved

    def restore(saved: list[tuple[Any, Any, Any, Any]]) -> None:
        for table, h, r, old in reversed(saved):
            if r is None:
                if old is None:
                    table.items.pop(h, None)
                else:
                    table.items[h] = old
            elif old is None:
                table.items[h].pop(r, None)
            else:
                table.items[h][r] = old

    def transact_write_items(self: Any, transact_items: Any) -> None:
        saved = snapshot(self, transact_items)
        active.on = True
        try:
            original(self, transact_items)
        except Exception:
            restore(saved)
            raise
        finally:
            active.on = False

    ddb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def partition_queries() -> None:
    """moto answers every Query by listing and sorting every item of the table (O(n log n) with its slow
    DynamoType comparisons: ~40 ms at 3,000 items), then keeping the matches; DynamoDB reads one partition.
    Here a Query on the table's key lists only its partition, and an index Query lists the items unsorted
    (it sorts its matches itself). Results, order and paging are moto's own: only the listing changes."""
    from moto.dynamodb.models.table import Table

    scope = threading.local()  # DynamoDB requests run one at a time, but keep it per thread all the same
    original_query, original_all_items = Table.query, Table.all_items

    def all_items(table: Any) -> list[Any]:
        if getattr(scope, "table", None) is not table:
            return original_all_items(table)
        items = table.items
        partitions = items.values() if scope.partition is None else (
            [items[scope.partition]] if scope.partition in items else [])
        if not table.range_key_attr:
            return list(partitions)
        return [item for partition in partitions for item in partition.values()]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        scope.table, scope.partition = self, (None if index_name else hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            scope.table = scope.partition = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def cheap_retention_check() -> None:
    """For each message it hands out, moto's ReceiveMessage reads the queue's retention period through
    get_queue_attributes, which builds every attribute, counting the queue's messages three times: O(queue)
    per message, so a backlog drains in O(n^2). The retention period is a field of the queue: read it."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period)


def cheap_send_message() -> None:
    """moto's SendMessage reads one queue attribute (ContentBasedDeduplication) through `Queue.attributes`,
    which builds every attribute, counting the queue's messages three times: O(queue) per message sent, ~9 ms
    per send once a few hundred messages wait. While a message is sent, the queue answers that one attribute
    (FIFO queues only have it, as in moto's full answer); everything else still gets every attribute."""
    from moto.sqs.models import Queue, SQSBackend

    sending = threading.local()
    every_attribute = Queue.attributes.fget  # type: ignore[attr-defined]

    def attributes(queue: Any) -> dict[str, Any]:
        if getattr(sending, "depth", 0) == 0:
            return dict(every_attribute(queue))
        if not queue.fifo_queue:
            return {}
        return {"ContentBasedDeduplication": str(bool(queue.content_based_deduplication)).lower()}

    def sends(original: Callable[..., Any]) -> Callable[..., Any]:
        def send(self: Any, *args: Any, **kwargs: Any) -> Any:
            sending.depth = getattr(sending, "depth", 0) + 1  # a batch sends each message through send_message
            try:
                return original(self, *args, **kwargs)
            finally:
                sending.depth -= 1
        return send

    Queue.attributes = property(attributes)  # type: ignore[assignment,method-assign]
    SQSBackend.send_message = sends(SQSBackend.send_message)  # type: ignore[method-assign]
    SQSBackend.send_message_batch = sends(SQSBackend.send_message_batch)  # type: ignore[method-assign]


def apply() -> None:
    """Every patch above: each keeps moto's answers and removes a cost that grows with the data."""
    cheap_transaction_rollback()
    partition_queries()
    cheap_retention_check()
    cheap_send_message()
    cached_module_list()
