"""Low-level reads and writes of items whose attribute names are data (counters per currency, hour, month): raw
DynamoDB JSON through PynamoDB's connection, with its failures translated, and no model per kind."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Item, transaction_connection

BATCH = 100  # DynamoDB's most keys per BatchGetItem
ATTEMPTS = 5


def read_items(keys: Sequence[tuple[str, str]], what: str, *, consistent: bool) -> list[dict[str, Any]]:
    """The raw items (DynamoDB JSON) of each (pk, sk) found, in the fewest BatchGets; a key not found is absent.
    Keys the service leaves unprocessed are asked again with a short backoff."""
    found: list[dict[str, Any]] = []
    table = Item.Meta.table_name
    for at in range(0, len(keys), BATCH):
        wanted: list[dict[str, Any]] = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[at:at + BATCH]]
        for attempt in range(ATTEMPTS):
            try:
                page = transaction_connection().dispatch("BatchGetItem", {
                    "RequestItems": {table: {"Keys": wanted, "ConsistentRead": consistent}}})
            except (ClientError, PynamoDBException, BotoCoreError) as exc:
                raise unavailable(exc, what) from exc
            found += page.get("Responses", {}).get(table, [])
            wanted = page.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if not wanted:
                break
            time.sleep(0.01 * 2 ** attempt)  # throttled: DynamoDB hands back what it could not read
        else:
            raise unavailable(RuntimeError("unprocessed keys"), what)
    return found


def read_numbers(keys: Sequence[tuple[str, str]], what: str, *,
                 consistent: bool = True) -> dict[tuple[str, str], dict[str, int]]:
    """The number attributes of each (pk, sk) found (strongly consistent unless asked), whatever model wrote it."""
    return {(raw["pk"]["S"], raw["sk"]["S"]): {k: int(v["N"]) for k, v in raw.items() if "N" in v}
            for raw in read_items(keys, what, consistent=consistent)}


class ConditionFailed(Exception):
    """A conditional write found the item otherwise."""


def call(operation: str, body: dict[str, Any], what: str) -> dict[str, Any]:
    """PynamoDB's low-level dispatch (its retries and signals), with its failures translated: they come as
    botocore's errors, not PynamoDB's. A failed condition raises ConditionFailed."""
    try:
        return transaction_connection().dispatch(operation, body)  # type: ignore[no-any-return]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ConditionFailed(what) from exc
        raise unavailable(exc, what) from exc
    except (PynamoDBException, BotoCoreError) as exc:
        raise unavailable(exc, what) from exc


def query_all(query: dict[str, Any], what: str) -> list[dict[str, Any]]:
    """Every item a Query finds, all pages (the caller bounds the key range)."""
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page = call("Query", {**query, "ExclusiveStartKey": start} if start else query, what)
        found += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def add_counters(pk: str, sk: str, values: dict[str, int]) -> dict[str, Any]:
    """An UpdateItem body (or transaction update) adding each value to its counter; ADD creates a missing counter
    at 0, so there is no read, no ensure step, and any name (a currency, an hour, a channel) may appear."""
    names = {f"#a{i}": name for i, name in enumerate(sorted(values))}
    return {"TableName": Item.Meta.table_name, "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "UpdateExpression": "ADD " + ", ".join(f"{alias} :v{i}" for i, alias in enumerate(names)),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {f":v{i}": {"N": str(values[n])} for i, n in enumerate(names.values())}}


def marker(pk: str, sk: str, ttl: int) -> dict[str, Any]:
    """A transaction put of a "done already" flag: it fails when the flag is there (attribute_not_exists)."""
    return {"TableName": Item.Meta.table_name, "Item": {"pk": {"S": pk}, "sk": {"S": sk}, "ttl": {"N": str(ttl)}},
            "ConditionExpression": "attribute_not_exists(pk)"}


def once(flag: dict[str, Any], updates: list[dict[str, Any]], what: str) -> bool:
    """Puts the flag and applies the updates in one transaction; False (nothing applied) when the flag was there
    already: the updates of a replayed message, a retried chunk, a second Pay press, happen once."""
    try:
        transaction_connection().transact_write_items(condition_check_items=[], delete_items=[], put_items=[flag],
                                                      update_items=updates)
    except TransactWriteError as exc:
        if [r.code if r else None for r in exc.cancellation_reasons][:1] == ["ConditionalCheckFailed"]:
            return False
        raise unavailable(exc, what) from exc
    except PynamoDBException as exc:
        raise unavailable(exc, what) from exc
    return True
