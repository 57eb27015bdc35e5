"""Per-request context: the request id every response and log line carries."""

from __future__ import annotations

import re

from chalice.app import Request

from chalicelib.kernel import logs
from chalicelib.kernel.ids import new_id

_SAFE_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")


def begin_request(request: Request) -> str:
    """API Gateway's request id when there is one (it is in AWS's own logs too), else a new one."""
    ctx = request.context or {}
    candidate = str(ctx.get("requestId") or "")
    request_id = candidate if _SAFE_ID.fullmatch(candidate) else new_id("request")
    logs.bind(request_id=request_id, tenant_id="-")
    return request_id


def bind(*, tenant_id: str) -> None:
    logs.bind(tenant_id=tenant_id)


def end_request() -> None:
    logs.clear()
