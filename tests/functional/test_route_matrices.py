"""Matrices generated from the route table: every tenant-scoped route, cross-tenant (404, nothing changed) and
without its scope (403, nothing changed). A new route joins both matrices by being declared."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

import app as _app  # noqa: F401  (declares every route)
from chalicelib import wiring
from chalicelib.http.routes import RouteSpec, route_table
from chalicelib.tenancy.domain.api_keys import ALL_SCOPES
from tests.support import shop

TENANT_ROUTES = [r for r in route_table() if r.auth == "api_key"]
SHOP_ROUTES = [r for r in route_table() if r.auth == "shop" and len(r.path_params) > 1 and r.in_openapi]
# Items that change on every request by design and say nothing about the tenant's data.
VOLATILE_PARTS = ("#RL#", "#IDEM#")
VOLATILE_ATTRS = ("last_used_at", "ttl")


def _json(r: Any) -> Any:
    return json.loads(r.body)


class World:
    """Tenant A owns one of everything; tenant B is the intruder. Objects are made on first need."""

    def __init__(self, client: Any, settings: Any, container: wiring.Container) -> None:
        self.client, self.settings, self.container = client, settings, container
        self.a, self.b = shop.sign_up(client), shop.sign_up(client)
        self.product = shop.product(client, self.a["key"], price=700)
        self.batch = shop.import_keys(client, self.a["key"], self.product["id"], shop.new_keys(6, prefix="AAA"))
        self.order = shop.delivered_order(client, settings, self.a["slug"], self.product["id"])
        self._made: dict[str, str] = {}
        self._keys_without: dict[str, str] = {}

    def param(self, name: str) -> str:
        if name not in self._made:
            factory = FACTORIES.get(name)
            assert factory is not None, f"no factory for path parameter {{{name}}}: add one to FACTORIES"
            self._made[name] = factory(self)
        return self._made[name]

    def path(self, spec: RouteSpec) -> str:
        path = spec.path.replace("{slug}", self.a["slug"])
        for name in spec.path_params:
            if name != "slug":
                path = path.replace("{" + name + "}", self.param(name))
        return path

    def snapshot(self) -> list[dict[str, Any]]:
        """Tenant A's items, minus counters and timestamps that move on every request."""
        ddb = boto3.client("dynamodb", endpoint_url=self.settings.aws_endpoint_url, region_name="us-east-1")
        prefix = f"T#{self.a['tenant']['id']}#"
        items = []
        for page in ddb.get_paginator("scan").paginate(TableName=self.settings.table_name):
            for item in page["Items"]:
                pk = item["pk"]["S"]
                if pk.startswith(prefix) and not any(p in pk for p in VOLATILE_PARTS):
                    items.append({k: v for k, v in item.items() if k not in VOLATILE_ATTRS})
        return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))

    def key_without(self, scope: str) -> str:
        if scope in self._keys_without:
            return self._keys_without[scope]
        scopes = [s for s in ALL_SCOPES if s != scope]
        r = shop.call(self.client, "POST", "/v1/api_keys", {"name": f"no {scope}", "scopes": scopes},
                      key=self.a["key"])
        assert r.status_code == 201, r.body
        self._keys_without[scope] = str(_json(r)["secret"])
        return self._keys_without[scope]

    def get(self, path: str) -> Any:
        r = shop.call(self.client, "GET", path, key=self.a["key"])
        assert r.status_code == 200, r.body
        return _json(r)

    def post(self, path: str, body: Any) -> Any:
        r = shop.call(self.client, "POST", path, body, key=self.a["key"])
        assert r.status_code in (200, 201, 202), r.body
        return _json(r)

    def sold_key(self) -> str:
        r = shop.call(self.client, "GET", f"/s/{self.a['slug']}/orders/{self.order['order_id']}"
                                          f"?token={self.order['order_token']}", headers={"Accept": "application/json"})
        # a key still good: the report factory may have reported (and replaced) the first one
        return str(next(line["key"] for line in _json(r)["lines"] if line["status"] != "reported"))


def _api_key(world: World) -> str:
    r = shop.call(world.client, "POST", "/v1/api_keys", {"name": "spare", "scopes": ["read"]}, key=world.a["key"])
    return str(_json(r)["id"])


def _customer(world: World) -> str:
    from chalicelib.sales.domain.orders import customer_id

    tenant_id = world.a["tenant"]["id"]
    world.container.sales.customers.count_delivery(tenant_id=tenant_id, order_id=world.order["order_id"])
    return customer_id(tenant_id, "buyer@example.com")


def _event(world: World) -> str:
    return str(world.container.integrations.events.publish(tenant_id=world.a["tenant"]["id"], type="order.paid",
                                              data={"object": "order", "id": world.order["order_id"]},
                                              dedupe_key="matrix:order.paid"))


FACTORIES: dict[str, Callable[[World], str]] = {
    "product_id": lambda w: str(w.product["id"]),
    "order_id": lambda w: str(w.order["order_id"]),
    "api_key_id": _api_key,
    "batch_id": lambda w: str(w.batch["batch_id"]),
    "key_id": lambda w: str(w.get(f"/v1/products/{w.product['id']}/keys?status=available")["data"][0]["id"]),
    "customer_id": _customer,
    "import_id": lambda w: str(w.post("/v1/insights/history", {
        "csv": f"order_id,created_at,product,amount,currency,status\nM1,2026-01-05 10:00:00,{w.product['id']},7.00,usd,"
               "paid\n"})["id"]),
    # a segment name is no tenant's id: A's nightly run is made, so B (no run of its own) meets A's segment as absent
    "segment": lambda w: (w.container.insights.nightly.run(w.a["tenant"]["id"]), "regular")[1],
    "endpoint_id": lambda w: str(w.post("/v1/webhook_endpoints", {"url": "https://hooks.example.com/kamidrop",
                                                                  "events": ["order.paid"]})["id"]),
    "event_id": _event,
    "redemption_id": lambda w: str(w.post("/v1/redemptions", {"key": w.sold_key(),
                                                              "redeemer": "partner-1"})["redemption"]["id"]),
    "code": lambda w: str(w.post("/v1/coupons", {"code": "MATRIX", "kind": "percent", "value": 1000})["code"]),
    "currency": lambda w: "usd",
    "report_id": lambda w: str(w.post(f"/s/{w.a['slug']}/orders/{w.order['order_id']}/reports",
                                      {"token": w.order["order_token"], "key_index": 0, "reason": "invalid"})["id"]),
}

