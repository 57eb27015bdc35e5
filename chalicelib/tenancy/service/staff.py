"""Staff: invitations by e-mail with a role, accepting them, changing roles, removing people; each attributed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.kernel.activity import ActivityEntry, ActivityLog
from chalicelib.kernel.errors import Conflict, NotFound, PermissionDenied
from chalicelib.kernel.i18n import Translator
from chalicelib.kernel.ids import new_id, token_hash
from chalicelib.kernel.ports import Clock
from chalicelib.tenancy.domain.accounts import Account, LinkPurpose, SignedIn
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import AccountStore, StaffStore
from chalicelib.tenancy.domain.roles import Actor, Permission, Role, parse_role
from chalicelib.tenancy.service.accounts import AccountService, Passwords, check_password

GONE = "no such staff member in this shop"


class StaffService:
    def __init__(self, *, staff: StaffStore, accounts: AccountStore, account_service: AccountService,
                 activity: ActivityLog, passwords: Passwords, clock: Clock) -> None:
        self._staff = staff
        self._accounts = accounts
        self._account_service = account_service
        self._activity = activity
        self._passwords = passwords
        self._clock = clock

    def list(self, *, actor: Actor, tenant_id: str) -> list[Account]:
        actor.require(Permission.STAFF)
        return self._staff.list(tenant_id)

    def invite(self, *, actor: Actor, tenant: Tenant, email: Any, role: Any, locale: str) -> Account:
        """A new staff member in the `invited` state and a seven-day link by e-mail to choose a password."""
        actor.require(Permission.STAFF)
        address = v.email(email).strip().lower()
        wanted = parse_role(role)
        self._may_grant(actor, wanted)
        account = Account(tenant_id=tenant.id, user_id=new_id("user"), email=address, password_hash="",
                          role=wanted.value, created_at=self._clock.now(), status="invited")
        self._staff.invite(account, invited_by=actor.id)
        self._account_service.send_link(account, LinkPurpose.INVITE, locale, tenant=tenant,
                                        extra={"inviter": actor.name,
                                               "role": Translator(locale)(f"console.role.{wanted.value}")})
        self._record(actor, tenant.id, "staff.invited", address, {"role": wanted.value})
        return account

    def resend(self, *, actor: Actor, tenant: Tenant, user_id: str, locale: str) -> None:
        actor.require(Permission.STAFF)
        account = self._member(tenant.id, user_id)
        if not account.invited:
            raise Conflict("this person already accepted the invitation", code="staff_active")
        self._account_service.send_link(account, LinkPurpose.INVITE, locale, tenant=tenant,
                                        extra={"inviter": actor.name,
                                               "role": Translator(locale)(f"console.role.{account.role}")})
        self._record(actor, tenant.id, "staff.invitation_resent", account.email, {})

    def invitation(self, token: str | None) -> Account | None:
        """The invitee behind a live invitation link (to greet them on the accept page), or None."""
        if not token or len(token) > 200:
            return None
        link = self._accounts.peek_link(token_hash(token), LinkPurpose.INVITE, now=self._clock.now())
        account = None if link is None else self._accounts.get(tenant_id=link.tenant_id, user_id=link.user_id)
        return account if account is not None and account.invited else None

    def accept(self, *, token: str | None, password: Any) -> SignedIn | None:
        """The invitee's password through the link (once): the account is active and signed in. None: the link
        is unknown, used or expired, or the invitation was withdrawn."""
        chosen = check_password(password)
        if not token or len(token) > 200:
            return None
        now = self._clock.now()
        link = self._accounts.use_link(token_hash(token), LinkPurpose.INVITE, now=now)
        account = None if link is None else self._accounts.get(tenant_id=link.tenant_id, user_id=link.user_id)
        if account is None or not account.invited:
            return None
        if not self._staff.activate(account, password_hash=self._passwords.hash(chosen), now=now):
            return None
        self._record(Actor.staff(account.user_id, account.email, account.role), account.tenant_id,
                     "staff.joined", account.email, {"role": account.role})
        return self._account_service.open_session(replace(account, status="active", email_confirmed_at=now))

    def change_role(self, *, actor: Actor, tenant_id: str, user_id: str, role: Any) -> Account:
        actor.require(Permission.STAFF)
        account = self._member(tenant_id, user_id)
        wanted = parse_role(role)
        if wanted.value == account.role:
            return account
        self._may_grant(actor, Role(account.role))  # an admin cannot demote an owner ...
        self._may_grant(actor, wanted)  # ... nor make one
        if account.role == Role.OWNER and not self._other_owner(tenant_id, account.user_id):
            raise Conflict("a shop keeps at least one owner: make someone else owner first", code="last_owner")
        self._staff.set_role(account, wanted.value)
        self._record(actor, tenant_id, "staff.role_changed", account.email, {"from": account.role, "to": wanted.value})
        return replace(account, role=wanted.value)

    def remove(self, *, actor: Actor, tenant_id: str, user_id: str) -> None:
        """Removes the person (or withdraws the invitation); their sessions end at once."""
        actor.require(Permission.STAFF)
        account = self._member(tenant_id, user_id)
        self._may_grant(actor, Role(account.role))
        if account.role == Role.OWNER and not self._other_owner(tenant_id, account.user_id):
            raise Conflict("a shop keeps at least one owner: make someone else owner first", code="last_owner")
        self._staff.remove(account)
        self._record(actor, tenant_id, "staff.removed", account.email, {"role": account.role})

    # -- helpers ---------------------------------------------------------------------------------------------

    def _member(self, tenant_id: str, user_id: str) -> Account:
        if not user_id.startswith("usr_") or len(user_id) > 64:
            raise NotFound(GONE)
        account = self._accounts.get(tenant_id=tenant_id, user_id=user_id)
        if account is None:
            raise NotFound(GONE)
        return account

    def _other_owner(self, tenant_id: str, user_id: str) -> bool:
        return any(a.role == Role.OWNER and not a.invited and a.user_id != user_id for a in self._staff.list(tenant_id))

    @staticmethod
    def _may_grant(actor: Actor, role: Role) -> None:
        if not actor.may_grant(role):
            raise PermissionDenied(f"only an owner may give or take the {role.value} role", code="role_forbidden",
                                   param="role")

    def _record(self, actor: Actor, tenant_id: str, action: str, target: str, detail: dict[str, str]) -> None:
        self._activity.record(ActivityEntry(tenant_id=tenant_id, id=new_id("activity"), at=self._clock.now(),
                                            actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name,
                                            action=action, target=target, detail=detail))
