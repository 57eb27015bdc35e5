"""Local stand-in for the Lambda triggers: long-polls the outbox queue (and, on a thread of its own, the jobs
queue) and runs the schedules every minute."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

READY = "kamidrop worker ready"  # the Stack waits for this line in the worker's log
BACKGROUND_APP_ID = "kamidrop-worker"  # its AWS calls' app id (AWS_SDK_UA_APP_ID): the emulator serves the API first
# The shortest rate app.py schedules (reservation expiry, webhook retries: 1 minute). Every 10 s, the jobs'
# queries (every product's shards, due outbox items, due webhooks) took the serialised moto from the API.
SCHEDULE_EVERY = float(os.environ.get("KAMIDROP_WORKER_SCHEDULE_SECONDS", "60"))
WAIT_SECONDS = 1
BATCH_WINDOW_SECONDS = 1.0  # app.py's maximum_batching_window_in_seconds
BATCH = 10

log = logging.getLogger("kamidrop.devstack.worker")


def poll_once(sqs: Any, queue_url: str, handle: Callable[[list[str]], list[tuple[int, Exception]]], *,
              window: float = BATCH_WINDOW_SECONDS, batch: int = BATCH) -> int:
    """Receive up to 10 messages (gathered over `window` seconds, as app.py's SQS trigger does) and hand their
    bodies to `handle` together; delete the ones it did not report failed, in one request.

    A failed message stays on the queue and comes back after the visibility timeout (then to the
    dead-letter queue), as app.py's handler arranges on Lambda. Only the exception type is logged:
    bodies may carry customer data. Returns how many messages were handled successfully.
    """
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch,
                                   WaitTimeSeconds=WAIT_SECONDS)
    messages = received.get("Messages", [])
    if not messages:
        return 0
    if len(messages) < batch and window > 0:
        # Lambda's batching window: gather what else arrives within it, then handle all of it together.
        time.sleep(window)
        messages += sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch - len(messages),
                                        WaitTimeSeconds=0).get("Messages", [])
    try:
        failures = dict(handle([m["Body"] for m in messages]))
    except Exception as exc:  # the whole batch failed: all of it comes back
        log.warning("batch of %d failed: %s (left on the queue)", len(messages), type(exc).__name__)
        return 0
    done: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        if index in failures:
            log.warning("message %s failed: %s (left on the queue)", message.get("MessageId", "?"),
                        type(failures[index]).__name__)
            continue
        done.append({"Id": str(len(done)), "ReceiptHandle": message["ReceiptHandle"]})
    if done:
        failed = sqs.delete_message_batch(QueueUrl=queue_url, Entries=done).get("Failed", [])
        for failure in failed:  # handled, but it comes back: handling is idempotent, so it is only redone
            log.warning("message not deleted: %s", failure.get("Code", "?"))
    return len(done)


def run_schedules(run_once: Callable[[], object]) -> None:
    try:
        run_once()
    except Exception as exc:
        log.warning("scheduled jobs failed: %s", type(exc).__name__)


def serve(stop: threading.Event) -> int:
    """The worker loop; returns the process exit code."""
    from chalicelib.kernel.settings import from_environ

    settings = from_environ()
    if not settings.queue_url:
        log.error("KAMIDROP_QUEUE_URL is not set; the worker has no queue to poll")
        return 2
    try:
        from chalicelib.wiring.jobs import handle_queue_bodies, run_schedules_once
    except Exception:
        log.exception("cannot import handle_queue_bodies and run_schedules_once from chalicelib.wiring.jobs")
        return 2

    import boto3

    sqs = boto3.client("sqs", endpoint_url=settings.aws_endpoint_url, region_name=settings.region)
    jobs: threading.Thread | None = None
    if settings.jobs_queue_url:
        # background work on its own thread, as on Lambda its own function: a history import never holds up
        # a buyer's e-mail
        jobs = threading.Thread(target=_poll_jobs, args=(stop, sqs, settings.jobs_queue_url, handle_queue_bodies),
                                name="jobs", daemon=True)
        jobs.start()
    print(READY, flush=True)
    next_schedules = time.monotonic() + SCHEDULE_EVERY
    while not stop.is_set():
        if time.monotonic() >= next_schedules:
            run_schedules(run_schedules_once)
            next_schedules = time.monotonic() + SCHEDULE_EVERY
        try:
            poll_once(sqs, settings.queue_url, handle_queue_bodies)
        except Exception as exc:
            log.warning("queue poll failed: %s; retrying in 1 s", type(exc).__name__)
            stop.wait(1.0)
    if jobs is not None:
        jobs.join(timeout=WAIT_SECONDS + 5)
    log.info("worker stopped")
    return 0


def _poll_jobs(stop: threading.Event, sqs: Any, queue_url: str,
               handle: Callable[[list[str]], list[tuple[int, Exception]]]) -> None:
    while not stop.is_set():
        try:
            poll_once(sqs, queue_url, handle, window=0, batch=1)
        except Exception as exc:
            log.warning("jobs queue poll failed: %s; retrying in 1 s", type(exc).__name__)
            stop.wait(1.0)


def main() -> int:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return serve(stop)


if __name__ == "__main__":
    sys.exit(main())
