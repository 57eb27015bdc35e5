"""The buyer's query password: the sign-up's argon2 hasher plus verification that costs the same every time."""

from __future__ import annotations

import secrets
import threading

from chalicelib.adapters.system import Argon2Hasher


class Argon2QueryPasswords(Argon2Hasher):
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4; ~0.1 s a hash
    here), the same parameters the tenant sign-up uses. `burn` verifies against a dummy hash made with the same
    parameters, so an order without a password (or no order at all) costs what a wrong password costs."""

    def __init__(self) -> None:
        super().__init__()
        self._dummy: str | None = None
        self._lock = threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def burn(self, password: str) -> None:
        with self._lock:
            if self._dummy is None:
                self._dummy = self.hash(secrets.token_urlsafe(16))
            dummy = self._dummy
        self.verify(dummy, password)
