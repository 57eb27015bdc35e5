"""Tenants, owners, API keys and the platform lookups (slug, API-key hash, e-mail) that find them."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import (
    ApiKeyItem,
    EmailItem,
    SlugItem,
    TenantItem,
    TenantListItem,
    UserItem,
    transaction_connection,
)
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.tenancy.domain.models import ApiKey, Tenant, User
from chalicelib.tenancy.store.api_keys import from_lookup, lookup_item, record_item


def _tenant(item: TenantItem) -> Tenant:
    return Tenant(
        id=item.pk[2:], slug=item.slug, name=item.name, email=item.email, plan=item.plan,
        branch_key_id=item.branch_key_id, fingerprint_key_ciphertext=bytes(item.fp_key),
        created_at=int(item.created_at), stripe_account_id=item.stripe_account_id,
        logo_url=item.logo_url or "", announcement=item.announcement or "", support_contact=item.support_contact or "",
        show_stock_counts=bool(item.show_stock_counts),
        payment_methods=tuple(str(m) for m in (item.payment_methods or ())) or ("card",),
        locale=item.locale or "en", timezone=item.timezone or "",
    )


TENANT_LIST = "TENANTS"
LIST_PAGE = 500


class DynamoTenantStore:
    def create(self, *, tenant: Tenant, owner: User, api_key: ApiKey | None) -> None:
        """All or nothing: slug, e-mail, tenant, owner and first key (if any) in one transaction."""
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                # attribute_not_exists on the lookup items is what makes slug and e-mail unique.
                tx.save(SlugItem(f"SLUG#{tenant.slug}", "SLUG", tenant_id=tenant.id),
                        condition=SlugItem.pk.does_not_exist())
                tx.save(EmailItem(f"EMAIL#{owner.email}", "EMAIL", tenant_id=tenant.id, user_id=owner.id),
                        condition=EmailItem.pk.does_not_exist())
                tx.save(TenantItem(
                    keys.tenant(tenant.id), "TENANT", slug=tenant.slug, name=tenant.name, email=tenant.email,
                    plan=tenant.plan, branch_key_id=tenant.branch_key_id,
                    fp_key=tenant.fingerprint_key_ciphertext, created_at=tenant.created_at,
                    stripe_account_id=tenant.stripe_account_id,
                ))
                tx.save(TenantListItem(TENANT_LIST, tenant.id))  # the per-shop jobs find the shop here
                tx.save(UserItem(
                    keys.tenant(tenant.id), f"USER#{owner.id}", user_id=owner.id, email=owner.email,
                    password_hash=owner.password_hash, role=owner.role, created_at=owner.created_at,
                ))
                if api_key is not None:  # a console sign-up makes its API keys later, in the settings
                    tx.save(lookup_item(api_key), condition=ApiKeyItem.pk.does_not_exist())
                    tx.save(record_item(api_key))
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise Conflict(f"the shop address '{tenant.slug}' is taken; choose another slug",
                               code="slug_taken", param="slug") from exc
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                raise Conflict("an account with this e-mail already exists", code="email_taken",
                               param="email") from exc
            raise unavailable(exc, "sign-up") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "sign-up") from exc

    def ids(self, *, after: str | None) -> tuple[list[str], str | None]:
        """A page of every shop's id in id order, after `after`; the next page's `after` (None at the end)."""
        try:
            found = list(TenantListItem.query(TENANT_LIST, TenantListItem.sk > after if after else None,
                                              limit=LIST_PAGE))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing the shops") from exc
        ids = [str(item.sk) for item in found]
        return ids, (ids[-1] if len(ids) == LIST_PAGE else None)

    def get(self, *, tenant_id: str) -> Tenant:
        try:
            return _tenant(TenantItem.get(keys.tenant(tenant_id), "TENANT"))
        except DoesNotExist as exc:
            raise NotFound("no such tenant") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the tenant") from exc

    def update_shop(self, tenant: Tenant) -> None:
        """Saves the storefront's face (name, logo, notice, support, stock display, payment methods, language)."""
        item = TenantItem(keys.tenant(tenant.id), "TENANT")
        try:
            item.update(
                actions=[TenantItem.name.set(tenant.name), TenantItem.logo_url.set(tenant.logo_url),
                         TenantItem.announcement.set(tenant.announcement),
                         TenantItem.support_contact.set(tenant.support_contact),
                         TenantItem.show_stock_counts.set(tenant.show_stock_counts),
                         TenantItem.payment_methods.set(list(tenant.payment_methods)),  # type: ignore[arg-type]
                         TenantItem.locale.set(tenant.locale), TenantItem.timezone.set(tenant.timezone)],
                # never create a half tenant out of an update
                condition=TenantItem.pk.exists(),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise NotFound("no such tenant") from exc
            raise unavailable(exc, "saving the shop settings") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "saving the shop settings") from exc

    def by_slug(self, slug: str) -> Tenant | None:
        try:
            item = SlugItem.get(f"SLUG#{slug}", "SLUG")
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "finding the shop") from exc
        return self.get(tenant_id=item.tenant_id)

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        try:
            item = ApiKeyItem.get(f"APIKEY#{key_hash}", "APIKEY")
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, "checking the API key") from exc
        return from_lookup(item, key_hash)
