"""Two-step sign-in (TOTP, RFC 6238): enrol with a QR code, confirm with a first code, recovery codes, checks."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.kernel.errors import Conflict, InvalidRequest
from chalicelib.kernel.ports import Cipher, Clock
from chalicelib.tenancy.domain.accounts import Account, new_recovery_codes, recovery_hash
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import AccountStore

STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the step before or after is accepted too: phone clocks drift
ISSUER = "kamidrop"


@dataclass(frozen=True)
class Enrolment:
    """A secret being enrolled: shown once as text and as the otpauth:// URI the QR code carries."""

    secret: str
    uri: str


class TwoStepService:
    def __init__(self, *, accounts: AccountStore, cipher: Cipher, clock: Clock) -> None:
        self._accounts = accounts
        self._cipher = cipher
        self._clock = clock

    def start(self, *, tenant: Tenant, account: Account) -> Enrolment:
        """A new secret, kept (encrypted) as pending until a code from it is confirmed."""
        import pyotp

        secret = pyotp.random_base32()
        sealed = self._cipher.encrypt_account_secret(tenant=tenant, user_id=account.user_id, secret=secret.encode())
        self._accounts.begin_two_step(account, pending=sealed)
        uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=f"{ISSUER} · {tenant.name}")
        return Enrolment(secret=secret, uri=uri)

    def pending(self, *, tenant: Tenant, account: Account) -> Enrolment | None:
        """The enrolment in progress (to show its QR code again after a wrong code), if any."""
        import pyotp

        if account.totp_pending is None:
            return None
        secret = self._open(tenant, account, account.totp_pending)
        uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=f"{ISSUER} · {tenant.name}")
        return Enrolment(secret=secret, uri=uri)

    def confirm(self, *, tenant: Tenant, account: Account, code: object) -> list[str]:
        """Turns two-step sign-in on once a code from the pending secret checks out; returns the recovery
        codes, shown only now."""
        if account.totp_pending is None:
            raise Conflict("start setting up two-step sign-in first", code="two_step_not_started")
        step = self._matching_step(self._open(tenant, account, account.totp_pending), _code(code))
        if step is None:
            raise InvalidRequest("that code does not match; check the time on your phone and enter the current "
                                 "code", code="two_step_code_wrong", param="code")
        codes = new_recovery_codes()
        if not self._accounts.enable_two_step(account, pending=account.totp_pending,
                                              recovery_hashes=[recovery_hash(c) for c in codes]):
            raise Conflict("two-step sign-in was set up again in another window; use the newest QR code",
                           code="two_step_restarted")
        self._accounts.use_totp_step(account, step)  # the confirming code is spent
        return codes

    def disable(self, *, tenant: Tenant, account: Account, code: object) -> None:
        """Turns it off, with a current code or a recovery code (so a stolen session alone cannot)."""
        if not account.two_step:
            return
        if not self.check(tenant=tenant, account=account, code=code):
            raise InvalidRequest("that code does not match; enter the current code from your app or a recovery "
                                 "code", code="two_step_code_wrong", param="code")
        self._accounts.disable_two_step(account)

    def check(self, *, tenant: Tenant, account: Account, code: object) -> bool:
        """A current code (each usable once) or an unused recovery code (spent by this check)."""
        if not account.two_step or account.totp_secret is None:
            return False
        text = code.strip() if isinstance(code, str) else ""
        digits = text.replace(" ", "")
        if len(digits) == 6 and digits.isdigit():
            step = self._matching_step(self._open(tenant, account, account.totp_secret), digits)
            return step is not None and self._accounts.use_totp_step(account, step)
        if 8 <= len(text) <= 24:
            return self._accounts.use_recovery_code(account, recovery_hash(text))
        return False

    def _open(self, tenant: Tenant, account: Account, sealed: bytes) -> str:
        return self._cipher.decrypt_account_secret(tenant=tenant, user_id=account.user_id,
                                                   ciphertext=sealed).decode()

    def _matching_step(self, secret: str, code: str) -> int | None:
        import hmac

        import pyotp

        totp = pyotp.TOTP(secret)
        now_step = self._clock.now() // STEP_SECONDS
        for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
                return step
        return None


def _code(value: object) -> str:
    text = value.replace(" ", "").strip() if isinstance(value, str) else ""
    if len(text) != 6 or not text.isdigit():
        raise InvalidRequest("enter the 6-digit code your authenticator app shows", code="two_step_code_wrong",
                             param="code")
    return text
