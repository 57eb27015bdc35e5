"""The outbox queue on SQS."""

from __future__ import annotations

import json
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
