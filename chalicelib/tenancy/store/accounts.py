"""Console accounts in the single table: users (with the tenant), sessions and one-time links by token hash,
and sign-in failure records by subject. Sessions, links and failure records carry a TTL; reads check expiry
themselves because TTL deletes late."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, UpdateError

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import EmailItem, Item, UserItem
from chalicelib.kernel.errors import StoreUnavailable
from chalicelib.tenancy.domain.accounts import (
    Account,
    ConsoleSession,
    FailureRecord,
    LinkPurpose,
    LockoutRule,
    OneTimeLink,
)

TTL_GRACE = 3600
FAILURE_WRITE_ATTEMPTS = 4  # optimistic writes of a failure record: concurrent wrong attempts retry


class ConsoleSessionItem(Item):
    tenant_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    generation = NumberAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    ttl = NumberAttribute(null=True)


class OneTimeLinkItem(Item):
    tenant_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    expires_at = NumberAttribute()
    used_at = NumberAttribute(null=True)
    ttl = NumberAttribute(null=True)


class SignInFailureItem(Item):
    attempts = ListAttribute(default=list)  # type: ignore[var-annotated]  # Unix seconds of recent failures
    locked_until = NumberAttribute(default=0)
    version = NumberAttribute(default=0)
    ttl = NumberAttribute(null=True)


def session_pk(token_hash: str) -> str:
    return f"CSESSION#{token_hash}"


def link_pk(token_hash: str) -> str:
    return f"CLINK#{token_hash}"


def failure_pk(subject: str) -> str:
    return f"SIGNIN#{subject}"


def to_account(tenant_id: str, item: UserItem) -> Account:
    return Account(tenant_id=tenant_id, user_id=item.user_id, email=item.email, password_hash=item.password_hash,
                   role=item.role, created_at=int(item.created_at),
                   email_confirmed_at=None if item.email_confirmed_at is None else int(item.email_confirmed_at),
                   session_generation=int(item.session_generation or 0),
                   totp_secret=None if item.totp_secret is None else bytes(item.totp_secret),
                   totp_pending=None if item.totp_pending is None else bytes(item.totp_pending),
                   totp_last_step=int(item.totp_last_step or 0),
                   recovery_codes_left=len(item.recovery_hashes or ()), status=item.status or "active")


class DynamoAccountStore:
    def by_email(self, email: str) -> Account | None:
        try:
            lookup = EmailItem.get(f"EMAIL#{email}", "EMAIL")
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "finding the account") from exc
        return self.get(tenant_id=lookup.tenant_id, user_id=lookup.user_id)

    def get(self, *, tenant_id: str, user_id: str) -> Account | None:
        try:
            return to_account(tenant_id, UserItem.get(keys.tenant(tenant_id), f"USER#{user_id}"))
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the account") from exc

    def _update_user(self, account: Account, actions: list, what: str) -> UserItem:  # type: ignore[type-arg]
        item = UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}")
        try:
            # never create a user out of an update
            item.update(actions=actions, condition=UserItem.pk.exists())
        except PynamoDBException as exc:
            raise unavailable(exc, what) from exc
        return item

    def confirm_email(self, account: Account, *, now: int) -> None:
        # if_not_exists: the first confirmation's time stays when a second link is opened
        self._update_user(account, [UserItem.email_confirmed_at.set(UserItem.email_confirmed_at | now)],
                          "confirming the e-mail")

    def set_password(self, account: Account, *, password_hash: str) -> int:
        """New password; every session of the account ends with it. Returns the new session generation."""
        item = self._update_user(account, [UserItem.password_hash.set(password_hash),
                                           UserItem.session_generation.set((UserItem.session_generation | 0) + 1)],
                                 "saving the password")
        return int(item.session_generation or 0)

    def end_sessions(self, account: Account) -> int:
        item = self._update_user(account, [UserItem.session_generation.set((UserItem.session_generation | 0) + 1)],
                                 "signing out everywhere")
        return int(item.session_generation or 0)

    def begin_two_step(self, account: Account, *, pending: bytes) -> None:
        self._update_user(account, [UserItem.totp_pending.set(pending)], "starting two-step sign-in")

    def enable_two_step(self, account: Account, *, pending: bytes, recovery_hashes: list[str]) -> bool:
        """Makes the pending secret the account's; False when another enrolment replaced it meanwhile."""
        item = UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}")
        try:
            # the secret whose code was checked must still be the pending one (two tabs enrolling at once)
            item.update(actions=[UserItem.totp_secret.set(pending), UserItem.totp_pending.remove(),
                                 UserItem.recovery_hashes.set(set(recovery_hashes)),
                                 UserItem.totp_last_step.remove()],
                        condition=UserItem.pk.exists() & (UserItem.totp_pending == pending))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "turning on two-step sign-in") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "turning on two-step sign-in") from exc
        return True

    def disable_two_step(self, account: Account) -> None:
        self._update_user(account, [UserItem.totp_secret.remove(), UserItem.totp_pending.remove(),
                                    UserItem.recovery_hashes.remove(), UserItem.totp_last_step.remove()],
                          "turning off two-step sign-in")

    def use_totp_step(self, account: Account, step: int) -> bool:
        """Records that a code of this 30-second step was used; False if it (or a later one) already was."""
        item = UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}")
        try:
            # a code is good once: an eavesdropped or shoulder-surfed code cannot be replayed in its window
            item.update(actions=[UserItem.totp_last_step.set(step)],
                        condition=UserItem.pk.exists() & (UserItem.totp_last_step.does_not_exist()
                                                          | (UserItem.totp_last_step < step)))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "checking the code") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "checking the code") from exc
        return True

    def use_recovery_code(self, account: Account, code_hash: str) -> bool:
        """Spends one recovery code; False if it is not (or no longer) one of the account's."""
        item = UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}")
        try:
            # contains() then DELETE in one conditional write: of two uses of a code exactly one succeeds
            item.update(actions=[UserItem.recovery_hashes.delete({code_hash})],
                        condition=UserItem.recovery_hashes.contains(code_hash))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "checking the recovery code") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "checking the recovery code") from exc
        return True

    def put_session(self, session: ConsoleSession) -> None:
        item = ConsoleSessionItem(session_pk(session.token_hash), "SESSION", tenant_id=session.tenant_id,
                                  user_id=session.user_id, generation=session.generation,
                                  created_at=session.created_at, expires_at=session.expires_at,
                                  ttl=session.expires_at + TTL_GRACE)
        try:
            # 256 random bits: a clash is a bug, and must never hand one person another's session
            item.save(condition=ConsoleSessionItem.pk.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc, "starting the session") from exc

    def session(self, token_hash: str, *, csrf: str) -> ConsoleSession | None:
        try:
            item = ConsoleSessionItem.get(session_pk(token_hash), "SESSION")
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the session") from exc
        return ConsoleSession(token_hash=token_hash, tenant_id=item.tenant_id, user_id=item.user_id, csrf=csrf,
                              generation=int(item.generation), created_at=int(item.created_at),
                              expires_at=int(item.expires_at))

    def extend_session(self, session: ConsoleSession, *, expires_at: int) -> None:
        item = ConsoleSessionItem(session_pk(session.token_hash), "SESSION")
        try:
            # only a session that still exists is extended: a signed-out one stays out
            item.update(actions=[ConsoleSessionItem.expires_at.set(expires_at),
                                 ConsoleSessionItem.ttl.set(expires_at + TTL_GRACE)],
                        condition=ConsoleSessionItem.pk.exists())
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "renewing the session") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "renewing the session") from exc

    def delete_session(self, token_hash: str) -> None:
        try:
            ConsoleSessionItem(session_pk(token_hash), "SESSION").delete()  # signing out twice is fine
        except PynamoDBException as exc:
            raise unavailable(exc, "ending the session") from exc

    def put_link(self, link: OneTimeLink) -> None:
        item = OneTimeLinkItem(link_pk(link.token_hash), link.purpose.value, tenant_id=link.tenant_id,
                               user_id=link.user_id, expires_at=link.expires_at, ttl=link.expires_at + TTL_GRACE)
        try:
            item.save(condition=OneTimeLinkItem.pk.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc, "saving the link") from exc

    def peek_link(self, token_hash: str, purpose: LinkPurpose, *, now: int) -> OneTimeLink | None:
        try:
            item = OneTimeLinkItem.get(link_pk(token_hash), purpose.value, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the link") from exc
        if item.used_at is not None or int(item.expires_at) <= now:
            return None
        return OneTimeLink(token_hash, purpose, item.tenant_id, item.user_id, int(item.expires_at))

    def use_link(self, token_hash: str, purpose: LinkPurpose, *, now: int) -> OneTimeLink | None:
        """Marks the link used and returns it, or None when it is unknown, used or expired: of two
        concurrent uses exactly one gets it."""
        item = OneTimeLinkItem(link_pk(token_hash), purpose.value)
        try:
            item.update(actions=[OneTimeLinkItem.used_at.set(now)],
                        condition=OneTimeLinkItem.pk.exists() & OneTimeLinkItem.used_at.does_not_exist()
                        & (OneTimeLinkItem.expires_at > now))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise unavailable(exc, "using the link") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "using the link") from exc
        return OneTimeLink(token_hash, purpose, item.tenant_id, item.user_id, int(item.expires_at))

    def failures(self, subject: str) -> FailureRecord:
        try:
            item = SignInFailureItem.get(failure_pk(subject), "FAIL", consistent_read=True)
        except DoesNotExist:
            return FailureRecord()
        except PynamoDBException as exc:
            raise unavailable(exc, "checking sign-in attempts") from exc
        return FailureRecord(attempts=tuple(int(t) for t in item.attempts or ()),
                             locked_until=int(item.locked_until or 0))

    def record_failure(self, subject: str, *, now: int, rule: LockoutRule) -> FailureRecord:
        """One more wrong attempt, applied to the record as stored: a write conditioned on the version read,
        so two wrong attempts at once both count."""
        for _ in range(FAILURE_WRITE_ATTEMPTS):
            try:
                try:
                    current = SignInFailureItem.get(failure_pk(subject), "FAIL", consistent_read=True)
                except DoesNotExist:
                    current = None
                seen = FailureRecord() if current is None else FailureRecord(
                    attempts=tuple(int(t) for t in current.attempts or ()),
                    locked_until=int(current.locked_until or 0))
                version = 0 if current is None else int(current.version or 0)
                after = seen.after_failure(now, rule)
                item = SignInFailureItem(failure_pk(subject), "FAIL", attempts=list(after.attempts),
                                         locked_until=after.locked_until, version=version + 1,
                                         ttl=max(now + rule.window, after.locked_until) + TTL_GRACE)
                condition = (SignInFailureItem.pk.does_not_exist() if current is None
                             else SignInFailureItem.version == version)
                item.save(condition=condition)
                return after
            except PutError as exc:
                if not is_condition_failure(exc):
                    raise unavailable(exc, "recording the sign-in attempt") from exc
            except PynamoDBException as exc:
                raise unavailable(exc, "recording the sign-in attempt") from exc
        raise StoreUnavailable("the data store did not complete recording the sign-in attempt (busy); retry")

    def clear_failures(self, subject: str) -> None:
        try:
            SignInFailureItem(failure_pk(subject), "FAIL").delete()
        except PynamoDBException as exc:
            raise unavailable(exc, "clearing sign-in attempts") from exc
