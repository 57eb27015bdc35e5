"""moto patches for the dev server: each keeps moto's answers and removes a cost that grows with the data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from devstack.moto_index import IndexPage, IndexPartitions, item_changed


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
            item_changed(table, h, r)  # put back behind moto's back: the index partitions follow

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
    Here a Query on the table's key lists only its partition, and an index Query only the items carrying the
    index hash value it names (`IndexPartitions`, kept up to date on every write), unsorted (moto sorts its
    matches itself). Results, order and paging are moto's own: only the listing changes."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    scope = threading.local()  # DynamoDB requests run one at a time, but keep it per thread all the same
    original_query, original_all_items = Table.query, Table.all_items

    def all_items(table: Any) -> list[Any]:
        if getattr(scope, "table", None) is not table:
            return original_all_items(table)
        if scope.candidates is not None:
            return list(scope.candidates)
        items = table.items
        partitions = items.values() if scope.partition is None else (
            [items[scope.partition]] if scope.partition in items else [])
        if not table.range_key_attr:
            return list(partitions)
        found = [item for partition in partitions for item in partition.values()]
        if scope.partition is not None and scope.range and found:
            return _range_run(found, *scope.range)
        return found

    def _range_run(items: list[Any], comparison: str, operands: list[Any]) -> list[Any]:
        """The items of a partition in its sort-key range (a contiguous run in key order), with one neighbour on
        each side: DynamoDB reads only the range, moto sorts and measures the whole partition first. moto
        compares every item with the range again; the neighbours keep its paging exact, since its loop sets
        LastEvaluatedKey when the item after a full page comes, in range or not."""
        items.sort(key=lambda item: item.range_key.cast_value)
        hits = [n for n, item in enumerate(items) if item.range_key.compare(comparison, operands)]
        return items[max(hits[0] - 1, 0):hits[-1] + 2] if hits else []

    def index_partitions(table: Any) -> IndexPartitions:
        kept = table.__dict__.get("_index_partitions")
        if kept is None:
            kept = table.__dict__["_index_partitions"] = IndexPartitions(table, lambda: original_all_items(table))
        return kept  # type: ignore[no-any-return]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        candidates = None
        if index_name and (kept := index_partitions(self)).covers(index_name):
            candidates = kept.partition(index_name, kwargs.get("hash_key_conditions"), _page(args, kwargs))
        scope.table, scope.partition, scope.candidates = self, (None if index_name else hash_key), candidates
        ranges = kwargs.get("range_key_conditions") or []
        plain_range = not index_name and len(ranges) == 1 and len(args) > 1 and args[0] and not (
            set(kwargs) - {"hash_key_conditions", "range_key_conditions"})  # no legacy QueryFilter
        scope.range = (args[0], list(args[1])) if plain_range else None
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            scope.table = scope.partition = scope.candidates = scope.range = None

    def _page(args: tuple[Any, ...], kwargs: dict[str, Any]) -> IndexPage | None:
        """The paging of an index Query moto's loop will do, when it is the plain kind (a Limit, at most one
        range condition, no legacy QueryFilter); else None (the whole partition goes to moto)."""
        extra = set(kwargs) - {"index_name", "hash_key_conditions", "range_key_conditions"}
        if len(args) < 5 or not args[2] or extra:
            return None
        ranges = kwargs.get("range_key_conditions") or []
        if len(ranges) > 1:
            return None
        range_attr, comparison, operands = ranges[0] if ranges else (None, None, [])
        if comparison is not None and comparison != args[0]:
            return None
        return IndexPage(limit=int(args[2]), start=args[3], forward=args[4] is not False, range_attr=range_attr,
                         comparison=comparison, operands=list(operands))

    original_put, original_delete = Table.put_item, Table.delete_item
    original_update = DynamoDBBackend.update_item

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        item_changed(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any = None, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_delete(self, hash_key, range_key, *args, **kwargs)
        finally:
            item_changed(self, hash_key, range_key if self.range_key_attr else None)

    def update_item(self: Any, table_name: str, key: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:  # updated in place (or refused half-way): re-file it from what is stored now
            table = self.get_table(table_name)
            h, r = self.get_keys_value(table, key)
            item_changed(table, h, r if table.range_key_attr else None)

    Table.all_items = all_items  # type: ignore[method-assign,assignment]
    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


def plain_item_responses() -> None:
    """moto writes every DynamoDB answer through its generic, model-driven serializer: per attribute of every
    item it walks the operation's shape (a third of the emulator's time on a page of 50 items). The answers of
    the item operations are plain DynamoDB JSON already (maps of {type: value}, binary as bytes, capacity as
    numbers): those are written with json.dumps, binary base64-encoded as the serializer does; errors and every
    other operation still go through the serializer."""
    import base64
    import json

    from moto.dynamodb.responses import DynamoResult

    item_operations = {"GetItem", "Query", "Scan", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem",
                       "TransactGetItems", "TransactWriteItems", "BatchWriteItem"}
    original = DynamoResult.execute_result

    def wire(value: Any) -> Any:
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        raise TypeError(f"{type(value).__name__} is not plain DynamoDB JSON")

    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        if context.operation_model.name not in item_operations or not isinstance(result, dict):
            return original(self, context)
        try:
            body = json.dumps({k: v for k, v in result.items() if v is not None}, default=wire,
                              separators=(",", ":"))
        except TypeError:
            return original(self, context)  # something the serializer knows how to write (a timestamp)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def cheap_query_results() -> None:
    """Three costs of every Query that DynamoDB does not have, each about a fifth of moto's time on a page of
    large items (the dashboard's rollup rows: ~3,000 counters in one answer):
    - moto deep-copies the matches before projecting them, though projection builds new items and nothing
      else in the Query changes them; the answer is written before the next request runs (one at a time);
    - it measures each match twice for the 1 MB page limit (once to check, once to add): measured once here;
    - it turns the answer into plain values through a generic walk that asks every string for `to_json`:
      scalar attributes ({S|N|BOOL|NULL|SS|NS: value}) are written directly, anything else by moto's walk."""
    import copy as copy_module
    import types

    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoResult

    scope = threading.local()
    original_query, original_size = table_module.Table.query, Item.size

    def deepcopy(obj: Any, memo: Any = None) -> Any:
        if getattr(scope, "sizes", None) is not None and isinstance(obj, list):
            return list(obj)  # the Query's matches: read, projected into new items, never changed
        return copy_module.deepcopy(obj, memo)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        scope.sizes = {}
        try:
            return original_query(self, *args, **kwargs)
        finally:
            scope.sizes = None

    def size(item: Any) -> int:
        sizes = getattr(scope, "sizes", None)
        if sizes is None:
            return original_size(item)  # type: ignore[no-any-return]
        if id(item) not in sizes:  # items stay alive (and unchanged) for the Query's duration
            sizes[id(item)] = original_size(item)
        return sizes[id(item)]  # type: ignore[no-any-return]

    scalar = {"S", "N", "BOOL", "NULL"}

    def plain(obj: Any) -> Any:
        kind = type(obj)
        if kind is DynamoType:
            if obj.type in scalar:
                return {obj.type: obj.value}
            if obj.type in ("SS", "NS"):
                return {obj.type: list(obj.value)}
            return dynamo_to_dict(obj)
        if kind is list:
            return [plain(v) for v in obj]
        if kind is dict or (isinstance(obj, dict) and not hasattr(obj, "to_json")):
            return {k: plain(v) for k, v in obj.items()}
        return dynamo_to_dict(obj)

    def result_init(self: Any, result: object) -> None:
        super(DynamoResult, self).__init__(plain(result))

    table_module.copy = types.SimpleNamespace(copy=copy_module.copy, deepcopy=deepcopy)  # type: ignore[assignment]
    table_module.Table.query = query  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]
    DynamoResult.__init__ = result_init  # type: ignore[method-assign]


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
    plain_item_responses()
    cheap_query_results()
    cheap_retention_check()
    cheap_send_message()
    cached_module_list()
