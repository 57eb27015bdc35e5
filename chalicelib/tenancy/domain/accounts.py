"""Console accounts: who a signed-in person is, their sessions, one-time links and the sign-in lockout rule."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

SESSION_SECONDS = 12 * 3600  # a console session ends after 12 hours without renewal: a working day
SESSION_RENEW_AFTER = 3600  # a session seen an hour after it started is pushed out again (one write an hour)
PASSWORD_MIN, PASSWORD_MAX = 10, 256


class LinkPurpose(StrEnum):
    """What an e-mailed one-time link does, and how long it works."""

    CONFIRM_EMAIL = "confirm"
    RESET_PASSWORD = "reset"
    SIGN_IN_CHALLENGE = "challenge"  # the password was right; the two-step code is still to come (a cookie)
    INVITE = "invite"  # a staff invitation: choosing a password through it activates the account

    @property
    def seconds(self) -> int:
        return {LinkPurpose.CONFIRM_EMAIL: 24 * 3600, LinkPurpose.RESET_PASSWORD: 3600,
                LinkPurpose.SIGN_IN_CHALLENGE: 300, LinkPurpose.INVITE: 7 * 24 * 3600}[self]


@dataclass(frozen=True)
class Account:
    """A person who signs in to a shop's console (the owner today; staff with roles later)."""

    tenant_id: str
    user_id: str
    email: str
    password_hash: str
    role: str
    created_at: int
    email_confirmed_at: int | None = None
    session_generation: int = 0  # raised by "sign out everywhere" and by a password change
    totp_secret: bytes | None = None  # the two-step (TOTP) secret, encrypted under the shop's key
    totp_pending: bytes | None = None  # a secret being enrolled, until its first code is confirmed
    totp_last_step: int = 0  # the last 30-second step a code was accepted for: a code works once
    recovery_codes_left: int = 0
    status: str = "active"  # "invited" until the invitee chooses a password through the mailed link

    @property
    def invited(self) -> bool:
        return self.status == "invited"

    @property
    def confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def two_step(self) -> bool:
        return self.totp_secret is not None


def csrf_token(session_token: str) -> str:
    """The token a session's forms carry, derived from the cookie's secret (so it is never stored); one-way,
    so a page that shows it gives nothing towards the cookie."""
    digest = hashlib.sha256(b"kamidrop-console-csrf\0" + session_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in browser. Only the SHA-256 of its token is stored; `csrf` (derived from the token, see
    csrf_token) is what its forms carry, and is known only while the token is at hand."""

    token_hash: str
    tenant_id: str
    user_id: str
    csrf: str
    generation: int
    created_at: int
    expires_at: int

    def live(self, now: int, account: Account) -> bool:
        # a session from before the last "sign out everywhere" (or password change) is over
        return now < self.expires_at and self.generation == account.session_generation


@dataclass(frozen=True)
class OneTimeLink:
    """A confirmation or reset link as stored: by the hash of its token, usable once before `expires_at`."""

    token_hash: str
    purpose: LinkPurpose
    tenant_id: str
    user_id: str
    expires_at: int


@dataclass(frozen=True)
class LockoutRule:
    """`failures` wrong attempts within `window` seconds lock sign-in for `lock` seconds."""

    failures: int = 5
    window: int = 300
    lock: int = 900


@dataclass(frozen=True)
class FailureRecord:
    """Recent wrong attempts of one subject (an account's e-mail or a client IP) and its lock."""

    attempts: tuple[int, ...] = field(default_factory=tuple)
    locked_until: int = 0

    def locked(self, now: int) -> bool:
        return now < self.locked_until

    def after_failure(self, now: int, rule: LockoutRule) -> FailureRecord:
        """This record with one more wrong attempt at `now`: the attempts inside the window, and a lock once
        they reach the rule's count (the attempts that caused it are then cleared)."""
        recent = (*(t for t in self.attempts if now - t < rule.window), now)
        if len(recent) >= rule.failures:
            return FailureRecord(attempts=(), locked_until=now + rule.lock)
        return FailureRecord(attempts=recent[-rule.failures:], locked_until=self.locked_until)


RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from paper


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """One-time codes for when the phone is gone: `xxxxx-xxxxx`, ~50 bits each."""
    import secrets

    def part() -> str:
        return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5))

    return [f"{part()}-{part()}" for _ in range(count)]


def recovery_hash(code: str) -> str:
    """What is stored of a recovery code: its SHA-256, after the spaces, dashes and case people add."""
    normal = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(b"kamidrop-recovery\0" + normal.encode()).hexdigest()


@dataclass(frozen=True)
class ChallengeRequired:
    """The password was right and the account has two-step sign-in: the code comes next, with this token."""

    token: str
    account: Account


@dataclass(frozen=True)
class SignedIn:
    """A session just opened: the token goes into the cookie, and is never stored."""

    token: str
    session: ConsoleSession
    account: Account
