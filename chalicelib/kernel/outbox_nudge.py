"""Nudges the queue about an outbox message already written; the sweeper covers a queue outage."""

from __future__ import annotations

import logging

from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.ports import MessageQueue, OutboxMessage

log = logging.getLogger(__name__)


# Outbox messages wait this long on the queue: the worker then receives the messages of that second together
# and handles them in one go (orders read together, each shop's events written together), not one by one.
# The buyer sees the keys on the order page at once; the e-mail and the webhooks follow a second later.
QUEUE_DELAY_SECONDS = 1


def nudge(queue: MessageQueue, message: OutboxMessage, *, delay_seconds: int = QUEUE_DELAY_SECONDS) -> None:
    try:
        queue.send({"tenant_id": message.tenant_id, "outbox_id": message.id, "kind": message.kind,
                    "order_id": message.order_id}, delay_seconds=delay_seconds)
    except DomainError:
        # The outbox item is already written; the sweeper sends it if the queue is down.
        log.warning("queue unavailable; outbox sweeper will deliver", extra={"order_id": message.order_id})
