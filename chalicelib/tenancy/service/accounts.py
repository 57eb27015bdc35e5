"""Console accounts: sign-up with e-mail confirmation, sign-in with lockout, sessions, password reset, sign-out."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, Protocol

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import AuthenticationFailed, InvalidRequest, PermissionDenied, RateLimited
from chalicelib.kernel.i18n import Translator
from chalicelib.kernel.ids import token_hash
from chalicelib.kernel.ports import Clock, Mailer, RateLimiter
from chalicelib.tenancy.domain.accounts import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    SESSION_RENEW_AFTER,
    SESSION_SECONDS,
    Account,
    ChallengeRequired,
    ConsoleSession,
    LinkPurpose,
    LockoutRule,
    OneTimeLink,
    SignedIn,
    csrf_token,
)
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import AccountStore
from chalicelib.tenancy.service import account_mail
from chalicelib.tenancy.service.tenants import TenantService
from chalicelib.tenancy.service.two_step import TwoStepService

WRONG = "the e-mail address or the password is wrong"


class Passwords(Protocol):
    """argon2: hash, verify, and `burn` (a verify that costs the same when there is nothing to verify)."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def burn(self, password: str) -> None: ...


def account_subject(email: str) -> str:
    """The lockout record of an e-mail address, known account or not (a lock must not tell which exist)."""
    return "acct#" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def ip_subject(ip: str) -> str:
    return f"ip#{ip}"


