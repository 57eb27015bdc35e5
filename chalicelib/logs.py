"""Logging set-up: the platform's level, and the SDK wire loggers pinned so no payload is ever logged."""

from __future__ import annotations

import logging

# At DEBUG these log request and response bodies: SES mails holding card keys, KMS plaintexts.
WIRE_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "aws_encryption_sdk", "stripe")


def configure(level: str) -> None:
    logging.getLogger("chalicelib").setLevel(level.upper())
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
