"""The local worker's queue poll: handled messages are deleted (in one batch), failed ones stay on the queue."""

from __future__ import annotations

import secrets
from typing import Any

import boto3

from devstack.worker import poll_once


def test_a_poll_deletes_what_was_handled_and_leaves_what_failed(moto_server: Any) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_server.url, region_name="us-east-1")
    url = sqs.create_queue(QueueName=f"worker-{secrets.token_hex(4)}")["QueueUrl"]
    # given three messages, one of which its handler refuses
    for body in ("a", "boom", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: list[str] = []

    def handle(bodies: list[str]) -> list[tuple[int, Exception]]:
        seen.extend(bodies)
        return [(i, RuntimeError("handler failed")) for i, body in enumerate(bodies) if body == "boom"]

    # when the worker polls once (the three arrive as one batch)
    handled = poll_once(sqs, url, handle, window=0.2)
    # then two were handled and deleted, and the failed one is still on the queue (in flight until it times out)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (handled, sorted(seen)) == (2, ["a", "boom", "c"])
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
