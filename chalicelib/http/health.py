"""GET /health: the app answers and can reach its stores (load balancers and the dev stack poll it)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, endpoint
from chalicelib.http.schema import boolean, obj

health_routes = Blueprint(__name__)


@endpoint(health_routes, "GET", "/health", summary="Health check", tag="Platform", auth="none", rate=None,
          response=obj({"ok": boolean()}))
def health(call: Call) -> Any:
    call.c.tenancy.tenants.reachable()  # one read proves the store answers
    return {"ok": True}
