"""The route table: every endpoint declared once with its auth, scope, limits and schemas; OpenAPI reads it."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.http import context
from chalicelib.http.errors import error_response, json_response, status_for, withheld_answer
from chalicelib.http.parsing import FORM_TYPE, MAX_JSON_BYTES, form_body, header, json_body, list_params, raw_body
from chalicelib.kernel.errors import AuthenticationFailed, DomainError, InvalidRequest, PermissionDenied
from chalicelib.tenancy.domain.accounts import Account, ConsoleSession
from chalicelib.tenancy.domain.models import ApiKey, Tenant
from chalicelib.tenancy.domain.roles import Actor

log = logging.getLogger(__name__)

# auth modes: "api_key" (merchant API), "shop" (public route under /s/{slug}), "none" (public, no tenant),
# "stripe" (signature-checked by the service itself), "console" (a console session cookie; state-changing
# requests must carry the session's CSRF token).
# rate: "api_key" (per API key, limit by the tenant's plan), a per-IP policy name from services/rate_limits.py
# ("public", "checkout", "order_lookup", "signup", "licence"), or None.
AUTH_MODES = ("api_key", "shop", "none", "stripe", "console")
CONSOLE_COOKIE = "kd_console"
CSRF_FIELD, CSRF_HEADER = "csrf", "x-csrf-token"


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


# A list route's paging parameters, as every list route takes them (see parsing.list_params).
LIST_QUERY = (QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
              QueryParam("cursor", {"type": "string", "maxLength": 500}))


@dataclass(frozen=True)
class RouteSpec:
    """One endpoint as integrators see it; the single source for dispatch, docs and test matrices."""

    method: str
    path: str
    name: str
    summary: str
    tag: str
    auth: str
    scope: str | None
    status: int
    body: dict[str, Any] | None
    response: dict[str, Any] | None
    query: tuple[QueryParam, ...]
    content_types: tuple[str, ...]
    produces: str
    rate: str | None
    idempotent: bool
    in_openapi: bool
    description: str = ""
    extra_statuses: tuple[int, ...] = ()
    secret_answer: bool = False  # the answer holds a secret shown once: never stored for idempotent replay

    @property
    def path_params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]


ROUTES: list[RouteSpec] = []


def _no_container() -> Any:
    raise RuntimeError("no container: app.py calls http.routes.serve_with(wiring.container) at import")


_containers: Callable[[], Any] = _no_container


def serve_with(containers: Callable[[], Any]) -> None:
    """Where views find the container (the composition root hands it over; the HTTP layer imports no capability)."""
    global _containers
    _containers = containers


@dataclass
class Call:
    """What a view gets: the parsed request, who is calling, and the container."""

    request: Request
    request_id: str
    spec: RouteSpec
    api_key: ApiKey | None = None
    tenant: Tenant | None = None
    account: Account | None = None  # the signed-in person on console routes
    session: ConsoleSession | None = None
    _tenant_id: str = ""
    _form: dict[str, str] | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str:
        if not self._tenant_id:
            raise RuntimeError(f"route {self.spec.name} has no tenant")  # a wiring bug, never the caller's
        return self._tenant_id

    @property
    def c(self) -> Any:
        return _containers()

    @property
    def actor(self) -> Actor:
        """Who acts: the signed-in staff member (with their role) or the API key (within its scopes)."""
        if self.account is not None:
            return Actor.staff(self.account.user_id, self.account.email, self.account.role, self.request_id)
        if self.api_key is not None:
            return Actor.api_key(self.api_key.id, self.api_key.name, self.request_id)
        raise RuntimeError(f"route {self.spec.name} has no caller to act as")  # a wiring bug

    def json(self, *, limit: int = MAX_JSON_BYTES) -> Any:
        return json_body(self.request, limit=limit)

    def raw(self, *, limit: int = MAX_JSON_BYTES) -> bytes:
        return raw_body(self.request, limit=limit)

    def header(self, name: str) -> str | None:
        return header(self.request, name)

    def form(self) -> dict[str, str]:
        """The HTML form's fields (parsed once)."""
        if self._form is None:
            self._form = form_body(self.request)
        return self._form

    def cookie(self, name: str) -> str | None:
        from http.cookies import CookieError, SimpleCookie

        raw = self.header("cookie")
        if not raw:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except CookieError:
            return None  # a malformed Cookie header is no cookie, never an error
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params or {})

    def list_params(self) -> tuple[int, str | None]:
        return list_params(self.request)

    @property
    def source_ip(self) -> str:
        identity = (self.request.context or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "0.0.0.0")


