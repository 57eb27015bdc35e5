"""A shop's staff: users in the tenant's partition (USER#...), each with the global e-mail lookup that makes an
address one account; invitations, role changes and removals."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import EmailItem, UserItem, transaction_connection
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.tenancy.domain.accounts import Account
from chalicelib.tenancy.store.accounts import to_account

GONE = "no such staff member in this shop"


class DynamoStaffStore:
    def list(self, tenant_id: str) -> list[Account]:
        """Everyone in the shop, oldest first (a shop has tens of people, not thousands: one Query)."""
        try:
            found = UserItem.query(keys.tenant(tenant_id), UserItem.sk.startswith("USER#"))
            return sorted((to_account(tenant_id, i) for i in found), key=lambda a: (a.created_at, a.user_id))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing the staff") from exc

    def invite(self, account: Account, *, invited_by: str) -> None:
        """The invited user and their e-mail lookup, together: an address already in use refuses both."""
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.save(EmailItem(f"EMAIL#{account.email}", "EMAIL", tenant_id=account.tenant_id,
                                  user_id=account.user_id), condition=EmailItem.pk.does_not_exist())
                tx.save(UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}", user_id=account.user_id,
                                 email=account.email, password_hash="", role=account.role,
                                 created_at=account.created_at, status="invited", invited_by=invited_by),
                        condition=UserItem.pk.does_not_exist())
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("this e-mail address already has a kamidrop account (an address belongs to one "
                               "account); invite another address", code="email_taken", param="email") from exc
            raise unavailable(exc, "inviting") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "inviting") from exc

    def activate(self, account: Account, *, password_hash: str, now: int) -> bool:
        """The invitee chose a password: active and confirmed (the link reached them). False if the invitation
        was withdrawn meanwhile."""
        item = UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}")
        try:
            item.update(actions=[UserItem.password_hash.set(password_hash), UserItem.status.remove(),
                                 UserItem.email_confirmed_at.set(now)],
                        condition=UserItem.status == "invited")
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "accepting the invitation") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "accepting the invitation") from exc
        return True

    def set_role(self, account: Account, role: str) -> None:
        """Changes the role the caller saw (a concurrent change wins over this one: 409); sessions carry no role,
        so the next request already runs with the new one."""
        item = UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}")
        try:
            item.update(actions=[UserItem.role.set(role)], condition=UserItem.role == account.role)
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise Conflict("this person's role was changed or they were removed meanwhile; reload the page",
                               code="staff_changed") from exc
            raise unavailable(exc, "changing the role") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "changing the role") from exc

    def remove(self, account: Account) -> None:
        """The user and their e-mail lookup (the address may join another shop later). Their sessions end with
        the user: a session whose user is gone is no session."""
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.delete(UserItem(keys.tenant(account.tenant_id), f"USER#{account.user_id}"),
                          condition=UserItem.role == account.role)
                # only the lookup that points at this very user (never another account's)
                tx.delete(EmailItem(f"EMAIL#{account.email}", "EMAIL"),
                          condition=EmailItem.user_id == account.user_id)
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if "ConditionalCheckFailed" in reasons:
                raise NotFound(GONE) from exc
            raise unavailable(exc, "removing the staff member") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "removing the staff member") from exc
