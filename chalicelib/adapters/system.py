"""Small system adapters: the wall clock and the argon2 password hasher."""

from __future__ import annotations

import time


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class Argon2Hasher:
    def __init__(self) -> None:
        from argon2 import PasswordHasher

        self._hasher = PasswordHasher()

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))