def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    auth: str = "api_key",
    scope: str | None = None,
    status: int = 200,
    body: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    query: tuple[QueryParam, ...] = (),
    content_types: tuple[str, ...] = ("application/json",),
    produces: str = "application/json",
    rate: str | None = "default",
    idempotent: bool | None = None,
    in_openapi: bool = True,
    description: str = "",
    extra_statuses: tuple[int, ...] = (),
    secret_answer: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares a route: registers it with Chalice and in ROUTES, and wraps the view with the conventions.

    The view is called as view(call, **path_params) and returns a JSON-able body (sent with `status`)
    or a chalice Response.
    """
    if auth not in AUTH_MODES:
        raise ValueError(f"unknown auth mode {auth}")
    if auth == "api_key" and scope is None:
        raise ValueError(f"{method} {path}: an API-key route must name its scope")
    if rate == "default":
        rate = {"api_key": "api_key", "shop": "public", "none": "public", "stripe": None, "console": "console"}[auth]

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        spec = RouteSpec(method=method, path=path, name=view.__name__, summary=summary, tag=tag, auth=auth,
                         scope=scope, status=status, body=body, response=response, query=query,
                         content_types=content_types, produces=produces, rate=rate,
                         idempotent=(method == "POST") if idempotent is None else idempotent,
                         in_openapi=in_openapi, description=description, extra_statuses=extra_statuses,
                         secret_answer=secret_answer)
        ROUTES.append(spec)

        @functools.wraps(view)
        def wrapper(**params: Any) -> Response:
            return dispatch(spec, bp.current_request, view, params)

        bp.route(path, methods=[method], content_types=list(content_types))(wrapper)
        return wrapper

    return decorate


def dispatch(spec: RouteSpec, request: Request, view: Callable[..., Any], params: dict[str, Any]) -> Response:
    """Request id, authentication, scope, rate limit, idempotency, then the view; errors as the contract says."""
    started = time.perf_counter()
    request_id = context.begin_request(request)
    call = Call(request=request, request_id=request_id, spec=spec)
    try:
        response = _run(spec, call, view, params)
    except DomainError as exc:
        if status_for(exc) >= 500:
            log.warning("dependency failure", extra={"code": exc.code, "error_type": type(exc).__name__})
        response = error_response(exc)
    except Exception:
        log.exception("unhandled error")
        response = error_response(DomainError("something went wrong on our side; retry, and contact support "
                                              "if it persists"))
    response.headers.update(call.extra_headers)
    response.headers["X-Request-Id"] = request_id
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    # The time spent in the function (no network, no API Gateway), for browsers' devtools and the benchmarks.
    response.headers["Server-Timing"] = f"app;dur={elapsed_ms}"
    # One structured access line per request: route, status, time; the ids come from the log context.
    log.info("request", extra={"route": f"{spec.method} {spec.path}", "status": response.status_code,
                               "duration_ms": elapsed_ms})
    context.end_request()
    return response


def _run(spec: RouteSpec, call: Call, view: Callable[..., Any], params: dict[str, Any]) -> Response:
    c = call.c
    if spec.auth == "api_key":
        call.api_key = c.tenancy.tenants.authenticate(call.header("authorization"))
        call._tenant_id = call.api_key.tenant_id
        context.bind(tenant_id=call._tenant_id)
        if spec.scope not in call.api_key.scopes:
            raise PermissionDenied(f"this API key lacks the '{spec.scope}' scope this route needs; use a key "
                                   f"with it or add it to this key", code="missing_scope", param="scope",
                                   extra={"required_scope": spec.scope})
    elif spec.auth == "shop":
        call.tenant = c.tenancy.tenants.shop(params["slug"])
        call._tenant_id = call.tenant.id
        context.bind(tenant_id=call._tenant_id)
    elif spec.auth == "console":
        signed_in = _console_session(spec, call)
        if signed_in is None:
            return _to_sign_in(spec, call)
        call.session, call.account = signed_in
        call._tenant_id = call.account.tenant_id
        call.tenant = c.tenancy.tenants.get(tenant_id=call._tenant_id)
        context.bind(tenant_id=call._tenant_id)
        if spec.method not in ("GET", "HEAD"):
            check_csrf(call, call.session.csrf)
    if spec.rate is not None:
        state = c.api.rate_limits.hit(policy=_rate_policy(spec, call), subject=_rate_subject(spec, call),
                                  tenant_id=call._tenant_id or None)
        call.extra_headers.update(state.headers())
    idem_key = call.header("idempotency-key") if spec.method == "POST" else None
    if idem_key is not None and spec.idempotent:
        return _idempotent(spec, call, view, params, idem_key)
    return _respond(spec, view(call, **params))


def _console_session(spec: RouteSpec, call: Call) -> tuple[ConsoleSession, Account] | None:
    return call.c.tenancy.accounts.session(call.cookie(CONSOLE_COOKIE))  # type: ignore[no-any-return]


def _to_sign_in(spec: RouteSpec, call: Call) -> Response:
    """No live session: a page visit goes to the sign-in page (and comes back after it), anything else is 401."""
    if spec.method == "GET" and "application/json" not in (call.header("accept") or ""):
        from urllib.parse import urlencode

        target = spec.path.format(**(call.request.uri_params or {}))
        return Response(body="", status_code=303, headers={
            "Location": "/console/login?" + urlencode({"next": target}), "Cache-Control": "no-store"})
    raise AuthenticationFailed("sign in to the console first", code="console_sign_in_required")


def check_csrf(call: Call, expected: str) -> None:
    """The token from the page (a form field, or a header for scripts) must match: a cross-site form cannot
    read it, so it cannot send it."""
    import hmac

    sent = call.header(CSRF_HEADER)
    if sent is None and (call.header("content-type") or "").startswith(FORM_TYPE):
        sent = call.form().get(CSRF_FIELD)
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise PermissionDenied("this form has expired or did not come from the console; reload the page and try "
                               "again", code="csrf_failed")


def _respond(spec: RouteSpec, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    return json_response(result, spec.status)


def _rate_policy(spec: RouteSpec, call: Call) -> str:
    if spec.rate == "api_key":
        return f"plan:{call.c.tenancy.tenants.get(tenant_id=call.tenant_id).plan}"
    return f"ip:{spec.rate}"


def _rate_subject(spec: RouteSpec, call: Call) -> str:
    if spec.rate == "api_key" and call.api_key is not None:
        return f"key:{call.api_key.id}"
    return f"ip:{call.source_ip}"


def _idempotent(spec: RouteSpec, call: Call, view: Callable[..., Any], params: dict[str, Any],
                key: str) -> Response:
    if not 1 <= len(key) <= 255:
        raise InvalidRequest("Idempotency-Key must be 1 to 255 characters", param="Idempotency-Key")
    body = raw_body(call.request, limit=64_000_000)
    digest = hashlib.sha256(b"\n".join([spec.method.encode(), spec.path.encode(),
                                        json.dumps(params, sort_keys=True).encode(), body])).hexdigest()
    owner = f"key:{call.api_key.id}" if call.api_key is not None else f"ip:{call.source_ip}"
    c = call.c
    claim = c.api.idempotency.begin(tenant_id=call._tenant_id or None, owner=owner, key=key, fingerprint=digest)
    if claim.replay is not None:
        replayed = Response(body=claim.replay.body, status_code=claim.replay.status,
                            headers={"Content-Type": "application/json", "Idempotent-Replayed": "true"})
        return replayed
    try:
        response = _respond(spec, view(call, **params))
    except DomainError as exc:
        response = error_response(exc)
    except Exception:
        c.api.idempotency.abandon(claim)
        raise
    if response.status_code >= 500:
        # A failure on our side is not an answer: release the key so the same request can be retried.
        c.api.idempotency.abandon(claim)
    else:
        body_text = response.body if isinstance(response.body, str) else json.dumps(response.body)
        if spec.secret_answer and response.status_code < 300:
            body_text = withheld_answer(body_text)
            c.api.idempotency.finish(claim, status=409, body=body_text)
        else:
            c.api.idempotency.finish(claim, status=response.status_code, body=body_text)
    return response


def route_table() -> list[RouteSpec]:
    """All declared routes, after the blueprints are imported (app.py imports them)."""
    return list(ROUTES)
