"""Rate-limit window counters and idempotency records; both expire through the table's TTL."""

from __future__ import annotations

import hashlib

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import Item
from chalicelib.kernel.conventions import IdempotencyRecord, StoredReply


class RateWindowItem(Item):
    hits = NumberAttribute(default=0)
    ttl = NumberAttribute(null=True)


class IdempotencyItem(Item):
    fp = UnicodeAttribute()
    state = UnicodeAttribute()
    token = UnicodeAttribute()
    locked_until = NumberAttribute()
    status = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()
    ttl = NumberAttribute(null=True)


def _prefix(tenant_id: str | None) -> str:
    # Tenant-scoped routes keep their counters under the tenant; sign-up has no tenant yet.
    return f"T#{tenant_id}#" if tenant_id else "PLATFORM#"


def _idem_pk(tenant_id: str | None, owner: str, key: str) -> str:
    # Keys are per API key (or client IP); the client's key is hashed: up to 255 characters of anything.
    return f"{_prefix(tenant_id)}IDEM#{owner}#{hashlib.sha256(key.encode()).hexdigest()}"


class DynamoRateCounter:
    def take(self, *, tenant_id: str | None, subject: str, policy: str, window_start: int, expires_at: int,
             tokens: int, limit: int) -> int | None:
        if tokens > limit:
            return None  # a window's first lease passes `attribute_not_exists(hits)` whatever its size
        item = RateWindowItem(f"{_prefix(tenant_id)}RL#{policy}#{subject}", f"W#{window_start}")
        try:
            # One conditional ADD: DynamoDB checks and adds atomically on the item, so however many processes
            # lease at once, the count never passes the limit and no more than `limit` tokens are ever granted
            # in the window. `hits <= limit - tokens` is "the lease fits"; a comparison with a missing attribute
            # is false, so the window's first lease needs `attribute_not_exists(hits)`. No read before, and the
            # update answers the new count (ALL_NEW), which sizes the process's next lease.
            item.update(actions=[RateWindowItem.hits.add(tokens), RateWindowItem.ttl.set(expires_at)],
                        condition=RateWindowItem.hits.does_not_exist() | (RateWindowItem.hits <= limit - tokens))
        except PynamoDBException as exc:
            if is_condition_failure(exc):
                return None
            raise unavailable(exc, "counting the request") from exc
        return int(item.hits)


class DynamoIdempotencyStore:
    def claim(self, *, tenant_id: str | None, owner: str, key: str, fingerprint: str, token: str, now: int,
              lock_seconds: int,
              expires_at: int) -> IdempotencyRecord | None:
        item = IdempotencyItem(_idem_pk(tenant_id, owner, key), "IDEM", fp=fingerprint, state="running", token=token,
                               locked_until=now + lock_seconds, expires_at=expires_at, ttl=expires_at + 3600)
        try:
            # First use of the key, or a record whose 24 h are over (TTL deletes lazily, so check the time).
            item.save(condition=IdempotencyItem.pk.does_not_exist() | (IdempotencyItem.expires_at < now))
            return None
        except PynamoDBException as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "recording the idempotency key") from exc
        try:
            held = IdempotencyItem.get(_idem_pk(tenant_id, owner, key), "IDEM", consistent_read=True)
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the idempotency key") from exc
        reply = StoredReply(int(held.status), held.body or "") if held.state == "done" and held.status else None
        return IdempotencyRecord(fingerprint=held.fp, state=held.state, token=held.token,
                                 locked_until=int(held.locked_until), reply=reply)

    def take_over(self, *, tenant_id: str | None, owner: str, key: str, old_token: str, token: str, now: int,
                  lock_seconds: int) -> bool:
        item = IdempotencyItem(_idem_pk(tenant_id, owner, key), "IDEM")
        try:
            # Only the one caller that still sees the dead request's token may take its place.
            item.update(actions=[IdempotencyItem.token.set(token),
                                 IdempotencyItem.locked_until.set(now + lock_seconds)],
                        condition=(IdempotencyItem.token == old_token) & (IdempotencyItem.state == "running"))
            return True
        except PynamoDBException as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "taking over the idempotency key") from exc

    def finish(self, *, tenant_id: str | None, owner: str, key: str, token: str, reply: StoredReply) -> None:
        item = IdempotencyItem(_idem_pk(tenant_id, owner, key), "IDEM")
        try:
            item.update(actions=[IdempotencyItem.state.set("done"), IdempotencyItem.status.set(reply.status),
                                 IdempotencyItem.body.set(reply.body)],
                        condition=IdempotencyItem.token == token)  # never overwrite a taker-over's answer
        except PynamoDBException as exc:
            if is_condition_failure(exc):
                return
            raise unavailable(exc, "saving the idempotent response") from exc

    def release(self, *, tenant_id: str | None, owner: str, key: str, token: str) -> None:
        item = IdempotencyItem(_idem_pk(tenant_id, owner, key), "IDEM")
        try:
            item.delete(condition=(IdempotencyItem.token == token) & (IdempotencyItem.state == "running"))
        except PynamoDBException as exc:
            if is_condition_failure(exc):
                return
            raise unavailable(exc, "releasing the idempotency key") from exc
