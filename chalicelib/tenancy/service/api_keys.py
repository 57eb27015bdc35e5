"""API keys: create with scopes, list, rename, rotate with a grace period, revoke; secrets shown once."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.kernel.activity import ActivityEntry, ActivityLog
from chalicelib.kernel.errors import Conflict, InvalidRequest, PermissionDenied
from chalicelib.kernel.ids import new_id, token_hash
from chalicelib.kernel.ports import Clock, Page
from chalicelib.tenancy.domain.api_keys import (
    ALL_SCOPES,
    API_KEY_PREFIX,
    MAX_ACTIVE_KEYS,
    MAX_ROTATION_GRACE_SECONDS,
    ApiKeyStore,
)
from chalicelib.tenancy.domain.models import ApiKey
from chalicelib.tenancy.domain.roles import SYSTEM, Actor, Permission


def new_secret() -> tuple[str, str, str]:
    """A fresh secret, its hash (all we store) and its hint (last 4 characters)."""
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return plaintext, token_hash(plaintext), plaintext[-4:]


def scopes_of(data: Mapping[str, Any], caller: ApiKey | None) -> tuple[str, ...]:
    """The scopes asked for; an API key creating a key hands out only what it holds (staff whose role manages
    integrations, `caller` None, may grant any)."""
    raw = data.get("scopes")
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        raise InvalidRequest(f"scopes must be a non-empty list drawn from: {', '.join(ALL_SCOPES)}", param="scopes")
    unknown = sorted(set(raw) - set(ALL_SCOPES))
    if unknown:
        raise InvalidRequest(f"unknown scopes {', '.join(unknown)}; use: {', '.join(ALL_SCOPES)}", param="scopes")
    beyond = [] if caller is None else sorted(set(raw) - set(caller.scopes))
    if beyond:
        # A key can hand out only what it holds itself: no escalation through key creation.
        raise PermissionDenied(f"this API key cannot grant scopes it lacks: {', '.join(beyond)}",
                               code="scope_escalation", param="scopes")
    return tuple(s for s in ALL_SCOPES if s in raw)


class ApiKeyService:
    def __init__(self, *, store: ApiKeyStore, clock: Clock, activity: ActivityLog | None = None) -> None:
        self._store = store
        self._clock = clock
        self._activity = activity

    def _record(self, actor: Actor, tenant_id: str, action: str, key: ApiKey) -> None:
        if self._activity is not None:
            self._activity.record(ActivityEntry(
                tenant_id=tenant_id, id=new_id("activity"), at=self._clock.now(), actor_kind=actor.kind,
                actor_id=actor.id, actor_name=actor.name, action=action, target=key.id,
                detail={"name": key.name, "scopes": " ".join(key.scopes)}))

    def create(self, *, tenant_id: str, caller: ApiKey | None, body: Any, actor: Actor = SYSTEM) -> tuple[ApiKey, str]:
        actor.require(Permission.INTEGRATIONS)
        data = v.body_object(body)
        v.unknown_fields(data, {"name", "scopes"})
        name = v.text(data, "name", max_len=100, single_line=True)
        scopes = scopes_of(data, caller)
        now = self._clock.now()
        if self._store.count_active(tenant_id=tenant_id, now=now) >= MAX_ACTIVE_KEYS:
            raise Conflict(f"a shop may hold at most {MAX_ACTIVE_KEYS} active API keys; revoke one first",
                           code="too_many_api_keys")
        plaintext, key_hash, hint = new_secret()
        key = ApiKey(tenant_id=tenant_id, id=new_id("api_key"), key_hash=key_hash, name=name, scopes=scopes,
                     created_at=now, hint=hint)
        self._store.add(key)
        self._record(actor, tenant_id, "api_key.created", key)
        return key, plaintext

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self._store.list(tenant_id=tenant_id, limit=limit, cursor=cursor)

    def get(self, *, tenant_id: str, key_id: str) -> ApiKey:
        return self._store.get(tenant_id=tenant_id, key_id=key_id)

    def update(self, *, tenant_id: str, key_id: str, body: Any) -> ApiKey:
        data = v.body_object(body)
        v.unknown_fields(data, {"name"})
        if "name" not in data:
            raise InvalidRequest("send the new name; scopes cannot change (create a new key instead)", param="name")
        return self._store.rename(tenant_id=tenant_id, key_id=key_id, name=v.text(data, "name", max_len=100,
                                                                                         single_line=True))

    def rotate(self, *, tenant_id: str, key_id: str, body: Any) -> tuple[ApiKey, str, int]:
        data = v.body_object(body if body is not None else {})
        v.unknown_fields(data, {"grace_seconds"})
        grace = data.get("grace_seconds", 0)
        if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= MAX_ROTATION_GRACE_SECONDS:
            raise InvalidRequest(f"grace_seconds must be a whole number from 0 to {MAX_ROTATION_GRACE_SECONDS} "
                                 "(how long the old secret keeps working)", param="grace_seconds")
        plaintext, key_hash, hint = new_secret()
        old_expires_at = self._clock.now() + grace
        key = self._store.rotate(tenant_id=tenant_id, key_id=key_id, new_hash=key_hash, new_hint=hint,
                                 old_expires_at=old_expires_at)
        return key, plaintext, old_expires_at

    def revoke(self, *, tenant_id: str, key_id: str, actor: Actor = SYSTEM) -> ApiKey:
        actor.require(Permission.INTEGRATIONS)
        key = self._store.revoke(tenant_id=tenant_id, key_id=key_id)
        self._record(actor, tenant_id, "api_key.revoked", key)
        return key
