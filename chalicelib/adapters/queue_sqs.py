"""The outbox queue on SQS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalicelib.kernel.errors import QueueUnavailable


class SqsQueue:
    def __init__(self, *, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, body: dict[str, str], *, delay_seconds: int = 0) -> None:
        if not self._url:
            raise QueueUnavailable("no queue configured; the outbox sweeper will deliver")
        extra: dict[str, Any] = {"DelaySeconds": delay_seconds} if delay_seconds else {}
        try:
            self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(body), **extra)
        except Exception as exc:
            raise QueueUnavailable("the notification queue is not answering") from exc

    def acknowledge(self, receipt_handles: Sequence[str]) -> None:
        try:
            for start in range(0, len(receipt_handles), 10):  # SQS deletes at most 10 per request
                chunk = receipt_handles[start:start + 10]
                self._sqs.delete_message_batch(QueueUrl=self._url, Entries=[
                    {"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)])
        except Exception as exc:
            raise QueueUnavailable("the notification queue is not answering") from exc
