"""Merchant API (/v1): sign-up, the tenant, and its API keys. Tenant from the API key only."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from . import serialize
from .routes import Call, endpoint
from .schema import id_of, obj, string, timestamp

merchant = Blueprint(__name__)

TENANT = obj({"id": id_of("ten"), "object": string(enum=("tenant",)), "slug": string(), "name": string(),
              "email": string(), "plan": string(), "created_at": timestamp()}, title="Tenant")
SIGN_UP = obj({"name": string(max_length=100), "slug": string(pattern="^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$"),
               "email": string(max_length=254, fmt="email"), "password": string(min_length=10, max_length=256)},
              closed=True)


@endpoint(merchant, "POST", "/v1/tenants", summary="Sign up a shop", tag="Tenant", auth="none", rate="signup", status=201,
          body=SIGN_UP, response=obj({"tenant": TENANT, "api_key": string("shown only now")}),
          description="Creates the shop, its owner and a first API key with every scope.")
def sign_up(call: Call) -> Any:
    tenant, api_key = call.c.tenants.sign_up(call.json())
    return {"tenant": serialize.tenant(tenant), "api_key": api_key}


@endpoint(merchant, "GET", "/v1/tenant", summary="The caller's tenant", tag="Tenant", scope="read",
          response=TENANT)
def get_tenant(call: Call) -> Any:
    return serialize.tenant(call.c.tenants.get(tenant_id=call.tenant_id))
