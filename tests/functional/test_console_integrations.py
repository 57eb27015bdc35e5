"""API keys and webhook endpoints from the console: secrets shown once, keys that work and stop working, the
endpoint's log, test and delete; only roles that manage integrations; another shop's endpoints not found."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def test_an_api_key_made_in_the_console_works_until_revoked(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, email = owner_of_new_shop(web, env)
    page = owner.get("/console/integrations")
    made = owner.post("/console/integrations/keys", {"name": "ERP sync", "scope_read": "on",
                                                     "scope_orders_write": "on"}, csrf=csrf_of(page))
    assert made.status_code == 200
    secret = re.search(r'id="new-secret">(kd_live_[^<]+)<', made.body.decode())
    assert secret
    r = web.http.get("/v1/tenant", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert r.status_code == 200 and json.loads(r.body)["id"] == tenant_id
    keys = env.c.tenancy.api_keys.list(tenant_id=tenant_id, limit=10, cursor=None).items
    assert [(k.name, k.scopes) for k in keys] == [("ERP sync", ("read", "orders_write"))]
    assert secret.group(1) not in owner.get("/console/integrations").body.decode()  # shown once
    revoked = owner.post(f"/console/integrations/keys/{keys[0].id}/revoke", {}, csrf=csrf_of(page))
    assert revoked.status_code == 303
    assert web.http.get("/v1/tenant", headers={"Authorization": f"Bearer {secret.group(1)}"}).status_code == 401
    log = owner.get("/console/activity").body.decode()
    assert f"{email}</strong> created the API key ERP sync (read orders_write)" in log
    assert f"{email}</strong> revoked the API key ERP sync" in log


def test_a_webhook_endpoint_is_added_tested_and_deleted(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/integrations")
    made = owner.post("/console/integrations/webhooks", {"url": "http://127.0.0.1:9/hooks",
                                                         "event_order.delivered": "on"}, csrf=csrf_of(page))
    assert made.status_code == 200 and re.search(r'id="new-secret">whsec_', made.body.decode())
    endpoints = env.c.integrations.webhooks.list(tenant_id=tenant_id, limit=10, cursor=None).items
    assert [(e.url, e.events) for e in endpoints] == [("http://127.0.0.1:9/hooks", ("order.delivered",))]
    endpoint_id = endpoints[0].id
    tested = owner.post(f"/console/integrations/webhooks/{endpoint_id}/test", {}, csrf=csrf_of(page))
    assert tested.status_code == 303
    log = owner.get(f"/console/integrations/webhooks/{endpoint_id}").body.decode()
    assert "webhook.test" in log  # nothing listens on port 9: the attempt and its error are in the log
    deleted = owner.post(f"/console/integrations/webhooks/{endpoint_id}/delete", {}, csrf=csrf_of(page))
    assert deleted.status_code == 303
    assert env.c.integrations.webhooks.list(tenant_id=tenant_id, limit=10, cursor=None).items == []


def test_only_owners_and_admins_manage_integrations(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    for role in ("operator", "finance", "viewer"):
        member, _ = joined(web, env, owner, role)
        assert member.get("/console/integrations").status_code == 403
        r = member.post("/console/integrations/keys", {"name": "sneaky", "scope_read": "on"},
                        csrf=csrf_of(member.get("/console")))
        assert r.status_code == 403
    assert env.c.tenancy.api_keys.list(tenant_id=tenant_id, limit=10, cursor=None).items == []
    admin, _ = joined(web, env, owner, "admin")
    assert admin.get("/console/integrations").status_code == 200


def test_another_shops_endpoint_is_not_found(web: Any, env: ConsoleEnv) -> None:
    owner_a, tenant_a, _ = owner_of_new_shop(web, env)
    owner_a.post("/console/integrations/webhooks", {"url": "http://127.0.0.1:9/a"},
                 csrf=csrf_of(owner_a.get("/console/integrations")))
    endpoint_id = env.c.integrations.webhooks.list(tenant_id=tenant_a, limit=10, cursor=None).items[0].id
    owner_b, _, _ = owner_of_new_shop(web, env)
    csrf = csrf_of(owner_b.get("/console"))
    assert owner_b.get(f"/console/integrations/webhooks/{endpoint_id}").status_code == 404
    for action in ("test", "replay", "delete"):
        assert owner_b.post(f"/console/integrations/webhooks/{endpoint_id}/{action}", {},
                            csrf=csrf).status_code == 404, action
    assert len(env.c.integrations.webhooks.list(tenant_id=tenant_a, limit=10, cursor=None).items) == 1
