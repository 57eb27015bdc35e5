"""Staff roles and what each may do: the one permission matrix the services enforce (docs/console.md shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ...kernel.errors import PermissionDenied


class Role(StrEnum):
    OWNER = "owner"  # everything, including other owners and closing the shop
    ADMIN = "admin"  # runs the shop: everything except managing owners
    OPERATOR = "operator"  # day-to-day: products, keys, orders, after-sales
    FINANCE = "finance"  # money: orders, refunds, reports, exports of what was sold
    VIEWER = "viewer"  # reads, changes nothing


class Permission(StrEnum):
    VIEW = "view"  # dashboard, products, orders, customers (read)
    CATALOG = "catalog.write"  # create and edit products, shelves and windows
    KEYS_IMPORT = "keys.import"
    KEYS_VOID = "keys.void"
    KEYS_REVEAL = "keys.reveal"  # see one key in plaintext, with a reason (audited)
    KEYS_EXPORT = "keys.export"  # unsold keys to a file (audited)
    REFUND = "orders.refund"
    AFTER_SALES = "aftersales.resolve"  # replace, refund or reject a buyer's report
    SETTINGS = "settings.write"  # shop profile, announcement, support contact, payment methods
    INTEGRATIONS = "integrations.manage"  # API keys and webhook endpoints
    STAFF = "staff.manage"  # invite, change roles, remove (owners only by owners)
    AUDIT = "audit.read"  # the activity log and the key access log


_ALL = frozenset(Permission)
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.OPERATOR: frozenset({Permission.VIEW, Permission.CATALOG, Permission.KEYS_IMPORT, Permission.KEYS_VOID,
                              Permission.AFTER_SALES}),
    Role.FINANCE: frozenset({Permission.VIEW, Permission.REFUND, Permission.KEYS_EXPORT, Permission.AUDIT}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}
# Who may give a role: only an owner makes (or removes) owners and admins.
GRANTS: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.ADMIN: frozenset({Role.OPERATOR, Role.FINANCE, Role.VIEWER}),
}


def parse_role(value: object) -> Role:
    from ...kernel.errors import InvalidRequest

    try:
        return Role(str(value))
    except ValueError:
        raise InvalidRequest(f"role must be one of {', '.join(r.value for r in Role)}", param="role") from None


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a staff member (with a role) or an API key (with its scopes), and the request."""

    kind: str  # "staff" or "api_key"
    id: str  # the user id or the API key id
    name: str  # an e-mail address or the API key's name, for the activity log
    role: Role | None = None  # staff only
    request_id: str = ""

    @staticmethod
    def staff(user_id: str, email: str, role: str, request_id: str = "") -> Actor:
        return Actor("staff", user_id, email, Role(role), request_id)

    @staticmethod
    def api_key(key_id: str, name: str, request_id: str = "") -> Actor:
        return Actor("api_key", key_id, name, None, request_id)

    def may(self, permission: Permission) -> bool:
        # API keys are limited by their scopes at the route; what a key's scope allows, it may do here
        return self.role is None or permission in MATRIX[self.role]

    def require(self, permission: Permission) -> None:
        """Refuses (403 `role_forbidden`) before anything changes when the role lacks the permission."""
        if not self.may(permission):
            raise PermissionDenied(f"your role ({self.role}) may not do this ({permission}); ask an owner or admin",
                                   code="role_forbidden", extra={"required_permission": permission.value})

    def may_grant(self, role: Role) -> bool:
        return self.role is None or role in GRANTS.get(self.role, frozenset())


# The platform itself (jobs, benchmarks, seeding scripts run by the operator): acts within no role.
SYSTEM = Actor("system", "system", "kamidrop")
