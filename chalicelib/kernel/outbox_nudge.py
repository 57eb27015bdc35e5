"""Nudges the queue about an outbox message already written; the sweeper covers a queue outage."""

from __future__ import annotations

import logging

from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.ports import MessageQueue, OutboxMessage

log = logging.getLogger(__name__)


def nudge(queue: MessageQueue, message: OutboxMessage, *, delay_seconds: int = 0) -> None:
    try:
        queue.send({"tenant_id": message.tenant_id, "outbox_id": message.id, "kind": message.kind,
                    "order_id": message.order_id}, delay_seconds=delay_seconds)
    except DomainError:
        # The outbox item is already written; the sweeper sends it if the queue is down.
        log.warning("queue unavailable; outbox sweeper will deliver", extra={"order_id": message.order_id})
