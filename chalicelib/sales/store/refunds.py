"""The refund transaction: order → refunded, its outbox message, and the buyer's totals, all or nothing."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import OrderItem, OutboxItem, transaction_connection
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import ENTRY_OPEN, ENTRY_REFUNDED, ENTRY_SPENT, REFUNDABLE_STATUSES
from chalicelib.sales.store import customers

EVENT_TTL_SECONDS = 90 * 24 * 3600
ATTEMPTS = 4


class DynamoRefundLedger:
    def mark_refunded(self, *, order: Order, now: int, reason: str, outbox: OutboxMessage) -> bool:
        """True if this call moved the order to refunded; False if it was not refundable (already
        refunded by an earlier call, or never paid). Safe to call again after any failure."""
        for _ in range(ATTEMPTS):
            state = customers.entry_state(order)
            if state == ENTRY_OPEN:
                customers.ensure_customer(order)  # delivery not counted yet: count it paid and refunded
            try:
                with TransactWrite(connection=transaction_connection()) as tx:
                    tx.save(OutboxItem(keys.outbox(order.tenant_id, outbox.id), "OBX", tenant_id=order.tenant_id,
                                       outbox_id=outbox.id, kind=outbox.kind, order_id=order.id, created_at=now,
                                       gsi1pk=keys.due("OBX", outbox.id), gsi1sk=keys.due_sk(now, outbox.id),
                                       ttl=now + EVENT_TTL_SECONDS))
                    tx.update(OrderItem(keys.order(order.tenant_id, order.id), "ORDER"),
                              # The keys are voided with the refund: the sealed copy on the order goes too.
                              actions=[OrderItem.status.set(OrderStatus.REFUNDED.value), OrderItem.refunded_at.set(now),
                                       OrderItem.failure_reason.set(reason), OrderItem.keys_bundle.remove()],
                              # Only money-taken orders, and only once: a second refund finds `refunded`.
                              condition=OrderItem.status.is_in(*[s.value for s in REFUNDABLE_STATUSES]))
                    if state in (ENTRY_OPEN, ENTRY_SPENT):
                        customers.add_entry_move(tx, order, from_state=state, to_state=ENTRY_REFUNDED,
                                                 paid=state == ENTRY_OPEN, refunded=True)
            except TransactWriteError as exc:
                codes = [r.code if r else None for r in exc.cancellation_reasons]
                if codes[1:2] == ["ConditionalCheckFailed"]:
                    return False
                if "ConditionalCheckFailed" in codes[2:]:
                    continue  # the delivery was counted meanwhile: read the entry again
                raise unavailable(exc, "refunding the order") from exc
            except PynamoDBException as exc:
                raise unavailable(exc, "refunding the order") from exc
            if state == ENTRY_OPEN:
                customers.stretch_dates(order)
            return True
        raise unavailable(RuntimeError("customer entry kept changing"), "refunding the order")
