"""Outbox items: written with the change they announce, cleared once their e-mail has gone."""

from __future__ import annotations

from collections.abc import Collection, Sequence

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

    def mark_done(self, message: OutboxMessage, *, now: int, mailed: bool = False) -> None:
        try:
            OutboxItem(keys.outbox(message.tenant_id, message.id), "OBX").update(actions=_done(now, mailed))
        except PynamoDBException as exc:
            raise unavailable(exc, "clearing the outbox") from exc

    def mark_done_many(self, messages: Sequence[OutboxMessage], *, now: int,
                       mailed: Collection[str] = ()) -> None:
        """Several at once: one request per 100 (a transaction only for its batching; each clear stands alone)."""
        try:
            for start in range(0, len(messages), 100):
                with TransactWrite(connection=transaction_connection()) as tx:
                    for m in messages[start:start + 100]:
                        tx.update(OutboxItem(keys.outbox(m.tenant_id, m.id), "OBX"),
                                  actions=_done(now, m.id in mailed))
        except PynamoDBException as exc:
            raise unavailable(exc, "clearing the outbox") from exc


    def mailed(self, *, tenant_id: str, outbox_ids: Sequence[str]) -> dict[str, int]:
        """One batch read of these messages (a missing one is simply not there)."""
        try:
            found = OutboxItem.batch_get([(keys.outbox(tenant_id, i), "OBX") for i in outbox_ids])
            return {str(item.outbox_id): int(item.mailed_at) for item in found
                    if item.mailed_at is not None and item.tenant_id == tenant_id}
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the order's e-mails") from exc


def _done(now: int, mailed: bool = False) -> list:  # type: ignore[type-arg]
    """Cleared: out of the sweeper's due index, with the time it was done (and the e-mail's, in the same
    write: recording it costs no request)."""
    actions = [OutboxItem.done_at.set(now), OutboxItem.gsi1pk.remove(), OutboxItem.gsi1sk.remove()]
    return [*actions, OutboxItem.mailed_at.set(now)] if mailed else actions