class AccountService:
    def __init__(self, *, accounts: AccountStore, tenants: TenantService, passwords: Passwords, mailer: Mailer,
                 clock: Clock, rate_limits: RateLimiter, public_base_url: str, two_step: TwoStepService,
                 lockout: LockoutRule | None = None) -> None:
        self._accounts = accounts
        self._tenants = tenants
        self._passwords = passwords
        self._mailer = mailer
        self._clock = clock
        self._rate_limits = rate_limits
        self._base = public_base_url.rstrip("/")
        self.two_step = two_step
        self.lockout = lockout or LockoutRule()

    # -- sign-up and confirmation --------------------------------------------------------------------------

    def sign_up(self, body: Any, *, locale: str) -> Tenant:
        """A new shop and its owner (no API key: the console makes those in the settings), and a confirmation
        link by e-mail. The owner signs in once the address is confirmed."""
        tenant, _ = self._tenants.sign_up(body, api_key=False)
        account = self._accounts.by_email(tenant.email)
        if account is not None:
            self.send_link(account, LinkPurpose.CONFIRM_EMAIL, locale, tenant=tenant)
        return tenant

    def resend_confirmation(self, *, email: Any, locale: str) -> None:
        """Same answer whether or not the address has an unconfirmed account; at most 3 mails in 15 minutes."""
        address = v.email(email)
        self._rate_limits.hit(policy="email:console_mail", subject=account_subject(address), tenant_id=None)
        account = self._accounts.by_email(address)
        if account is not None and not account.confirmed:
            self.send_link(account, LinkPurpose.CONFIRM_EMAIL, locale)

    def confirm(self, token: str | None) -> SignedIn | None:
        """Opens the link once: the address is confirmed and a session starts. None: unknown, used or expired."""
        link = self._use(token, LinkPurpose.CONFIRM_EMAIL)
        if link is None:
            return None
        account = self._accounts.get(tenant_id=link.tenant_id, user_id=link.user_id)
        if account is None:
            return None
        self._accounts.confirm_email(account, now=self._clock.now())
        return self.open_session(account)

    # -- sign-in ---------------------------------------------------------------------------------------------

    def sign_in(self, body: Mapping[str, Any], *, ip: str, locale: str) -> SignedIn | ChallengeRequired:
        """E-mail and password. Five wrong attempts in five minutes lock the address, and separately the client
        IP, for fifteen minutes; a locked sign-in is refused before the password is even checked. With two-step
        sign-in on, the right password opens a five-minute challenge for the code instead of a session."""
        email = v.email(body.get("email"))
        password = body.get("password")
        if not isinstance(password, str) or not password or len(password) > PASSWORD_MAX:
            raise InvalidRequest("enter your password", param="password")
        now = self._clock.now()
        subjects = (account_subject(email), ip_subject(ip))
        self._refuse_if_locked(subjects, now)
        account = self._accounts.by_email(email)
        if account is None:
            self._passwords.burn(password)  # as slow as a wrong password: timing tells nothing
            ok = False
        else:
            ok = self._passwords.verify(account.password_hash, password)
        if not ok or account is None:
            self._fail(subjects, now)
            raise AuthenticationFailed(WRONG, code="sign_in_failed")
        if not account.confirmed:
            self._accounts.clear_failures(subjects[0])
            self.send_link(account, LinkPurpose.CONFIRM_EMAIL, locale)
            raise PermissionDenied("confirm your e-mail address first: we have just sent you a new link",
                                   code="email_unconfirmed")
        if account.two_step:
            token = secrets.token_urlsafe(32)
            self._accounts.put_link(OneTimeLink(token_hash(token), LinkPurpose.SIGN_IN_CHALLENGE, account.tenant_id,
                                                account.user_id, now + LinkPurpose.SIGN_IN_CHALLENGE.seconds))
            return ChallengeRequired(token=token, account=account)
        self._accounts.clear_failures(subjects[0])
        return self.open_session(account)

    def challenge_open(self, token: str | None) -> bool:
        """Whether a sign-in challenge (the cookie after a right password) is still waiting for its code."""
        if not token or len(token) > 200:
            return False
        return self._accounts.peek_link(token_hash(token), LinkPurpose.SIGN_IN_CHALLENGE,
                                        now=self._clock.now()) is not None

    def complete_sign_in(self, *, token: str | None, code: object, ip: str) -> SignedIn:
        """The second step: a current code or a recovery code. Wrong codes count towards the same lockout as
        wrong passwords; an expired challenge means signing in again."""
        now = self._clock.now()
        link = None
        if token and len(token) <= 200:
            link = self._accounts.peek_link(token_hash(token), LinkPurpose.SIGN_IN_CHALLENGE, now=now)
        account = None if link is None else self._accounts.get(tenant_id=link.tenant_id, user_id=link.user_id)
        if link is None or account is None or token is None:
            raise AuthenticationFailed("this sign-in took too long; enter your e-mail and password again",
                                       code="sign_in_challenge_expired")
        subjects = (account_subject(account.email), ip_subject(ip))
        self._refuse_if_locked(subjects, now)
        tenant = self._tenants.get(tenant_id=account.tenant_id)
        if not self.two_step.check(tenant=tenant, account=account, code=code):
            self._fail(subjects, now)
            raise AuthenticationFailed("that code does not match; enter the current code from your app or a "
                                       "recovery code", code="two_step_code_wrong", param="code")
        if self._accounts.use_link(token_hash(token), LinkPurpose.SIGN_IN_CHALLENGE, now=now) is None:
            raise AuthenticationFailed("this sign-in took too long; enter your e-mail and password again",
                                       code="sign_in_challenge_expired")
        self._accounts.clear_failures(subjects[0])
        return self.open_session(account)

    def _refuse_if_locked(self, subjects: tuple[str, ...], now: int) -> None:
        for subject in subjects:
            record = self._accounts.failures(subject)
            if record.locked(now):
                raise _locked(record.locked_until - now)

    def _fail(self, subjects: tuple[str, ...], now: int) -> None:
        """Counts a wrong attempt against each subject; the attempt that locks one answers with the lock."""
        locks = [self._accounts.record_failure(s, now=now, rule=self.lockout) for s in subjects]
        longest = max(r.locked_until for r in locks)
        if longest > now:
            raise _locked(longest - now)

    # -- sessions --------------------------------------------------------------------------------------------

    def session(self, token: str | None) -> tuple[ConsoleSession, Account] | None:
        """The live session of a cookie's token and its account, renewed when an hour old; None: sign in."""
        if not token or len(token) > 200:
            return None
        session = self._accounts.session(token_hash(token), csrf=csrf_token(token))
        if session is None:
            return None
        account = self._accounts.get(tenant_id=session.tenant_id, user_id=session.user_id)
        now = self._clock.now()
        if account is None or not session.live(now, account):
            return None
        if session.expires_at - now < SESSION_SECONDS - SESSION_RENEW_AFTER:
            self._accounts.extend_session(session, expires_at=now + SESSION_SECONDS)
        return session, account

    def sign_out(self, token: str | None) -> None:
        if token and len(token) <= 200:
            self._accounts.delete_session(token_hash(token))

    def sign_out_everywhere(self, account: Account) -> None:
        """Ends every session of the account, this one included."""
        self._accounts.end_sessions(account)

    # -- password reset --------------------------------------------------------------------------------------

    def forgot_password(self, *, email: Any, locale: str) -> None:
        """E-mails a reset link when the address has an account; the same answer either way."""
        address = v.email(email)
        self._rate_limits.hit(policy="email:console_mail", subject=account_subject(address), tenant_id=None)
        account = self._accounts.by_email(address)
        if account is not None and not account.invited:  # an invitee sets a password through the invitation
            self.send_link(account, LinkPurpose.RESET_PASSWORD, locale)

    def reset_link_valid(self, token: str | None) -> bool:
        if not token or len(token) > 200:
            return False
        return self._accounts.peek_link(token_hash(token), LinkPurpose.RESET_PASSWORD,
                                        now=self._clock.now()) is not None

    def reset_password(self, *, token: str | None, password: Any) -> SignedIn | None:
        """Sets the new password through a live link (once), ends every other session, lifts the address's
        lock and signs in. None: the link is unknown, used or expired."""
        new_password = check_password(password)
        link = self._use(token, LinkPurpose.RESET_PASSWORD)
        if link is None:
            return None
        account = self._accounts.get(tenant_id=link.tenant_id, user_id=link.user_id)
        if account is None:
            return None
        generation = self._accounts.set_password(account, password_hash=self._passwords.hash(new_password))
        now = self._clock.now()
        if not account.confirmed:
            self._accounts.confirm_email(account, now=now)  # the link reached the mailbox: that confirms it
        self._accounts.clear_failures(account_subject(account.email))
        refreshed = dataclasses.replace(account, session_generation=generation,
                                        email_confirmed_at=account.email_confirmed_at or now)
        return self.open_session(refreshed)

    # -- helpers ---------------------------------------------------------------------------------------------

    def open_session(self, account: Account) -> SignedIn:
        """A new session for an account that just proved who it is (a link, a password, a code)."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        session = ConsoleSession(token_hash=token_hash(token), tenant_id=account.tenant_id, user_id=account.user_id,
                                 csrf=csrf_token(token), generation=account.session_generation,
                                 created_at=now, expires_at=now + SESSION_SECONDS)
        self._accounts.put_session(session)
        return SignedIn(token=token, session=session, account=account)

    def _use(self, token: str | None, purpose: LinkPurpose) -> OneTimeLink | None:
        if not token or len(token) > 200:
            return None
        return self._accounts.use_link(token_hash(token), purpose, now=self._clock.now())

    def send_link(self, account: Account, purpose: LinkPurpose, locale: str, *, tenant: Tenant | None = None,
                  extra: Mapping[str, str] | None = None) -> str:
        """Mails a one-time link of `purpose` to the account; returns its URL (for the activity log, never logged)."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        self._accounts.put_link(OneTimeLink(token_hash(token), purpose, account.tenant_id, account.user_id,
                                            now + purpose.seconds))
        shop = tenant or self._tenants.get(tenant_id=account.tenant_id)
        path = {LinkPurpose.CONFIRM_EMAIL: "/console/confirm", LinkPurpose.RESET_PASSWORD: "/console/reset",
                LinkPurpose.INVITE: "/console/invite"}[purpose]
        url = f"{self._base}{path}?token={token}"
        mail = account_mail.link(Translator(locale), purpose=purpose, shop=shop, url=url,
                                 hours=purpose.seconds // 3600, extra=extra)
        self._mailer.send(to=account.email, subject=mail.subject, text=mail.text, html=mail.html)
        return url


def check_password(value: Any) -> str:
    """A new password: 10 to 256 characters, kept exactly as typed."""
    if not isinstance(value, str) or not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise InvalidRequest(f"the password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long",
                             code="password_invalid", param="password")
    return value


def _locked(seconds: int) -> RateLimited:
    minutes = max(1, (seconds + 59) // 60)
    return RateLimited(f"too many wrong attempts: sign-in is locked for {minutes} more minute(s); "
                       f"reset your password to unlock it now", retry_after=seconds, code="sign_in_locked")
