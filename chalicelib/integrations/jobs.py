"""Webhook jobs: the queue's event messages and the schedule that sends what is due (retries, missed sends)."""

from __future__ import annotations

from typing import Any


def handle_event_message(data: dict[str, Any]) -> int:
    """A `webhook_event` queue message: first attempts of that event's deliveries; raising retries it."""
    from chalicelib.wiring import container

    return int(container().integrations.webhook_deliverer.deliver_event(tenant_id=str(data["tenant_id"]),
                                                           event_id=str(data["event_id"])))


def deliver_due() -> dict[str, int]:
    """Every minute (app.py schedule `deliver_webhooks`): pending deliveries whose time has come, in batches
    of 100 until none are due or 4 batches were sent (the next run continues)."""
    from chalicelib.wiring import container

    deliverer = container().integrations.webhook_deliverer
    total: dict[str, int] = {}
    for _ in range(4):
        counts = deliverer.deliver_due()
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        if counts["due"] < 100:
            break
    return total
