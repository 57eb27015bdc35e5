"""The sale transaction (reserved keys sold + order delivered + event + outbox) and the event log."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import (
    EventItem,
    KeyItem,
    OrderItem,
    OutboxItem,
    StatItem,
    sealed_keys,
    transaction_connection,
)
from chalicelib.inventory.domain.keys import RESERVED, SOLD
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import ReservationLost
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import PAYABLE_STATUSES, Order, OrderStatus

EVENT_TTL_SECONDS = 90 * 24 * 3600



class DynamoSaleLedger:
    def deliver(
        self, *, order: Order, refs: Sequence[KeyRef], event_id: str, now: int, outbox: OutboxMessage,
        bundle: bytes | None = None,
    ) -> bool:
        """One transaction: True if this call delivered the order, False if it was already done
        (same event, or the order already left the payable states). Raises ReservationLost."""
        t = order.tenant_id
        # Same event, order and keys → same token: if a commit's answer is lost, DynamoDB answers the
        # retry (within 10 minutes) as a success instead of failing it on the event condition.
        token = hashlib.sha256(f"{event_id}|{order.id}|{','.join(r.encode() for r in refs)}".encode()).hexdigest()
        try:
            with TransactWrite(connection=transaction_connection(), client_request_token=token[:36]) as tx:
                # puts first, then updates: PynamoDB sends them in this order, so reasons line up.
                tx.save(EventItem(f"EVT#{event_id}", "EVT", kind="delivered", at=now, note=order.id,
                                  ttl=now + EVENT_TTL_SECONDS),
                        condition=EventItem.pk.does_not_exist())  # the same payment event delivers once
                tx.save(OutboxItem(keys.outbox(t, outbox.id), "OBX", tenant_id=t, outbox_id=outbox.id,
                                   kind=outbox.kind, order_id=order.id, created_at=now,
                                   gsi1pk=keys.due("OBX", outbox.id), gsi1sk=keys.due_sk(now, outbox.id),
                                   ttl=now + EVENT_TTL_SECONDS))
                tx.update(
                    OrderItem(keys.order(t, order.id), "ORDER"),
                    actions=[OrderItem.status.set(OrderStatus.DELIVERED.value), OrderItem.paid_at.set(now),
                             OrderItem.delivered_at.set(now), OrderItem.keys.set([r.encode() for r in refs]),  # type: ignore[misc]
                             OrderItem.gsi1pk.remove(), OrderItem.gsi1sk.remove(), *sealed_keys(bundle)],
                    # Still payable and paid by this intent: never delivered twice, never by a stranger.
                    condition=OrderItem.status.is_in(*[s.value for s in PAYABLE_STATUSES])
                    & (OrderItem.payment_intent_id == (order.payment_intent_id or "")),
                )
                for ref in refs:
                    tx.update(
                        KeyItem(keys.shard(t, order.product_id, ref.shard), keys.key_sk(ref.seq)),
                        actions=[KeyItem.status.set(SOLD), KeyItem.reserved_until.remove(),
                                 KeyItem.gsi1pk.remove(), KeyItem.gsi1sk.remove()],
                        # Reserved for exactly this order: a released or foreign key fails the sale.
                        condition=(KeyItem.status == RESERVED) & (KeyItem.order_id == order.id),
                    )
                bucket = random.randrange(keys.STAT_BUCKETS)  # spread the counter over items
                tx.update(StatItem(keys.stat(t, order.product_id, bucket), "STAT"),
                          actions=[StatItem.sold.add(len(refs))])
        except TransactWriteError as exc:
            codes = [r.code if r else None for r in exc.cancellation_reasons]
            if codes[:1] == ["ConditionalCheckFailed"] or codes[2:3] == ["ConditionalCheckFailed"]:
                return False
            if "ConditionalCheckFailed" in codes[3:]:
                raise ReservationLost("the reservation of this order's keys lapsed") from exc
            raise unavailable(exc, "delivering the order") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "delivering the order") from exc
        return True

    def event_seen(self, event_id: str) -> bool:
        try:
            EventItem.get(f"EVT#{event_id}", "EVT")
        except DoesNotExist:
            return False
        except PynamoDBException as exc:
            raise unavailable(exc, "checking the event") from exc
        return True

    def record_event(self, *, event_id: str, kind: str, now: int, note: str) -> bool:
        """Conditional put: True the first time an event id is recorded."""
        try:
            EventItem(f"EVT#{event_id}", "EVT", kind=kind, at=now, note=note, ttl=now + EVENT_TTL_SECONDS).save(
                condition=EventItem.pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "recording the event") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "recording the event") from exc
        return True
