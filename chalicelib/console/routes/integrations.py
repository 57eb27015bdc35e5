"""Integrations: API keys (create with scopes, shown once; revoke) and webhook endpoints (add, shown once;
delivery log; test; replay what an endpoint missed; delete), through tenancy's and integrations' services."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.integrations.domain import EVENT_TYPES
from chalicelib.kernel.errors import DomainError, NotFound, PermissionDenied
from chalicelib.tenancy.domain.api_keys import ALL_SCOPES, SCOPE_HELP
from chalicelib.tenancy.domain.roles import Permission

console_integrations = Blueprint(__name__)
FORM = (FORM_TYPE,)
DONE = ("revoked", "deleted", "replayed", "tested")


def _page(call: Call, *, status: int = 200, **context: Any) -> Response:
    if not call.actor.may(Permission.INTEGRATIONS):
        return forbidden_page(call, PermissionDenied("your role may not manage API keys and webhooks",
                                                     code="role_forbidden"))
    keys = call.c.tenancy.api_keys.list(tenant_id=call.tenant_id, limit=100, cursor=None)
    endpoints = call.c.integrations.webhooks.list(tenant_id=call.tenant_id, limit=100, cursor=None)
    return console_page(call, "console/integrations.html", status=status, keys=keys.items,
                        endpoints=endpoints.items, scopes=ALL_SCOPES, scope_help=SCOPE_HELP, events=EVENT_TYPES,
                        **context)


def _act(call: Call, action: Any, done: str) -> Response:
    try:
        action()
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), error=error_text(call, exc))
    return redirect(f"/console/integrations?done={done}")


@endpoint(console_integrations, "GET", "/console/integrations", summary="API keys and webhooks", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("done", string(enum=DONE), "the last change"),))
def integrations(call: Call) -> Response:
    done = call.query.get("done")
    return _page(call, done=done if done in DONE else None)


@endpoint(console_integrations, "POST", "/console/integrations/keys", summary="Create an API key (form)", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def create_key(call: Call) -> Response:
    form = call.form()
    body = {"name": form.get("name", ""), "scopes": [s for s in ALL_SCOPES if form.get(f"scope_{s}") == "on"]}
    try:
        key, secret = call.c.tenancy.api_keys.create(tenant_id=call.tenant_id, caller=None, body=body,
                                                     actor=call.actor)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), error=error_text(call, exc))
    return _page(call, new_secret={"what": key.name, "value": secret})


@endpoint(console_integrations, "POST", "/console/integrations/keys/{api_key_id}/revoke", summary="Revoke a key",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def revoke_key(call: Call, api_key_id: str) -> Response:
    return _act(call, lambda: call.c.tenancy.api_keys.revoke(tenant_id=call.tenant_id, key_id=api_key_id,
                                                             actor=call.actor), "revoked")


@endpoint(console_integrations, "POST", "/console/integrations/webhooks", summary="Add a webhook endpoint (form)",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def create_endpoint(call: Call) -> Response:
    form = call.form()
    chosen = [e for e in EVENT_TYPES if form.get(f"event_{e}") == "on"]
    body = {"url": form.get("url", ""), "events": chosen or ["*"], "description": form.get("description", "")}
    try:
        made, secret = call.c.integrations.webhooks.create(tenant_id=call.tenant_id, body=body, actor=call.actor)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), error=error_text(call, exc))
    return _page(call, new_secret={"what": made.url, "value": secret})


@endpoint(console_integrations, "POST", "/console/integrations/webhooks/{endpoint_id}/{action}",
          summary="Test, replay or delete an endpoint (form)", tag=TAG, auth="console", content_types=FORM,
          produces="text/html", idempotent=False, in_openapi=False)
def endpoint_action(call: Call, endpoint_id: str, action: str) -> Response:
    hooks = call.c.integrations.webhooks
    now = call.c.platform.clock.now()
    actions = {
        "test": (lambda: hooks.send_test(tenant_id=call.tenant_id, endpoint_id=endpoint_id, actor=call.actor),
                 "tested"),
        # what the endpoint missed in the last 3 days (the retry window)
        "replay": (lambda: hooks.replay_endpoint(tenant_id=call.tenant_id, endpoint_id=endpoint_id,
                                                 body={"since": now - 3 * 86400}, actor=call.actor), "replayed"),
        "delete": (lambda: hooks.delete(tenant_id=call.tenant_id, endpoint_id=endpoint_id, actor=call.actor),
                   "deleted"),
    }
    if action not in actions:
        return console_page(call, "console/not_found.html", status=404)
    run, done = actions[action]
    return _act(call, run, done)


@endpoint(console_integrations, "GET", "/console/integrations/webhooks/{endpoint_id}", summary="Delivery log",
          tag=TAG, auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("cursor", string(max_length=500)),))
def deliveries(call: Call, endpoint_id: str) -> Response:
    hooks = call.c.integrations.webhooks
    try:
        call.actor.require(Permission.INTEGRATIONS)
        found = hooks.get(tenant_id=call.tenant_id, endpoint_id=endpoint_id)
        page = hooks.deliveries(tenant_id=call.tenant_id, endpoint_id=endpoint_id, limit=50,
                                cursor=call.query.get("cursor"))
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/deliveries.html", endpoint=found, deliveries=page.items,
                        next_cursor=page.next_cursor)
