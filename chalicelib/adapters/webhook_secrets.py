"""Seals webhook signing secrets with AES-256-GCM under a key derived from the tenant's protected secret."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from chalicelib.kernel.errors import DecryptionRefused, EncryptionUnavailable
from chalicelib.tenancy.domain.models import Tenant

VERSION = b"whs1"
_INFO = b"kamidrop webhook signing secrets v1"


class TenantKeySecretBox:
    """The tenant's 32-byte secret is itself encrypted with the tenant's branch key (Encryption SDK); an HKDF
    with its own label turns it into a separate key for this purpose, so webhook secrets never share key
    material with fingerprints, and one tenant's material never opens another's. The AAD binds each
    ciphertext to its tenant and endpoint. Derived keys are cached per process (one decrypt per tenant)."""

    def __init__(self, *, tenant: Callable[[str], Tenant], unwrap: Callable[[Tenant], bytes]) -> None:
        self._tenant = tenant
        self._unwrap = unwrap
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _key(self, tenant_id: str) -> bytes:
        with self._lock:
            cached = self._keys.get(tenant_id)
        if cached is not None:
            return cached
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        root = self._unwrap(self._tenant(tenant_id))
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=tenant_id.encode(), info=_INFO).derive(root)
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[tenant_id] = key
        return key

    def seal(self, *, tenant_id: str, endpoint_id: str, secret: str) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            nonce = os.urandom(12)
            return VERSION + nonce + AESGCM(self._key(tenant_id)).encrypt(
                nonce, secret.encode(), f"{tenant_id}|{endpoint_id}".encode())
        except (EncryptionUnavailable, DecryptionRefused):
            raise
        except Exception as exc:
            raise EncryptionUnavailable("the signing secret could not be protected; retry") from exc

    def open(self, *, tenant_id: str, endpoint_id: str, sealed: bytes) -> str:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not sealed.startswith(VERSION) or len(sealed) < len(VERSION) + 12 + 16:
            raise DecryptionRefused("this signing secret does not belong to this endpoint")
        nonce, body = sealed[len(VERSION):len(VERSION) + 12], sealed[len(VERSION) + 12:]
        try:
            return AESGCM(self._key(tenant_id)).decrypt(nonce, body, f"{tenant_id}|{endpoint_id}".encode()).decode()
        except InvalidTag as exc:
            raise DecryptionRefused("this signing secret does not belong to this endpoint") from exc
