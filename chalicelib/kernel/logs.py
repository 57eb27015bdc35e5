"""Logging set-up: JSON lines carrying the request and tenant ids, and SDK wire loggers pinned quiet."""

from __future__ import annotations

import contextvars
import json
import logging
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


def _install_record_factory() -> None:
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
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
