"""The one place that maps domain errors to HTTP statuses and the contract's error object."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.kernel.errors import (
    AuthenticationFailed,
    Conflict,
    DependencyUnavailable,
    DomainError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PaymentFailed,
    PermissionDenied,
    RateLimited,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

STATUS: list[tuple[type[DomainError], int]] = [
    (PayloadTooLarge, 413),
    (MethodNotAllowed, 405),
    (UnsupportedMediaType, 415),
    (InvalidRequest, 400),
    (AuthenticationFailed, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (PaymentFailed, 402),
    (DependencyUnavailable, 503),
]


def status_for(exc: DomainError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def error_for_status(status: int, message: str) -> DomainError:
    """The domain error an HTTP status stands for (the same table read backwards), for answers the framework or
    the gateway made itself; a status of no kind is invalid_request below 500 and an api_error from 500."""
    if status == 429:
        return RateLimited(message, retry_after=1)
    for kind, known in STATUS:
        if known == status:
            return kind(message)
    return InvalidRequest(message) if status < 500 else DomainError(message)


def error_response(exc: DomainError) -> Response:
    error: dict[str, Any] = {"type": exc.type, "code": exc.code, "message": exc.message}
    if exc.param:
        error["param"] = exc.param
    error.update(exc.extra)
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if isinstance(exc, RateLimited):
        headers.update(exc.headers)
        headers["Retry-After"] = str(exc.retry_after)
    return Response(body=json.dumps({"error": error}), status_code=status_for(exc), headers=headers)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers={"Content-Type": "application/json"})


def handles_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every view answers domain errors with the contract's error object, and hides the rest."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            if status_for(exc) >= 500:
                log.warning("dependency failure", extra={"code": exc.code, "error_type": type(exc).__name__})
            return error_response(exc)
        except Exception:
            log.exception("unhandled error")
            return error_response(DomainError("something went wrong on our side; retry, and contact support "
                                              "if it persists"))

    return wrapper


def withheld_answer(body_text: str) -> str:
    """What a replay gets instead of an answer holding a secret (an API key, a signing secret, a card key):
    secrets are shown once and never stored in plaintext, not even for 24 h of replays."""
    try:
        made = json.loads(body_text)
    except ValueError:
        made = {}
    ident = made.get("id") or (made.get("key") or {}).get("id") if isinstance(made, dict) else None
    return json.dumps({"error": {
        "type": "conflict", "code": "idempotent_secret_withheld",
        "message": "a request with this Idempotency-Key already succeeded; its answer held a secret that is "
                   "shown only once, so it is not replayed (rotate the secret if it was lost)",
        **({"id": ident} if isinstance(ident, str) else {})}})
