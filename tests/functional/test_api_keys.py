"""API keys: create with scopes, secrets shown once, rotation with a grace period, revocation, last-used time."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.kernel.ids import token_hash
from chalicelib.tenancy.domain.api_keys import ALL_SCOPES
from tests.fakes import FixedClock
from tests.support.shop import call, sign_up

T0 = 1_900_000_000


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture()
def client(settings, clock) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from chalice.test import Client

    from app import app

    c = wiring.Container(settings, clock=clock)
    wiring.use(c)
    with Client(app) as test_client:
        yield test_client
    wiring.use(None)


def _json(r):  # type: ignore[no-untyped-def]
    return json.loads(r.body)


def test_a_new_key_has_only_the_scopes_asked_for_and_its_secret_is_shown_once(client, container):
    # given a shop
    shop = sign_up(client)
    # when the owner creates a read-only key
    r = call(client, "POST", "/v1/api_keys", {"name": "reporting", "scopes": ["read"]}, key=shop["key"])
    # then the secret comes back once, and only its hash is stored
    assert r.status_code == 201, r.body
    created = _json(r)
    assert (created["name"], created["scopes"], created["revoked"]) == ("reporting", ["read"], False)
    assert created["secret"].startswith("kd_live_") and created["hint"] == created["secret"][-4:]
    got = _json(call(client, "GET", f"/v1/api_keys/{created['id']}", key=shop["key"]))
    assert "secret" not in got and got["id"] == created["id"]
    stored = container.tenancy.tenant_store.api_key_by_hash(token_hash(created["secret"]))
    assert stored is not None and stored.key_hash == token_hash(created["secret"])
    # and the new key reads but cannot write
    assert call(client, "GET", "/v1/products", key=created["secret"]).status_code == 200
    denied = call(client, "POST", "/v1/products", {"name": "x", "price": 1, "currency": "usd"}, key=created["secret"])
    assert denied.status_code == 403
    assert _json(denied)["error"] == {"type": "permission", "code": "missing_scope", "param": "scope",
                                      "message": "this API key lacks the 'catalog_write' scope this route needs; "
                                                 "use a key with it or add it to this key",
                                      "required_scope": "catalog_write"}
    assert _json(call(client, "GET", "/v1/products", key=shop["key"]))["data"] == []


def test_listing_shows_every_key_newest_first_with_pagination(client):
    shop = sign_up(client)
    made = [_json(call(client, "POST", "/v1/api_keys", {"name": f"k{i}", "scopes": ["read"]}, key=shop["key"]))
            for i in range(3)]
    first = _json(call(client, "GET", "/v1/api_keys?limit=2", key=shop["key"]))
    second = _json(call(client, "GET", f"/v1/api_keys?limit=2&cursor={first['next_cursor']}", key=shop["key"]))
    names = [k["name"] for k in first["data"] + second["data"]]
    assert names == ["k2", "k1", "k0", "Default key"]
    assert (first["has_more"], second["has_more"], second["next_cursor"]) == (True, False, None)
    assert all("secret" not in k for k in first["data"] + second["data"])
    assert made[0]["id"] in {k["id"] for k in second["data"]}


@pytest.mark.parametrize("body, param, code", [
    ({"name": "x", "scopes": []}, "scopes", "invalid_request"),
    ({"name": "x", "scopes": ["read", "godmode"]}, "scopes", "invalid_request"),
    ({"name": "x", "scopes": "read"}, "scopes", "invalid_request"),
    ({"scopes": ["read"]}, "name", "invalid_request"),
    ({"name": "x", "scopes": ["read"], "owner": "me"}, "owner", "invalid_request"),
])
def test_bad_key_requests_name_the_field_and_create_nothing(client, body, param, code):
    shop = sign_up(client)
    r = call(client, "POST", "/v1/api_keys", body, key=shop["key"])
    assert (r.status_code, _json(r)["error"]["code"], _json(r)["error"]["param"]) == (400, code, param)
    assert len(_json(call(client, "GET", "/v1/api_keys", key=shop["key"]))["data"]) == 1


def test_a_key_cannot_grant_scopes_it_does_not_hold(client):
    shop = sign_up(client)
    admin = _json(call(client, "POST", "/v1/api_keys", {"name": "admin", "scopes": ["api_keys", "read"]},
                       key=shop["key"]))
    r = call(client, "POST", "/v1/api_keys", {"name": "x", "scopes": ["read", "keys_reveal"]}, key=admin["secret"])
    assert (r.status_code, _json(r)["error"]["code"]) == (403, "scope_escalation")
    assert len(_json(call(client, "GET", "/v1/api_keys", key=shop["key"]))["data"]) == 2


def test_rotation_keeps_the_old_secret_for_the_grace_period_only(client, clock):
    shop = sign_up(client)
    key = _json(call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"]))
    # when the key is rotated with 10 minutes of grace
    r = call(client, "POST", f"/v1/api_keys/{key['id']}/rotate", {"grace_seconds": 600}, key=shop["key"])
    assert r.status_code == 200, r.body
    rotated = _json(r)
    assert rotated["id"] == key["id"] and rotated["secret"] != key["secret"]
    assert rotated["previous_secret_expires_at"] == T0 + 600
    # then both secrets work until the grace ends, then only the new one
    assert call(client, "GET", "/v1/tenant", key=key["secret"]).status_code == 200
    assert call(client, "GET", "/v1/tenant", key=rotated["secret"]).status_code == 200
    clock.advance(600)
    assert call(client, "GET", "/v1/tenant", key=key["secret"]).status_code == 401
    assert call(client, "GET", "/v1/tenant", key=rotated["secret"]).status_code == 200


def test_a_second_rotation_ends_the_first_secret_at_once(client):
    shop = sign_up(client)
    key = _json(call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"]))
    first = _json(call(client, "POST", f"/v1/api_keys/{key['id']}/rotate", {"grace_seconds": 3600}, key=shop["key"]))
    second = _json(call(client, "POST", f"/v1/api_keys/{key['id']}/rotate", {"grace_seconds": 3600},
                        key=shop["key"]))
    assert [call(client, "GET", "/v1/tenant", key=s).status_code
            for s in (key["secret"], first["secret"], second["secret"])] == [401, 200, 200]


def test_revoking_ends_every_secret_of_the_key(client):
    shop = sign_up(client)
    key = _json(call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"]))
    rotated = _json(call(client, "POST", f"/v1/api_keys/{key['id']}/rotate", {"grace_seconds": 3600},
                         key=shop["key"]))
    r = call(client, "POST", f"/v1/api_keys/{key['id']}/revoke", key=shop["key"])
    assert (r.status_code, _json(r)["revoked"]) == (200, True)
    assert [call(client, "GET", "/v1/tenant", key=s).status_code
            for s in (key["secret"], rotated["secret"])] == [401, 401]
    again = call(client, "POST", f"/v1/api_keys/{key['id']}/rotate", {}, key=shop["key"])
    assert (again.status_code, _json(again)["error"]["code"]) == (409, "api_key_revoked")


def test_last_used_is_recorded_to_the_minute(client, clock):
    shop = sign_up(client)
    key = _json(call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"]))
    assert key["last_used_at"] is None
    call(client, "GET", "/v1/tenant", key=key["secret"])
    clock.advance(30)
    call(client, "GET", "/v1/tenant", key=key["secret"])
    assert _json(call(client, "GET", f"/v1/api_keys/{key['id']}", key=shop["key"]))["last_used_at"] == T0
    clock.advance(40)
    call(client, "GET", "/v1/tenant", key=key["secret"])
    assert _json(call(client, "GET", f"/v1/api_keys/{key['id']}", key=shop["key"]))["last_used_at"] == T0 + 70


def test_renaming_changes_only_the_name(client):
    shop = sign_up(client)
    key = _json(call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"]))
    r = call(client, "PATCH", f"/v1/api_keys/{key['id']}", {"name": "deploy"}, key=shop["key"])
    assert (_json(r)["name"], _json(r)["scopes"]) == ("deploy", ["read"])
    bad = call(client, "PATCH", f"/v1/api_keys/{key['id']}", {"scopes": ["read", "webhooks"]}, key=shop["key"])
    assert (bad.status_code, _json(bad)["error"]["param"]) == (400, "scopes")


def test_the_first_key_holds_every_scope(client):
    shop = sign_up(client)
    keys = _json(call(client, "GET", "/v1/api_keys", key=shop["key"]))["data"]
    assert [(k["name"], tuple(k["scopes"])) for k in keys] == [("Default key", ALL_SCOPES)]
