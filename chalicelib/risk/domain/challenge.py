"""The checkout's challenge: a proof of work the buyer's browser solves in a second or two and a script must pay for
on every checkout it sends — no third-party captcha, nothing the buyer reads or clicks.

A challenge is `pow1.<expires>.<bits>.<subject>.<salt>.<mac>`: the server's MAC over the rest, so it cannot be made
up or made easier; `subject` binds it to the buyer's e-mail and device, so a solution is no good for another
checkout. The work: find a nonce whose SHA-256 of `<challenge>:<nonce>` starts with `bits` zero bits (2^bits
hashes on average). The harder the score, the more bits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .rules import RiskRules

VERSION = "pow1"
MIN_BITS, MAX_BITS = 16, 20  # ~65,000 to ~1,000,000 hashes: under a second to a few seconds in a browser
LIFETIME_SECONDS = 300
MAX_NONCE = 32


@dataclass(frozen=True)
class Challenge:
    body: str  # what the MAC covers
    mac: str
    expires_at: int
    bits: int
    subject: str

    @property
    def token(self) -> str:
        return f"{self.body}.{self.mac}"


def bits_for(rules: RiskRules, score: int) -> int:
    """More work the nearer the score is to review: 16 bits at the challenge line, 20 just below review."""
    span = max(1, rules.review_at - rules.challenge_at)
    return MIN_BITS + min(MAX_BITS - MIN_BITS, max(0, score - rules.challenge_at) * (MAX_BITS - MIN_BITS + 1) // span)


def subject_of(tenant_id: str, email: str, device: str) -> str:
    return hashlib.sha256(f"{tenant_id}\n{email}\n{device}".encode()).hexdigest()[:20]


def body_of(*, expires_at: int, bits: int, subject: str, salt: str) -> str:
    return f"{VERSION}.{expires_at}.{bits}.{subject}.{salt}"


def parse(token: str) -> Challenge | None:
    """The challenge a token carries, or None when it is not one (its MAC is the caller's to check)."""
    parts = token.split(".") if isinstance(token, str) and len(token) <= 200 else []
    if len(parts) != 6 or parts[0] != VERSION or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return Challenge(".".join(parts[:5]), parts[5], int(parts[1]), int(parts[2]), parts[3])


def solves(token: str, nonce: str, bits: int) -> bool:
    """Whether `nonce` is a solution: SHA-256(`token:nonce`) starts with `bits` zero bits."""
    if not isinstance(nonce, str) or not 1 <= len(nonce) <= MAX_NONCE or not nonce.isalnum():
        return False
    digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - bits) == 0


def solve(token: str, bits: int) -> str:
    """A solution, found the way a browser finds it (counting up): for tests, benchmarks and the traffic set."""
    n = 0
    while not solves(token, str(n), bits):
        n += 1
    return str(n)
