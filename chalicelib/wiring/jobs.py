"""Job entry points for app.py's Lambda handlers and the dev stack's worker: each hands its work to the
capability that owns it (outbox messages to sales, integrations and after-sales; webhooks to integrations)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order
from chalicelib.wiring import container

log = logging.getLogger(__name__)
OUTBOX_GRACE_SECONDS = 30  # the queue normally sends within this; the sweeper takes what it missed


def handle_queue_body(body: str) -> None:
    """One message from the queue; raising leaves it on the queue for a retry."""
    failed = handle_queue_bodies([body])
    if failed:
        raise failed[0][1]


def handle_queue_batch(records: Sequence[tuple[str, str]]) -> None:
    """Lambda's SQS batch as (body, receipt handle). Chalice cannot answer with the failed items alone, so when
    some fail the handled ones are deleted here (their e-mails must not go again) and the invocation fails,
    bringing back the rest."""
    failed = handle_queue_bodies([body for body, _ in records])
    if failed:
        failed_at = {index for index, _ in failed}
        container().platform.queue.acknowledge([h for i, (_, h) in enumerate(records) if i not in failed_at])
        raise failed[0][1]


def handle_job_message(body: str) -> None:
    """One message of the jobs queue (a per-shop job, a history chunk); raising leaves it for a retry."""
    failed = handle_queue_bodies([body])
    if failed:
        raise failed[0][1]


def handle_queue_bodies(bodies: Sequence[str]) -> list[tuple[int, Exception]]:
    """A batch from the queue (Lambda hands up to ten): outbox messages together, webhook nudges one by one.
    Returns the failed ones as (index, error); the caller leaves them on the queue for a retry."""
    c = container()
    failed: list[tuple[int, Exception]] = []
    outbox: list[tuple[int, OutboxMessage]] = []
    for index, body in enumerate(bodies):
        try:
            data = json.loads(body)
            if data.get("kind") == "webhook_event":
                from chalicelib.integrations.jobs import handle_event_message

                handle_event_message(c.integrations.webhook_deliverer, data)
                continue
            if data.get("kind") == TENANT_JOB:
                run_tenant_job(str(data["job"]), str(data["tenant_id"]))
                continue
            if data.get("kind") == "history_chunk":  # one chunk of an imported order history
                c.insights.history.count_chunk(str(data["tenant_id"]), str(data["job_id"]), int(data["chunk"]))
                continue
            outbox.append((index, OutboxMessage(tenant_id=data["tenant_id"], id=data["outbox_id"], kind=data["kind"],
                                                order_id=data["order_id"], created_at=c.platform.clock.now())))
        except Exception as exc:  # a bad body or a failed delivery: that message alone goes back
            failed.append((index, exc))
    if outbox:
        errors = handle_outbox_batch([m for _, m in outbox])
        failed += [(index, errors[m.id]) for index, m in outbox if m.id in errors]
    return sorted(failed, key=lambda f: f[0])


def handle_outbox(message: OutboxMessage) -> None:
    """One outbox message (the sweeper's); raises what failed, leaving it in the outbox for the next round."""
    errors = handle_outbox_batch([message])
    if errors:
        raise errors[message.id]


def handle_outbox_batch(messages: Sequence[OutboxMessage]) -> dict[str, Exception]:
    """Customer totals and platform events first (each idempotent), then the buyer's e-mail, which clears the
    message. The orders are read once, together, and handed to each step; a message whose step fails skips
    the later ones and stays for a retry. The failures by outbox id."""
    c = container()
    messages = list({m.id: m for m in messages}.values())  # a queue may hand the same message over twice
    try:
        orders = c.sales.orders.find_many([(m.tenant_id, m.order_id) for m in messages])
    except DomainError as exc:
        return {m.id: exc for m in messages}
    failed: dict[str, Exception] = {}
    handled = [(m, orders.get((m.tenant_id, m.order_id))) for m in messages]

    def each(step: Callable[[OutboxMessage, Order | None], object]) -> None:
        for message, order in handled:
            if message.id in failed:
                continue
            try:
                step(message, order)
            except Exception as exc:  # this message alone fails (a bug included); only its type is logged
                log.warning("outbox step failed", extra={"outbox_id": message.id, "error": type(exc).__name__})
                failed[message.id] = exc

    def remaining() -> list[tuple[OutboxMessage, Order | None]]:
        return [(m, o) for m, o in handled if m.id not in failed]

    each(c.sales.customers.on_outbox)
    each(c.insights.funnel.on_outbox)  # a storefront order's checkout step
    each(c.insights.rollups.on_outbox)  # after the customer totals: it asks whether this was a first order
    failed.update(c.integrations.order_events.on_outbox_many(remaining()))
    each(c.aftersales.notices.on_outbox)
    failed.update(c.sales.notifications.send_many(remaining()))
    return failed


def expire_reservations() -> dict[str, int]:
    report = container().sales.reservations.expire()
    return {"keys_released": report.keys_released, "orders_expired": report.orders_expired}


def recover_skipped_keys() -> int:
    return int(container().sales.reservations.recover_skipped_keys())


def sweep_outbox() -> int:
    """Send what the queue missed (queue down, handler crashed)."""
    c = container()
    pending = c.platform.outbox.pending(older_than=c.platform.clock.now() - OUTBOX_GRACE_SECONDS, limit=100)
    if not pending:
        return 0
    errors = handle_outbox_batch(pending)
    for outbox_id, exc in errors.items():
        log.warning("outbox message not sent yet",
                    extra={"outbox_id": outbox_id, "code": getattr(exc, "code", type(exc).__name__)})
    return len(pending) - len(errors)


def deliver_webhooks() -> dict[str, int]:
    from chalicelib.integrations.jobs import deliver_due

    return deliver_due(container().integrations.webhook_deliverer)


TENANT_JOB = "tenant_job"
# Per-shop jobs: the schedule fans out one queue message per shop; each message runs its shop's job alone.
TENANT_JOBS: dict[str, Callable[[str], object]] = {
    "stock_alerts": lambda tenant_id: container().insights.stock_alerts.check(tenant_id),
    # segments and co-purchase rules: made on the first run of each shop day, nothing on the others
    "nightly": lambda tenant_id: container().insights.nightly.run(tenant_id),
}


def fan_out(job: str) -> int:
    """One queue message per shop for `job` (never one invocation looping over every shop's work); returns how
    many were sent. Each job is idempotent, so a message delivered twice, or a fan-out run twice, does no harm."""
    if job not in TENANT_JOBS:
        raise ValueError(f"no per-shop job {job!r}")
    c = container()
    sent, after = 0, None
    while True:
        ids, after = c.tenancy.tenants.ids(after=after)
        for tenant_id in ids:
            c.platform.jobs_queue.send({"kind": TENANT_JOB, "job": job, "tenant_id": tenant_id})
            sent += 1
        if after is None:
            return sent


def run_tenant_job(job: str, tenant_id: str) -> object:
    """One shop's run of a per-shop job (a queue message's work); raising leaves the message for a retry."""
    if job not in TENANT_JOBS:
        raise ValueError(f"no per-shop job {job!r}")
    return TENANT_JOBS[job](tenant_id)


HOURLY_JOBS = ("stock_alerts", "nightly")
_last_fan_out: dict[str, float] = {}


def run_schedules_once() -> dict[str, int]:
    """What the scheduled functions do, in one call: the local worker's tick (the hourly fan-outs once an
    hour of this process's life, the first at its first tick)."""
    import time

    result = expire_reservations()
    for job in HOURLY_JOBS:
        if time.monotonic() - _last_fan_out.get(job, -3600.0) >= 3600:
            _last_fan_out[job] = time.monotonic()
            result[f"{job}_shops"] = fan_out(job)
    result["outbox_sent"] = sweep_outbox()
    result["keys_recovered"] = recover_skipped_keys()
    result.update({f"webhooks_{k}": v for k, v in deliver_webhooks().items()})
    return result
