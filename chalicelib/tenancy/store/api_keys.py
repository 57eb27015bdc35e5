"""API keys: a lookup item per secret hash (for authentication) and a record per key under the tenant."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import ApiKeyItem, ApiKeyRecordItem, transaction_connection
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.kernel.ports import Page
from chalicelib.tenancy.domain.models import ApiKey

NOT_FOUND = "no such API key"
TOUCH_EVERY_SECONDS = 60  # last-used time is kept to the minute: one write per key per minute at most


def records_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#APIKEYS"


def lookup_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def record_item(key: ApiKey) -> ApiKeyRecordItem:
    return ApiKeyRecordItem(records_pk(key.tenant_id), key.id, name=key.name, scopes=list(key.scopes),
                            created_at=key.created_at, revoked=key.revoked, key_hash=key.key_hash, hint=key.hint)


def lookup_item(key: ApiKey) -> ApiKeyItem:
    return ApiKeyItem(lookup_pk(key.key_hash), "APIKEY", tenant_id=key.tenant_id, key_id=key.id, name=key.name,
                      scopes=list(key.scopes), created_at=key.created_at, revoked=key.revoked,
                      expires_at=key.expires_at)


def from_lookup(item: ApiKeyItem, key_hash: str) -> ApiKey:
    return ApiKey(tenant_id=item.tenant_id, id=item.key_id, key_hash=key_hash, name=item.name,
                  scopes=tuple(str(s) for s in (item.scopes or ())), created_at=int(item.created_at),
                  revoked=bool(item.revoked),
                  expires_at=int(item.expires_at) if item.expires_at is not None else None,
                  last_used_at=int(item.last_used_at) if item.last_used_at is not None else None)


def _from_record(tenant_id: str, item: ApiKeyRecordItem) -> ApiKey:
    return ApiKey(tenant_id=tenant_id, id=item.sk, key_hash=item.key_hash, name=item.name,
                  scopes=tuple(str(s) for s in (item.scopes or ())), created_at=int(item.created_at),
                  revoked=bool(item.revoked), hint=item.hint or "",
                  last_used_at=int(item.last_used_at) if item.last_used_at is not None else None)


class DynamoApiKeyStore:
    def add(self, key: ApiKey) -> None:
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.save(lookup_item(key), condition=ApiKeyItem.pk.does_not_exist())
                tx.save(record_item(key), condition=ApiKeyRecordItem.sk.does_not_exist())
        except (TransactWriteError, PynamoDBException) as exc:
            raise unavailable(exc, "creating the API key") from exc

    def _record(self, tenant_id: str, key_id: str) -> ApiKeyRecordItem:
        try:
            return ApiKeyRecordItem.get(records_pk(tenant_id), key_id, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(NOT_FOUND, param="api_key_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the API key") from exc

    def get(self, *, tenant_id: str, key_id: str) -> ApiKey:
        return _from_record(tenant_id, self._record(tenant_id, key_id))

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        last = {"pk": {"S": records_pk(tenant_id)}, "sk": {"S": str(start["sk"])}} if start else None
        try:
            # One extra item tells whether another page exists. Key ids are ULIDs: newest first.
            found = list(ApiKeyRecordItem.query(records_pk(tenant_id), limit=limit + 1, last_evaluated_key=last,
                                                scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing API keys") from exc
        more = len(found) > limit
        return Page([_from_record(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"sk": found[limit - 1].sk}) if more else None)

    def count_active(self, *, tenant_id: str, now: int) -> int:
        try:
            return sum(1 for i in ApiKeyRecordItem.query(records_pk(tenant_id)) if not i.revoked)
        except PynamoDBException as exc:
            raise unavailable(exc, "counting API keys") from exc

    def rename(self, *, tenant_id: str, key_id: str, name: str) -> ApiKey:
        record = self._record(tenant_id, key_id)
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.update(record, actions=[ApiKeyRecordItem.name.set(name)], condition=ApiKeyRecordItem.sk.exists())
                tx.update(ApiKeyItem(lookup_pk(record.key_hash), "APIKEY"), actions=[ApiKeyItem.name.set(name)],
                          condition=ApiKeyItem.pk.exists())
        except (TransactWriteError, PynamoDBException) as exc:
            raise unavailable(exc, "renaming the API key") from exc
        return self.get(tenant_id=tenant_id, key_id=key_id)

    def rotate(self, *, tenant_id: str, key_id: str, new_hash: str, new_hint: str, old_expires_at: int) -> ApiKey:
        record = self._record(tenant_id, key_id)
        if record.revoked:
            raise Conflict("this API key is revoked; create a new one", code="api_key_revoked", param="api_key_id")
        fresh = ApiKey(tenant_id=tenant_id, id=key_id, key_hash=new_hash, name=record.name,
                     scopes=tuple(str(s) for s in (record.scopes or ())), created_at=int(record.created_at),
                       hint=new_hint)
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                # The record still names the hash we read: two rotations at once cannot both win.
                tx.update(record, actions=[ApiKeyRecordItem.key_hash.set(new_hash), ApiKeyRecordItem.hint.set(new_hint),
                                           ApiKeyRecordItem.prev_hash.set(record.key_hash),
                                           ApiKeyRecordItem.prev_expires_at.set(old_expires_at)],
                          condition=(ApiKeyRecordItem.key_hash == record.key_hash)
                          & (ApiKeyRecordItem.revoked == False))  # noqa: E712
                tx.save(lookup_item(fresh), condition=ApiKeyItem.pk.does_not_exist())
                tx.update(ApiKeyItem(lookup_pk(record.key_hash), "APIKEY"),
                          actions=[ApiKeyItem.expires_at.set(old_expires_at)])
                if record.prev_hash:
                    # A secret from an earlier rotation ends now: at most two secrets are ever live.
                    tx.update(ApiKeyItem(lookup_pk(record.prev_hash), "APIKEY"),
                              actions=[ApiKeyItem.revoked.set(True)])
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("the key was rotated or revoked at the same moment; read it again",
                               code="api_key_changed", param="api_key_id") from exc
            raise unavailable(exc, "rotating the API key") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "rotating the API key") from exc
        return self.get(tenant_id=tenant_id, key_id=key_id)

    def revoke(self, *, tenant_id: str, key_id: str) -> ApiKey:
        record = self._record(tenant_id, key_id)
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.update(record, actions=[ApiKeyRecordItem.revoked.set(True)], condition=ApiKeyRecordItem.sk.exists())
                for key_hash in filter(None, {record.key_hash, record.prev_hash}):
                    tx.update(ApiKeyItem(lookup_pk(key_hash), "APIKEY"), actions=[ApiKeyItem.revoked.set(True)])
        except (TransactWriteError, PynamoDBException) as exc:
            raise unavailable(exc, "revoking the API key") from exc
        return self.get(tenant_id=tenant_id, key_id=key_id)

    def touch(self, *, key: ApiKey, now: int) -> None:
        """Records use at most once a minute; losing a touch to a race or an outage is harmless."""
        if key.last_used_at is not None and now - key.last_used_at < TOUCH_EVERY_SECONDS:
            return
        try:
            ApiKeyItem(lookup_pk(key.key_hash), "APIKEY").update(
                actions=[ApiKeyItem.last_used_at.set(now)],
                # Only the first request of the minute writes; concurrent ones fail the condition cheaply.
                condition=ApiKeyItem.last_used_at.does_not_exist()
                | (ApiKeyItem.last_used_at < now - TOUCH_EVERY_SECONDS + 1))
            ApiKeyRecordItem(records_pk(key.tenant_id), key.id).update(
                actions=[ApiKeyRecordItem.last_used_at.set(now)], condition=ApiKeyRecordItem.sk.exists())
        except PynamoDBException as exc:
            if not is_condition_failure(exc):
                import logging

                logging.getLogger(__name__).warning("could not record API key use", extra={"key_id": key.id})
