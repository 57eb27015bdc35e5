"""Sign-in links and buyer sessions, each an item keyed by the SHA-256 of its token; the table's TTL ends them."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import Item
from chalicelib.storefront.domain.lookup import BuyerSession

LINK_SK, SESSION_SK = "LINK", "SESSION"
TTL_GRACE = 3600  # TTL deletes lazily anyway; reads check expires_at themselves


def link_pk(tenant_id: str, token_hash: str) -> str:
    return f"T#{tenant_id}#BUYERLINK#{token_hash}"


def session_pk(tenant_id: str, token_hash: str) -> str:
    return f"T#{tenant_id}#BUYERSESSION#{token_hash}"


class BuyerTokenItem(Item):
    email = UnicodeAttribute()
    expires_at = NumberAttribute()
    ttl = NumberAttribute(null=True)


class DynamoBuyerSessions:
    def _put(self, pk: str, sk: str, email: str, expires_at: int, what: str) -> None:
        item = BuyerTokenItem(pk, sk, email=email, expires_at=expires_at, ttl=expires_at + TTL_GRACE)
        try:
            # The token is 256 random bits, so a clash means a bug; never overwrite another buyer's item.
            item.save(condition=BuyerTokenItem.pk.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc, what) from exc

    def _get(self, pk: str, sk: str, now: int, what: str) -> BuyerTokenItem | None:
        try:
            item = BuyerTokenItem.get(pk, sk)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise unavailable(exc, what) from exc
        # TTL removes items up to days late: the expiry is checked here, not left to the table.
        return item if int(item.expires_at) > now else None

    def put_link(self, *, tenant_id: str, token_hash: str, email: str, expires_at: int) -> None:
        self._put(link_pk(tenant_id, token_hash), LINK_SK, email, expires_at, "saving the sign-in link")

    def link_email(self, *, tenant_id: str, token_hash: str, now: int) -> str | None:
        item = self._get(link_pk(tenant_id, token_hash), LINK_SK, now, "reading the sign-in link")
        return None if item is None else str(item.email)

    def put_session(self, *, tenant_id: str, token_hash: str, email: str, expires_at: int) -> None:
        self._put(session_pk(tenant_id, token_hash), SESSION_SK, email, expires_at, "starting the session")

    def session(self, *, tenant_id: str, token_hash: str, now: int) -> BuyerSession | None:
        item = self._get(session_pk(tenant_id, token_hash), SESSION_SK, now, "reading the session")
        return None if item is None else BuyerSession(tenant_id, str(item.email), int(item.expires_at))

    def delete_session(self, *, tenant_id: str, token_hash: str) -> None:
        try:
            # Unconditional: signing out twice, or with a session already gone, is the same success.
            BuyerTokenItem(session_pk(tenant_id, token_hash), SESSION_SK).delete()
        except PynamoDBException as exc:
            raise unavailable(exc, "ending the session") from exc
