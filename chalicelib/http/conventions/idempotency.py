"""Idempotency-Key handling: the first answer is kept 24 h; the same key with another request is a conflict."""

from __future__ import annotations

import secrets

from chalicelib.kernel.conventions import IdempotencyClaim, IdempotencyStore, StoredReply
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.ports import Clock

RETENTION_SECONDS = 24 * 3600
# A request that has held its key this long has died (Lambda's limit is 15 min; API Gateway's 29 s).
LOCK_SECONDS = 60


class IdempotencyService:
    def __init__(self, *, store: IdempotencyStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def begin(self, *, tenant_id: str | None, owner: str, key: str, fingerprint: str) -> IdempotencyClaim:
        token = secrets.token_hex(8)
        now = self._clock.now()
        held = self._store.claim(tenant_id=tenant_id, owner=owner, key=key, fingerprint=fingerprint, token=token,
                                 now=now,
                                 lock_seconds=LOCK_SECONDS, expires_at=now + RETENTION_SECONDS)
        if held is None:
            return IdempotencyClaim(tenant_id=tenant_id, owner=owner, key=key, token=token)
        if held.fingerprint != fingerprint:
            raise Conflict("this Idempotency-Key was already used with a different request; use a new key for a "
                           "new request", code="idempotency_key_reused", param="Idempotency-Key")
        if held.reply is not None:
            return IdempotencyClaim(tenant_id=tenant_id, owner=owner, key=key, token=held.token, replay=held.reply)
        if held.locked_until > now or not self._store.take_over(tenant_id=tenant_id, owner=owner, key=key,
                                                                 old_token=held.token,
                                                                 token=token, now=now, lock_seconds=LOCK_SECONDS):
            raise Conflict("a request with this Idempotency-Key is still in progress; retry in a moment",
                           code="idempotency_request_in_progress", param="Idempotency-Key")
        return IdempotencyClaim(tenant_id=tenant_id, owner=owner, key=key, token=token)

    def finish(self, claim: IdempotencyClaim, *, status: int, body: str) -> None:
        self._store.finish(tenant_id=claim.tenant_id, owner=claim.owner, key=claim.key, token=claim.token,
                           reply=StoredReply(status, body))

    def abandon(self, claim: IdempotencyClaim) -> None:
        self._store.release(tenant_id=claim.tenant_id, owner=claim.owner, key=claim.key, token=claim.token)
