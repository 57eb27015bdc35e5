"""Job entry points for app.py's Lambda handlers and the dev stack's worker: each hands its work to the
capability that owns it (outbox messages to sales, integrations and after-sales; webhooks to integrations)."""

from __future__ import annotations

import json
import logging

from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.wiring import container

log = logging.getLogger(__name__)
OUTBOX_GRACE_SECONDS = 30  # the queue normally sends within this; the sweeper takes what it missed


def handle_queue_body(body: str) -> None:
    """One outbox message from the queue; raising leaves it on the queue for a retry."""
    data = json.loads(body)
    c = container()
    if data.get("kind") == "webhook_event":
        from chalicelib.integrations.jobs import handle_event_message

        handle_event_message(c.integrations.webhook_deliverer, data)
        return
    message = OutboxMessage(tenant_id=data["tenant_id"], id=data["outbox_id"], kind=data["kind"],
                            order_id=data["order_id"], created_at=c.platform.clock.now())
    handle_outbox(message)


def handle_outbox(message: OutboxMessage) -> None:
    """Customer totals and platform events first (each idempotent), then the buyer's e-mail, which clears
    the message. The order is read once, here, and handed to each."""
    c = container()
    order = c.sales.orders.find(tenant_id=message.tenant_id, order_id=message.order_id)
    c.sales.customers.on_outbox(message, order)
    c.integrations.order_events.on_outbox(message, order)
    c.aftersales.notices.on_outbox(message, order)
    c.sales.notifications.send(message, order)


def expire_reservations() -> dict[str, int]:
    report = container().sales.reservations.expire()
    return {"keys_released": report.keys_released, "orders_expired": report.orders_expired}


def recover_skipped_keys() -> int:
    return int(container().sales.reservations.recover_skipped_keys())


def sweep_outbox() -> int:
    """Send what the queue missed (queue down, handler crashed)."""
    c = container()
    sent = 0
    for message in c.platform.outbox.pending(older_than=c.platform.clock.now() - OUTBOX_GRACE_SECONDS, limit=100):
        try:
            handle_outbox(message)
            sent += 1
        except DomainError as exc:
            log.warning("outbox message not sent yet", extra={"outbox_id": message.id, "code": exc.code})
    return sent


def deliver_webhooks() -> dict[str, int]:
    from chalicelib.integrations.jobs import deliver_due

    return deliver_due(container().integrations.webhook_deliverer)


def run_schedules_once() -> dict[str, int]:
    """What the scheduled functions do, in one call: the local worker's tick."""
    result = expire_reservations()
    result["outbox_sent"] = sweep_outbox()
    result["keys_recovered"] = recover_skipped_keys()
    result.update({f"webhooks_{k}": v for k, v in deliver_webhooks().items()})
    return result