# Valid bodies, so a refusal can only come from tenancy or scope, never from validation.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/v1/products/{product_id}"): {"name": "renamed"},
    ("POST", "/v1/products/{product_id}/keys"): {"keys": ["MATRIX-KEY-1"]},
    ("PATCH", "/v1/api_keys/{api_key_id}"): {"name": "renamed"},
    ("POST", "/v1/api_keys/{api_key_id}/rotate"): {"grace_seconds": 0},
    ("POST", "/v1/products"): {"name": "x", "price": 100, "currency": "usd"},
    ("POST", "/v1/api_keys"): {"name": "x", "scopes": ["read"]},
    ("PATCH", "/v1/webhook_endpoints/{endpoint_id}"): {"description": "renamed"},
    ("POST", "/v1/webhook_endpoints/{endpoint_id}/replay"): {"since": 0},
    ("POST", "/v1/webhook_endpoints/{endpoint_id}/rotate_secret"): {"overlap_seconds": 0},
    ("POST", "/v1/webhook_endpoints"): {"url": "https://hooks.example.com/x", "events": ["order.paid"]},
    ("POST", "/v1/reports/{report_id}/resolve"): {"action": "reject"},
    ("PATCH", "/v1/tenant"): {"announcement": "matrix"},
    ("POST", "/v1/coupons"): {"code": "MATRIX2", "kind": "percent", "value": 1000},
    ("PATCH", "/v1/coupons/{code}"): {"min_amount": 100},
    ("PATCH", "/v1/risk/rules"): {"window_minutes": 30},
    ("PUT", "/v1/promotions/thresholds/{currency}"): {"steps": [{"spend": 1000, "save": 100}]},
    ("POST", "/v1/risk/blocks"): {"email": "matrix@example.com"},
    ("PATCH", "/v1/insights/settings"): {"cover_days": 8},
    ("POST", "/v1/insights/history"): {"csv": "order_id,created_at,product,amount,status\n"},
    ("POST", "/v1/products/{product_id}/image/upload"): {"content_type": "image/png", "size": 100},
    ("PUT", "/v1/products/{product_id}/image"): {"key": "products/ten_x/prd_x/img_01jd0000000000000000000000.png"},
}


@pytest.fixture(scope="module")
def world(container: wiring.Container, settings: Any) -> Iterator[World]:
    from chalice.test import Client

    from app import app

    wiring.use(container)
    with Client(app) as client:
        yield World(client, settings, container)


def _send(world: World, spec: RouteSpec, key: str | None, path: str | None = None) -> Any:
    body = BODIES.get((spec.method, spec.path), {} if spec.method in ("POST", "PATCH", "PUT") else None)
    return shop.call(world.client, spec.method, path or world.path(spec), body, key=key)


# path parameters that name no object of a tenant: a currency is every shop's own (B setting its usd thresholds
# touches only B's), so a route with only these has no other tenant's id to refuse
NOT_IDS = {"currency"}


@pytest.mark.parametrize("spec", [r for r in TENANT_ROUTES if set(r.path_params) - NOT_IDS],
                         ids=lambda s: f"{s.method} {s.path}")
def test_another_tenants_ids_answer_404_and_change_nothing(world, spec):
    # given tenant A's objects and tenant B's key
    path = world.path(spec)
    before = world.snapshot()
    # when B calls the route with A's ids
    r = _send(world, spec, world.b["key"], path)
    # then it is told the object does not exist, exactly as for a missing one, and A's data is untouched
    assert r.status_code == 404, (spec.path, r.body)
    assert _json(r)["error"]["type"] == "not_found"
    assert world.snapshot() == before


@pytest.mark.parametrize("spec", SHOP_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_another_shops_slug_with_this_shops_ids_answers_404(world, spec):
    path = world.path(spec).replace(f"/s/{world.a['slug']}/", f"/s/{world.b['slug']}/", 1)
    token = world.order.get("order_token", "")
    before = world.snapshot()
    r = _send(world, spec, None, f"{path}?token={token}" if spec.method == "GET" else path)
    assert r.status_code == 404, (spec.path, r.body)
    assert world.snapshot() == before


@pytest.mark.parametrize("spec", TENANT_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_a_key_without_the_routes_scope_gets_403_and_changes_nothing(world, spec):
    # given a key of tenant A holding every scope but this route's
    key = world.key_without(str(spec.scope))
    path = world.path(spec)
    before = world.snapshot()
    # when it calls the route on A's own objects
    r = _send(world, spec, key, path)
    # then it is refused, naming the scope, and nothing changed
    assert r.status_code == 403, (spec.path, r.body)
    assert _json(r)["error"]["code"] == "missing_scope"
    assert _json(r)["error"]["required_scope"] == spec.scope
    assert world.snapshot() == before


def test_every_tenant_route_names_a_known_scope():
    assert {r.scope for r in TENANT_ROUTES} <= set(ALL_SCOPES)
    assert len(TENANT_ROUTES) >= 10
