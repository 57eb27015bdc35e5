"""Merchant API (/v1): sign-up, the tenant, and its API keys. Tenant from the API key only."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http import serialize
from chalicelib.http.routes import LIST_QUERY, Call, endpoint
from chalicelib.http.schema import array, boolean, id_of, integer, obj, page_of, string, timestamp
from chalicelib.kernel.i18n import LOCALES
from chalicelib.tenancy.domain.api_keys import ALL_SCOPES, SCOPE_HELP
from chalicelib.tenancy.domain.models import ApiKey
from chalicelib.tenancy.domain.shop import PAYMENT_METHODS
from chalicelib.tenancy.shapes import tenant_json

merchant = Blueprint(__name__)

TENANT = obj({"id": id_of("ten"), "object": string(enum=("tenant",)), "slug": string(), "name": string(),
              "email": string(), "plan": string(), "created_at": timestamp(),
              "logo_url": string("shown in the storefront's header", nullable=True),
              "announcement": string("a notice at the top of every storefront page (plain text)"),
              "support_contact": string("an e-mail address or https URL shown to buyers", nullable=True),
              "show_stock_counts": boolean("exact counts on the storefront; otherwise in stock / low / sold out"),
              "payment_methods": array(string(enum=PAYMENT_METHODS)), "locale": string(enum=LOCALES),
              "timezone": string("the IANA zone the shop's days and hours are counted in (reports, dashboard)")},
             title="Tenant")
SHOP_UPDATE = obj({"name": string(max_length=100), "logo_url": string(max_length=2048, nullable=True),
                   "announcement": string(max_length=500, nullable=True),
                   "support_contact": string(max_length=2048, nullable=True), "show_stock_counts": boolean(),
                   "payment_methods": array(string(enum=PAYMENT_METHODS), min_items=1),
                   "locale": string(enum=LOCALES),
                   "timezone": string("an IANA zone name; empty: Asia/Shanghai for zh-CN shops, else UTC",
                                      max_length=64, nullable=True)}, closed=True, required=())
SIGN_UP = obj({"name": string(max_length=100), "slug": string(pattern="^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$"),
               "email": string(max_length=254, fmt="email"), "password": string(min_length=10, max_length=256)},
              closed=True)


@endpoint(merchant, "POST", "/v1/tenants", summary="Sign up a shop", tag="Tenant", auth="none", rate="signup",
          status=201, secret_answer=True,
          body=SIGN_UP, response=obj({"tenant": TENANT, "api_key": string("shown only now")}),
          description="Creates the shop, its owner and a first API key with every scope.")
def sign_up(call: Call) -> Any:
    tenant, api_key = call.c.tenancy.tenants.sign_up(call.json())
    return {"tenant": tenant_json(tenant), "api_key": api_key}


@endpoint(merchant, "GET", "/v1/tenant", summary="The caller's tenant", tag="Tenant", scope="read",
          response=TENANT)
def get_tenant(call: Call) -> Any:
    return tenant_json(call.c.tenancy.tenants.get(tenant_id=call.tenant_id))


@endpoint(merchant, "PATCH", "/v1/tenant", summary="Update the storefront settings", tag="Tenant",
          scope="catalog_write", body=SHOP_UPDATE, response=TENANT,
          description="Name, logo, announcement, support contact, stock display, payment methods (card always; "
                      "`alipay` and `wechat_pay` when your Stripe account has them) and the shop's default "
                      "language, and the time zone the dashboard and reports count days in. Buyers see the "
                      "change within seconds.")
def update_tenant(call: Call) -> Any:
    return tenant_json(call.c.tenancy.shop_settings.update(actor=call.actor, tenant_id=call.tenant_id,
                                                           body=call.json()))


API_KEY = obj({
    "id": id_of("key"), "object": string(enum=("api_key",)), "name": string(), "scopes": array(string(enum=ALL_SCOPES)),
    "hint": string("the secret's last 4 characters"), "revoked": boolean(), "created_at": timestamp(),
    "last_used_at": timestamp("to the minute", nullable=True),
}, title="ApiKey")
API_KEY_WITH_SECRET = obj({**API_KEY["properties"], "secret": string("the key itself, shown only now")},
                          title="ApiKeyWithSecret")
ROTATED = obj({**API_KEY_WITH_SECRET["properties"],
               "previous_secret_expires_at": timestamp("the old secret works until then")}, title="RotatedApiKey")
KEY_CREATE = obj({"name": string(max_length=100), "scopes": array(string(enum=ALL_SCOPES), min_items=1)},
                 closed=True)
SCOPES_DOC = "Scopes: " + "; ".join(f"`{name}`: {text}" for name, text in SCOPE_HELP.items()) + "."


def api_key(k: ApiKey) -> dict[str, Any]:
    return {"id": k.id, "object": "api_key", "name": k.name, "scopes": list(k.scopes), "hint": k.hint,
            "revoked": k.revoked, "created_at": k.created_at, "last_used_at": k.last_used_at}


@endpoint(merchant, "POST", "/v1/api_keys", summary="Create an API key", tag="API keys", scope="api_keys",
          secret_answer=True,
          status=201, body=KEY_CREATE, response=API_KEY_WITH_SECRET,
          description="The secret is in this answer only; we keep its hash. A key can grant only scopes it holds. "
                      + SCOPES_DOC)
def create_api_key(call: Call) -> Any:
    assert call.api_key is not None
    key, secret = call.c.tenancy.api_keys.create(tenant_id=call.tenant_id, caller=call.api_key, body=call.json(),
                                                 actor=call.actor)
    return {**api_key(key), "secret": secret}


@endpoint(merchant, "GET", "/v1/api_keys", summary="List API keys", tag="API keys", scope="api_keys",
          response=page_of(API_KEY), query=LIST_QUERY)
def list_api_keys(call: Call) -> Any:
    limit, cursor = call.list_params()
    result = call.c.tenancy.api_keys.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([api_key(k) for k in result.items], result.next_cursor)


@endpoint(merchant, "GET", "/v1/api_keys/{api_key_id}", summary="Get an API key", tag="API keys", scope="api_keys",
          response=API_KEY)
def get_api_key(call: Call, api_key_id: str) -> Any:
    return api_key(call.c.tenancy.api_keys.get(tenant_id=call.tenant_id, key_id=api_key_id))


@endpoint(merchant, "PATCH", "/v1/api_keys/{api_key_id}", summary="Rename an API key", tag="API keys",
          scope="api_keys", body=obj({"name": string(max_length=100)}, closed=True), response=API_KEY)
def update_api_key(call: Call, api_key_id: str) -> Any:
    return api_key(call.c.tenancy.api_keys.update(tenant_id=call.tenant_id, key_id=api_key_id, body=call.json()))


@endpoint(merchant, "POST", "/v1/api_keys/{api_key_id}/rotate", summary="Rotate an API key's secret",
          secret_answer=True,
          tag="API keys", scope="api_keys", body=obj({"grace_seconds": integer(minimum=0, maximum=604800)},
                                                     required=(), closed=True),
          response=ROTATED,
          description="Issues a new secret; the old one keeps working for `grace_seconds` (default 0, at most "
                      "7 days), so deployments can switch without downtime.")
def rotate_api_key(call: Call, api_key_id: str) -> Any:
    body = call.json() if call.raw() else {}
    key, secret, old_expires_at = call.c.tenancy.api_keys.rotate(tenant_id=call.tenant_id, key_id=api_key_id, body=body)
    return {**api_key(key), "secret": secret, "previous_secret_expires_at": old_expires_at}


@endpoint(merchant, "POST", "/v1/api_keys/{api_key_id}/revoke", summary="Revoke an API key", tag="API keys",
          scope="api_keys", response=API_KEY, description="At once, for its current and any previous secret.")
def revoke_api_key(call: Call, api_key_id: str) -> Any:
    return api_key(call.c.tenancy.api_keys.revoke(tenant_id=call.tenant_id, key_id=api_key_id, actor=call.actor))
