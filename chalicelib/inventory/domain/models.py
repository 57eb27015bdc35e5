"""Card keys as the pool keeps them: where each lives, its ciphertext, and stock levels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class KeyRef:
    """Where a card key lives: its pool shard and its number in that shard's import order."""

    shard: int
    seq: int

    def encode(self) -> str:
        return f"{self.shard}:{self.seq}"

    @staticmethod
    def decode(value: str) -> KeyRef:
        shard, seq = value.split(":")
        return KeyRef(int(shard), int(seq))


@dataclass(frozen=True)
class StockLevel:
    available: int
    reserved: int
    sold: int


@dataclass(frozen=True)
class StoredKey:
    """One encrypted card key as the pool keeps it (never the plaintext)."""

    ref: KeyRef
    ciphertext: bytes
    fingerprint: str
    batch_id: str
    status: str
    order_id: str | None = None


@dataclass(frozen=True)
class NewKey:
    ciphertext: bytes
    fingerprint: str
    line: int
