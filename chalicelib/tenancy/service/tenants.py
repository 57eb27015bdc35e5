"""Sign-up and API-key authentication."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import AuthenticationFailed, InvalidRequest, NotFound
from chalicelib.kernel.ids import new_id, token_hash
from chalicelib.kernel.ports import Cipher, Clock, PasswordHasher
from chalicelib.tenancy.domain.api_keys import ALL_SCOPES, API_KEY_PREFIX, ApiKeyStore
from chalicelib.tenancy.domain.models import ApiKey, Tenant, User
from chalicelib.tenancy.domain.ports import TenantStore

__all__ = ["ALL_SCOPES", "API_KEY_PREFIX", "TenantService"]


class TenantService:
    def __init__(self, *, tenants: TenantStore, cipher: Cipher, hasher: PasswordHasher, clock: Clock,
                 api_keys: ApiKeyStore | None = None) -> None:
        self._tenants = tenants
        self._api_keys = api_keys
        self._cipher = cipher
        self._hasher = hasher
        self._clock = clock

    def sign_up(self, body: Any, *, api_key: bool = True) -> tuple[Tenant, str]:
        """Creates tenant, owner, first API key (unless `api_key` is False: "") and branch key; returns the
        key, shown only now."""
        data: Mapping[str, Any] = v.body_object(body)
        v.unknown_fields(data, {"name", "slug", "email", "password"})
        name = v.text(data, "name", max_len=100, single_line=True)
        slug = v.slug(data.get("slug"))
        email = v.email(data.get("email"))
        password = data.get("password")
        if not isinstance(password, str) or not 10 <= len(password) <= 256:
            raise InvalidRequest("password must be 10 to 256 characters long", param="password")
        if self._tenants.by_slug(slug) is not None:
            raise_slug_taken(slug)
        now = self._clock.now()
        tenant_id = new_id("tenant")
        branch_key_id = self._cipher.create_tenant_key()
        fp_secret = self._cipher.encrypt_secret(tenant_id=tenant_id, branch_key_id=branch_key_id,
                                                secret=secrets.token_bytes(32))
        tenant = Tenant(id=tenant_id, slug=slug, name=name, email=email, plan="starter",
                        branch_key_id=branch_key_id, fingerprint_key_ciphertext=fp_secret, created_at=now)
        owner = User(tenant_id=tenant_id, id=new_id("user"), email=email,
                     password_hash=self._hasher.hash(password), role="owner", created_at=now)
        if not api_key:
            self._tenants.create(tenant=tenant, owner=owner, api_key=None)
            return tenant, ""
        plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
        first_key = ApiKey(tenant_id=tenant_id, id=new_id("api_key"), key_hash=token_hash(plaintext),
                           name="Default key", scopes=ALL_SCOPES, created_at=now, hint=plaintext[-4:])
        self._tenants.create(tenant=tenant, owner=owner, api_key=first_key)
        return tenant, plaintext

    def authenticate(self, authorization: str | None) -> ApiKey:
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":  # the scheme is case-insensitive (RFC 7235)
            raise AuthenticationFailed("send your API key as 'Authorization: Bearer <key>'",
                                       code="missing_api_key")
        token = token.strip()
        if not token.startswith(API_KEY_PREFIX) or len(token) > 200:
            raise AuthenticationFailed("the API key is not valid")
        key = self._tenants.api_key_by_hash(token_hash(token))
        now = self._clock.now()
        if key is None or not key.usable(now):
            raise AuthenticationFailed("the API key is not valid")
        if self._api_keys is not None:
            self._api_keys.touch(key=key, now=now)
        return key

    def get(self, *, tenant_id: str) -> Tenant:
        return self._tenants.get(tenant_id=tenant_id)

    def ids(self, *, after: str | None = None) -> tuple[list[str], str | None]:
        """Every shop's id, a page at a time (for the per-shop jobs' fan-out)."""
        return self._tenants.ids(after=after)

    def by_slug(self, slug: str) -> Tenant | None:
        return self._tenants.by_slug(slug)

    def shop(self, slug: str) -> Tenant:
        """The tenant behind a public shop address; a malformed or unknown slug is the same 404."""
        tenant = self._tenants.by_slug(slug) if v.SLUG_RE.fullmatch(slug) else None
        if tenant is None:
            raise NotFound("no such shop")
        return tenant

    def reachable(self) -> None:
        """One read of the tenant store (health checks): raises when the store cannot answer."""
        self._tenants.by_slug("health-probe")


def raise_slug_taken(slug: str) -> None:
    from chalicelib.kernel.errors import Conflict

    raise Conflict(f"the shop address '{slug}' is taken; choose another slug", code="slug_taken", param="slug")
