"""Logging set-up: JSON lines carrying the request and tenant ids, and SDK wire loggers pinned quiet."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from typing import Any

# At DEBUG these log request and response bodies: SES mails holding card keys, KMS plaintexts.
WIRE_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "aws_encryption_sdk", "stripe")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_tenant_id: contextvars.ContextVar[str] = contextvars.ContextVar("tenant_id", default="-")
_installed = False

# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id",
                                                                            "tenant_id"}


def bind(*, request_id: str | None = None, tenant_id: str | None = None) -> None:
    if request_id is not None:
        _request_id.set(request_id)
    if tenant_id is not None:
        _tenant_id.set(tenant_id)


def clear() -> None:
    _request_id.set("-")
    _tenant_id.set("-")


def current_request_id() -> str:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so CloudWatch Logs Insights can filter by request_id and tenant_id."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"level": record.levelname, "logger": record.name, "message": record.getMessage(),
                                "request_id": getattr(record, "request_id", "-"),
                                "tenant_id": getattr(record, "tenant_id", "-")}
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


# Password hashes travel in the data store's requests, which its client logs at DEBUG: never in a log line.
_PASSWORD_HASH = re.compile(r"\$argon2(?:id|i|d)\$[^'\"\s,}]*")
_DATA_LOGGERS = ("pynamodb", *WIRE_LOGGERS)


def redact(record: logging.LogRecord) -> None:
    """Replaces a password hash in a data-store client's record with a marker (the record keeps its level)."""
    if not record.name.startswith(_DATA_LOGGERS):
        return
    text = record.getMessage()
    if "$argon2" in text:
        record.msg, record.args = _PASSWORD_HASH.sub("$argon2<redacted>", text), None


def _install_record_factory() -> None:
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redact(record)
        record.request_id = _request_id.get()
        record.tenant_id = _tenant_id.get()
        return record

    logging.setLogRecordFactory(factory)


def configure(level: str) -> None:
    global _installed
    logging.getLogger("chalicelib").setLevel(level.upper())
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if _installed:
        return
    _installed = True
    _install_record_factory()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # pytest's capture handlers keep their own format
        handler.setFormatter(JsonFormatter())
