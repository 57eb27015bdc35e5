"""The emulator's index partitions: a table's items by index hash value, kept in index order between writes, and
the run of one a paged Query walks (used by `devstack.moto_patches.partition_queries`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def item_changed(table: Any, h: Any, r: Any) -> None:
    """An item of `table` was written or removed: its index partitions (when kept) follow."""
    partitions = table.__dict__.get("_index_partitions")
    if partitions is not None:
        partitions.refresh(h, r)


class IndexPage:
    """What a Query's paging needs to know: moto's loop walks the index from after the start key, in the Query's
    direction, and stops at the first item after `limit` items in the key range (that one only sets
    LastEvaluatedKey). Handing it that run, not the whole partition, gives the same answer: the same items, the
    same LastEvaluatedKey, the same ScannedCount."""

    def __init__(self, *, limit: int, start: dict[str, Any] | None, forward: bool, range_attr: str | None,
                 comparison: str | None, operands: list[Any]) -> None:
        self.limit, self.start, self.forward = limit, start, forward
        self.range_attr, self.comparison, self.operands = range_attr, comparison, operands

    def walked(self, partition: OrderedPartition, order_attrs: list[str]) -> list[Any] | None:
        """The run moto will walk, in index order; None when the start key does not name the index's order."""
        import bisect

        from moto.dynamodb.models.dynamo_type import DynamoType

        first, end, step = (0, len(partition.orders), 1) if self.forward else (len(partition.orders) - 1, -1, -1)
        if self.start is not None:
            if any(a not in self.start for a in order_attrs):
                return None
            after = tuple((t.type, t.cast_value) for t in (DynamoType(self.start[a]) for a in order_attrs))
            first = (bisect.bisect_right(partition.orders, after) if self.forward
                     else bisect.bisect_left(partition.orders, after) - 1)
        taken, matched = [], 0
        for index in range(first, end, step):
            item = partition.items[partition.keys[index]][1]
            taken.append(item)
            if matched == self.limit:
                break  # the one moto looks at to know there is more
            value = item.attrs.get(self.range_attr) if self.range_attr else None
            if self.comparison is None or (value is not None and value.compare(self.comparison, self.operands)):
                matched += 1
        return taken if self.forward else taken[::-1]


class OrderedPartition:
    """One index partition: its items by table key, and their places in index order (kept sorted as items come
    and go, so a Query neither lists nor sorts the partition)."""

    __slots__ = ("items", "keys", "orders", "unordered")

    def __init__(self) -> None:
        self.items: dict[tuple[Any, Any], tuple[tuple[Any, ...], Any]] = {}
        self.orders: list[tuple[Any, ...]] = []
        self.keys: list[tuple[Any, Any]] = []
        self.unordered = False  # values of mixed kinds under one attribute: moto's own sort settles it

    def put(self, key: tuple[Any, Any], order: tuple[Any, ...], item: Any) -> None:
        import bisect

        self.items[key] = (order, item)
        if self.unordered:
            return
        try:
            at = bisect.bisect_left(self.orders, order)
        except TypeError:
            self.unordered = True
            return
        self.orders.insert(at, order)
        self.keys.insert(at, key)

    def drop(self, key: tuple[Any, Any]) -> None:
        import bisect

        order, _ = self.items.pop(key)
        if self.unordered:
            return
        at = bisect.bisect_left(self.orders, order)  # an order ends with the table key: it is unique
        del self.orders[at]
        del self.keys[at]

    def in_order(self) -> list[Any]:
        if self.unordered:
            return [item for _, item in self.items.values()]
        return [self.items[key][1] for key in self.keys]


class IndexPartitions:
    """A table's items by their hash value in each global index with a single hash attribute, as DynamoDB keeps
    an index: built from the table on the first index Query, then brought up to date item by item on every
    write (put, update, delete, a cancelled transaction's restore). An item without the index's range key is not
    in the index (moto drops it from an index Query too)."""

    def __init__(self, table: Any, items: Callable[[], list[Any]]) -> None:
        self._table: Any = table
        indexes = table.global_indexes or []
        self._hash_attrs = {index.name: keys[0]["AttributeName"] for index in indexes
                            if len(keys := [k for k in index.schema if k["KeyType"] == "HASH"]) == 1}
        self._range_attrs = {index.name: [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
                             for index in indexes}
        self._order_attrs = {name: [*attrs, *(a for a in (table.hash_key_attr, table.range_key_attr) if a)]
                             for name, attrs in self._range_attrs.items()}
        self._by_index: dict[str, dict[Any, OrderedPartition]] = {name: {} for name in self._hash_attrs}
        self._placed: dict[tuple[Any, Any], dict[str, Any]] = {}
        for item in items():
            self._add((item.hash_key, item.range_key), item)

    def covers(self, index_name: str) -> bool:
        return index_name in self._hash_attrs

    def partition(self, index_name: str, conditions: Any, page: IndexPage | None = None) -> list[Any] | None:
        """The items whose index hash value is the one the Query names, in index order (None when the Query
        names it otherwise); with `page`, only the run of them moto's paging loop would walk."""
        attr = self._hash_attrs[index_name]
        values = [value for name, value in (conditions or []) if name == attr]
        if len(values) != 1:
            return None
        found = self._by_index[index_name].get(values[0])
        if found is None:
            return []
        if page is not None and not found.unordered:
            run = page.walked(found, self._order_attrs[index_name])
            if run is not None:
                return run
        return found.in_order()

    def refresh(self, h: Any, r: Any) -> None:
        key = (h, r)
        for index_name, value in self._placed.pop(key, {}).items():
            partition = self._by_index[index_name].get(value)
            if partition is not None:
                partition.drop(key)
                if not partition.items:
                    del self._by_index[index_name][value]
        stored = self._table.items.get(h)
        item = stored.get(r) if (stored is not None and self._table.range_key_attr) else stored
        if item is not None:
            self._add(key, item)

    def _add(self, key: tuple[Any, Any], item: Any) -> None:
        placed = {}
        for index_name, attr in self._hash_attrs.items():
            value = item.attrs.get(attr)
            if value is None or any(a not in item.attrs for a in self._range_attrs[index_name]):
                continue
            order = tuple((v.type, v.cast_value) if (v := item.attrs.get(a)) is not None else ("", "")
                          for a in self._order_attrs[index_name])
            self._by_index[index_name].setdefault(value, OrderedPartition()).put(key, order, item)
            placed[index_name] = value
        if placed:
            self._placed[key] = placed
