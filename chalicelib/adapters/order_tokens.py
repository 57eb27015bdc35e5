"""Order page tokens derived from the tenant's protected secret: HMAC of the order id, nothing stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable

from chalicelib.tenancy.domain.models import Tenant

_INFO = b"kamidrop order links v1"
_RISK_INFO = b"kamidrop risk v1"  # its own key: a MAC made for risk can never pass as an order link
TOKEN_CHARS = 22  # 22 base64url characters carry 132 bits, over the 128 the order page needs


class DerivedOrderLinks:
    """The tenant's 32-byte secret is encrypted with the tenant's branch key (Encryption SDK); an HKDF with its
    own label turns it into a key used only for order links, so the e-mail can carry the order page's token
    without the token ever being stored. Derived keys are cached per process (one decrypt per tenant)."""

    def __init__(self, *, unwrap: Callable[[Tenant], bytes]) -> None:
        self._unwrap = unwrap
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _key(self, tenant: Tenant, info: bytes = _INFO) -> bytes:
        with self._lock:
            cached = self._keys.get(f"{tenant.id}\n{info.decode()}")
        if cached is not None:
            return cached
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=tenant.id.encode(), info=info).derive(
            self._unwrap(tenant))
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[f"{tenant.id}\n{info.decode()}"] = key
        return key

    def token(self, tenant: Tenant, order_id: str) -> str:
        mac = hmac.new(self._key(tenant), order_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:TOKEN_CHARS]

    def risk_mac(self, tenant: Tenant, message: str) -> str:
        """A MAC for the risk engine (its challenges, the digests its counters keep) under a key of its own."""
        mac = hmac.new(self._key(tenant, _RISK_INFO), message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")
