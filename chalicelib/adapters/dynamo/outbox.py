"""Outbox items: written with the change they announce, cleared once their e-mail has gone."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import PynamoDBException
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import OutboxItem, transaction_connection
from chalicelib.kernel.ports import OutboxMessage


def outbox_item(message: OutboxMessage) -> OutboxItem:
    return OutboxItem(keys.outbox(message.tenant_id, message.id), "OBX", tenant_id=message.tenant_id,
                      outbox_id=message.id, kind=message.kind, order_id=message.order_id,
                      created_at=message.created_at, gsi1pk=keys.due("OBX", message.id),
                      gsi1sk=keys.due_sk(message.created_at, message.id))


class DynamoOutbox:
    def put(self, message: OutboxMessage) -> None:
        try:
            outbox_item(message).save()
        except PynamoDBException as exc:
            raise unavailable(exc, "queueing the notification") from exc

    def pending(self, *, older_than: int, limit: int) -> list[OutboxMessage]:
        out: list[OutboxMessage] = []
        try:
            for bucket in range(keys.DUE_PARTITIONS):
                for item in OutboxItem.by_due.query(f"OBX#{bucket}", OutboxItem.gsi1sk < keys.due_sk(older_than, ""),
                                                    limit=limit):
                    out.append(OutboxMessage(item.tenant_id, item.outbox_id, item.kind, item.order_id,
                                             int(item.created_at)))
                    if len(out) >= limit:
                        return out
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the outbox") from exc
        return out

    def mark_done(self, message: OutboxMessage, *, now: int) -> None:
        try:
            OutboxItem(keys.outbox(message.tenant_id, message.id), "OBX").update(actions=_done(now))
        except PynamoDBException as exc:
            raise unavailable(exc, "clearing the outbox") from exc

    def mark_done_many(self, messages: Sequence[OutboxMessage], *, now: int) -> None:
        """Several at once: one request per 100 (a transaction only for its batching; each clear stands alone)."""
        try:
            for start in range(0, len(messages), 100):
                with TransactWrite(connection=transaction_connection()) as tx:
                    for m in messages[start:start + 100]:
                        tx.update(OutboxItem(keys.outbox(m.tenant_id, m.id), "OBX"), actions=_done(now))
        except PynamoDBException as exc:
            raise unavailable(exc, "clearing the outbox") from exc


def _done(now: int) -> list:  # type: ignore[type-arg]
    """Cleared: out of the sweeper's due index, with the time it was done."""
    return [OutboxItem.done_at.set(now), OutboxItem.gsi1pk.remove(), OutboxItem.gsi1sk.remove()]
