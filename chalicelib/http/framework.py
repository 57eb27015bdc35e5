"""Answers Chalice makes itself (415, a body it could not parse, an uncaught 500) in the contract's error shape."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib.http import context
from chalicelib.http.errors import error_for_status, error_response

log = logging.getLogger(__name__)

INTERNAL = "something went wrong on our side; retry, and contact support if it persists"


def contract_answer(response: Response, *, accepted: tuple[str, ...], content_type: str) -> Response:
    """The framework's `{"Code", "Message"}` answer rewritten with the same status into `{"error": {...}}`;
    any other answer is returned as it is."""
    body = response.body
    if not (isinstance(body, dict) and set(body) == {"Code", "Message"}):
        return response
    status = response.status_code
    if status == 415:
        message = f"Content-Type {content_type[:100]} is not accepted here; send {' or '.join(accepted)}"
    elif status >= 500:
        message = INTERNAL  # the framework's words say nothing useful, and may say too much
    else:
        message = str(body["Message"])
    answer = error_response(error_for_status(status, message))
    answer.status_code = status
    answer.headers = {**response.headers, **answer.headers}  # keep Allow and CORS headers, send JSON
    return answer


def framework_answers(app: Chalice) -> Callable[[Request, Callable[[Request], Response]], Response]:
    """An HTTP middleware for `app`: rewrites what Chalice answered itself, and turns anything that escaped the
    views into the contract's 500 (the views answer their own errors already)."""

    def middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
        try:
            response = get_response(request)
        except Exception:
            log.exception("unhandled error")
            response = Response(body={"Code": "InternalServerError", "Message": ""}, status_code=500)
        if not isinstance(response.body, dict):
            return response
        accepted = _accepted(app, request)
        answer = contract_answer(response, accepted=accepted,
                                 content_type=str(request.headers.get("content-type") or "application/json"))
        if answer is not response:
            answer.headers["X-Request-Id"] = context.begin_request(request)
            log.info("request", extra={"route": f"{request.method} {request.path}", "status": answer.status_code})
            context.end_request()
        return answer

    return middleware


def _accepted(app: Chalice, request: Request) -> tuple[str, ...]:
    resource = (request.context or {}).get("resourcePath") or ""
    entry: Any = app.routes.get(resource, {}).get(request.method)
    return tuple(entry.content_types) if entry is not None else ("application/json",)
