"""404 for unknown routes and 405 for known paths with another method, in the contract's error shape."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Response

from chalicelib.http import context
from chalicelib.http.errors import error_response
from chalicelib.kernel.errors import DomainError, MethodNotAllowed, NotFound

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Catch-alls by depth: chalice matches concrete routes first, so these only take what nothing else does.
# On AWS, API Gateway's MISSING_AUTHENTICATION_TOKEN gateway response (infra/) answers the same body.
MAX_DEPTH = 7


def _answer(exc: DomainError, request: Any, headers: dict[str, str] | None = None) -> Response:
    request_id = context.begin_request(request)
    response = error_response(exc)
    response.headers.update(headers or {})
    response.headers["X-Request-Id"] = request_id
    context.end_request()
    return response


def register_fallbacks(app: Chalice) -> None:
    for path, methods in list(app.routes.items()):
        missing = [m for m in METHODS if m not in methods]
        if missing:
            _method_not_allowed(app, path, missing, sorted(methods))
    for depth in range(1, MAX_DEPTH + 1):
        path = "/" + "/".join(f"{{p{i}}}" for i in range(depth))
        if path not in app.routes:
            _not_found(app, path)
    if "/" not in app.routes:
        _not_found(app, "/")


def _method_not_allowed(app: Chalice, path: str, missing: list[str], allowed: list[str]) -> None:
    def method_not_allowed(**_: Any) -> Response:
        request = app.current_request
        assert request is not None
        exc = MethodNotAllowed(f"{request.method} is not allowed on {path}; use {', '.join(allowed)}")
        return _answer(exc, request, {"Allow": ", ".join(allowed)})

    method_not_allowed.__name__ = f"method_not_allowed_{abs(hash(path))}"
    app.route(path, methods=missing, content_types=["application/json", "text/plain",
                                                     "application/x-www-form-urlencoded"])(method_not_allowed)


def _not_found(app: Chalice, path: str) -> None:
    def route_not_found(**_: Any) -> Response:
        request = app.current_request
        assert request is not None
        actual = (request.context or {}).get("path") or request.path
        return _answer(NotFound(f"no route {request.method} {actual}; see /docs for the API",
                                code="route_not_found"), request)

    route_not_found.__name__ = f"route_not_found_{abs(hash(path))}"
    app.route(path, methods=list(METHODS), content_types=["application/json", "text/plain",
                                                           "application/x-www-form-urlencoded"])(route_not_found)
