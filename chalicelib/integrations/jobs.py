"""Webhook jobs: the queue's event messages and the schedule that sends what is due (retries, missed sends)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.integrations.service.delivery import WebhookDeliverer


def handle_event_message(deliverer: WebhookDeliverer, data: dict[str, Any]) -> int:
    """A `webhook_event` queue message: first attempts of that event's deliveries; raising retries it."""
    return int(deliverer.deliver_event(tenant_id=str(data["tenant_id"]), event_id=str(data["event_id"])))


def deliver_due(deliverer: WebhookDeliverer) -> dict[str, int]:
    """Every minute (app.py schedule `deliver_webhooks`): pending deliveries whose time has come, in batches
    of 100 until none are due or 4 batches were sent (the next run continues)."""
    total: dict[str, int] = {}
    for _ in range(4):
        counts = deliverer.deliver_due()
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        if counts["due"] < 100:
            break
    return total
