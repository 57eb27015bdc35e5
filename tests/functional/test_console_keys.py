"""Key pages: import in parts into one batch with a per-line answer, the masked list, void, reveal with a reason
(recorded), an export a spreadsheet opens safely; role-gated; another shop's keys are not found."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support.console import Browser, ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _product(env: ConsoleEnv, tenant_id: str) -> str:
    return str(env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                             body={"name": "Key card", "price": 300, "currency": "usd"}).id)


def _import(b: Browser, product_id: str, body: dict[str, Any], csrf: str | None) -> Any:
    headers = {"Content-Type": "application/json", **({"X-CSRF-Token": csrf} if csrf else {})}
    if b.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in b.cookies.items())
    return b.client.http.post(f"/console/products/{product_id}/keys/import", headers=headers,
                              body=json.dumps(body))


def test_an_upload_in_parts_is_one_batch_with_a_per_line_answer(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, email = owner_of_new_shop(web, env)
    product_id = _product(env, tenant_id)
    csrf = csrf_of(owner.get(f"/console/products/{product_id}/keys"))
    first = _import(owner, product_id, {"keys": ["AAA-1", "AAA-2", "AAA-1", ""], "supplier": "Acme",
                                        "cost_per_key": 120}, csrf)
    assert first.status_code == 200, first.body
    one = json.loads(first.body)
    assert (one["imported"], one["duplicates"], one["duplicate_lines"]) == (2, 1, [3])
    assert [r["line"] for r in one["rejected"]] == [4]
    second = json.loads(_import(owner, product_id, {"keys": ["AAA-3", "AAA-2"], "batch_id": one["batch_id"]},
                                csrf).body)
    assert (second["batch_id"], second["imported"], second["duplicates"], second["duplicate_lines"]) == (
        one["batch_id"], 1, 1, [2])
    batches = env.c.inventory.keys.batches(tenant_id=tenant_id, product_id=product_id, limit=10, cursor=None).items
    assert [(b.id, b.imported, b.duplicates, b.rejected, b.supplier, b.cost_per_key, b.created_by_name)
            for b in batches] == [(one["batch_id"], 3, 2, 1, "Acme", 120, email)]
    page = owner.get(f"/console/products/{product_id}/keys").body.decode()
    assert page.count('data-status="available"') == 3 and "AAA-1" not in page  # masked


def test_imports_need_the_csrf_token_and_the_role(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product_id = _product(env, tenant_id)
    assert _import(owner, product_id, {"keys": ["X-1"]}, None).status_code == 403
    for role, allowed in (("viewer", False), ("finance", False), ("operator", True)):
        member, _ = joined(web, env, owner, role)
        csrf = csrf_of(member.get(f"/console/products/{product_id}/keys"))
        r = _import(member, product_id, {"keys": [f"{role}-KEY-1"]}, csrf)
        assert r.status_code == (200 if allowed else 403), role
    assert env.c.catalog.products.stock(tenant_id=tenant_id, product_id=product_id).available == 1


def test_void_reveal_with_a_reason_and_a_safe_export(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, email = owner_of_new_shop(web, env)
    product_id = _product(env, tenant_id)
    csrf = csrf_of(owner.get(f"/console/products/{product_id}/keys"))
    _import(owner, product_id, {"keys": ["=1+1", "@SUM(A1)", "PLAIN-KEY-7"]}, csrf)
    page = owner.get(f"/console/products/{product_id}/keys").body.decode()
    ids = re.findall(r'data-key="([^"]+)"', page)
    assert len(ids) == 3
    # void one
    r = owner.post(f"/console/keys/{ids[2]}/void", {}, csrf=csrf)
    assert r.status_code == 303
    assert 'data-status="void"' in owner.get(f"/console/products/{product_id}/keys").body.decode()
    # reveal needs a reason, then shows the key once and records who and why
    no_reason = owner.post(f"/console/keys/{ids[0]}/reveal", {"reason": ""}, csrf=csrf)
    assert no_reason.status_code == 400 and "Say why you reveal this key" in no_reason.body.decode()
    shown = owner.post(f"/console/keys/{ids[0]}/reveal", {"reason": "buyer says it fails"}, csrf=csrf)
    assert shown.status_code == 200 and '<p class="mono" id="revealed-value">=1+1</p>' in shown.body.decode()
    log = owner.get("/console/key-access").body.decode()
    assert email in log and "buyer says it fails" in log and ids[0] in log
    # the export: unsold keys, formulas defused, recorded
    export = owner.get(f"/console/products/{product_id}/keys/export")
    assert export.status_code == 200 and export.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig"))))
    assert rows[0] == ["key_id", "key", "batch_id", "created_at"]
    assert sorted(r[1] for r in rows[1:]) == ["'=1+1", "'@SUM(A1)"]
    assert "Exported 2 unsold keys" in owner.get("/console/key-access").body.decode()


def test_roles_for_reveal_and_export(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product_id = _product(env, tenant_id)
    csrf = csrf_of(owner.get(f"/console/products/{product_id}/keys"))
    _import(owner, product_id, {"keys": ["ROLE-KEY-1"]}, csrf)
    key = re.findall(r'data-key="([^"]+)"', owner.get(f"/console/products/{product_id}/keys").body.decode())[0]
    for role, may_reveal, may_export in (("operator", False, False), ("finance", False, True),
                                         ("viewer", False, False), ("admin", True, True)):
        member, _ = joined(web, env, owner, role)
        csrf_m = csrf_of(member.get(f"/console/products/{product_id}/keys"))
        r = member.post(f"/console/keys/{key}/reveal", {"reason": "checking"}, csrf=csrf_m)
        assert r.status_code == (200 if may_reveal else 403), role
        assert member.get(f"/console/products/{product_id}/keys/export").status_code == (200 if may_export else 403)
    entries = env.c.inventory.keys.access_log(tenant_id=tenant_id, limit=50, cursor=None, actor=SYSTEM).items
    assert sorted(e.action for e in entries) == ["export", "export", "reveal"]


def test_another_shops_keys_are_not_found(web: Any, env: ConsoleEnv) -> None:
    owner_a, tenant_a, _ = owner_of_new_shop(web, env)
    product_id = _product(env, tenant_a)
    _import(owner_a, product_id, {"keys": ["A-ONLY-1"]}, csrf_of(owner_a.get(f"/console/products/{product_id}/keys")))
    key = re.findall(r'data-key="([^"]+)"', owner_a.get(f"/console/products/{product_id}/keys").body.decode())[0]
    owner_b, _, _ = owner_of_new_shop(web, env)
    csrf = csrf_of(owner_b.get("/console"))
    assert owner_b.get(f"/console/products/{product_id}/keys").status_code == 404
    assert owner_b.post(f"/console/keys/{key}/void", {}, csrf=csrf).status_code == 404
    assert owner_b.post(f"/console/keys/{key}/reveal", {"reason": "snooping"}, csrf=csrf).status_code == 404
    assert owner_b.get(f"/console/products/{product_id}/keys/export").status_code == 404
    assert _import(owner_b, product_id, {"keys": ["B-INTO-A"]}, csrf).status_code == 404
    assert env.c.catalog.products.stock(tenant_id=tenant_a, product_id=product_id).available == 1
