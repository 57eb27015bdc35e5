"""In-memory ports for unit tests, with the same rules as the DynamoDB stores in chalicelib/store/.

One RLock may be shared by the stores (as one table is) so that the sale ledger's "transaction" is
atomic across orders, keys and outbox; every fake also works alone with its own lock.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout
from chalicelib.catalog.domain import Product
from chalicelib.kernel.errors import (
    Conflict,
    DecryptionRefused,
    EmailUnavailable,
    NotFound,
    PaymentProviderUnavailable,
    QueueUnavailable,
    StoreUnavailable,
    VersionConflict,
    WebhookRejected,
)
from chalicelib.kernel.ports import OutboxMessage, Page
from chalicelib.sales.domain.payments import PaymentEvent, PaymentIntentView
from chalicelib.tenancy.domain.models import ApiKey, Tenant, User
from tests.fakes_orders import FakeOrderStore, _page
from tests.fakes_pool import FakeKeyPool, FakeSaleLedger

__all__ = [
    "FakeCipher", "FakeHasher", "FakeKeyPool", "FakeMailer", "FakeOrderStore", "FakeOutbox", "FakePayments",
    "FakeProductStore", "FakeQueue", "FakeSaleLedger", "FakeTenantStore", "FixedClock",
]


class FixedClock:
    def __init__(self, now: int = 1_700_000_000) -> None:
        self._now = now

    def now(self) -> int:
        return self._now

    def set(self, now: int) -> None:
        self._now = now

    def advance(self, seconds: int) -> int:
        self._now += seconds
        return self._now


class FakeHasher:
    def hash(self, password: str) -> str:
        return "fakehash$" + hashlib.sha256(password.encode()).hexdigest()


class FakeTenantStore:
    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self.slugs: dict[str, str] = {}
        self.emails: dict[str, tuple[str, str]] = {}
        self.users: dict[tuple[str, str], User] = {}
        self.api_keys: dict[str, ApiKey] = {}

    def create(self, *, tenant: Tenant, owner: User, api_key: ApiKey | None) -> None:
        with self.lock:  # all or nothing, slug checked before e-mail (as the transaction reports it)
            if tenant.slug in self.slugs:
                raise Conflict(f"the shop address '{tenant.slug}' is taken; choose another slug",
                               code="slug_taken", param="slug")
            if owner.email in self.emails:
                raise Conflict("an account with this e-mail already exists", code="email_taken", param="email")
            self.slugs[tenant.slug] = tenant.id
            self.emails[owner.email] = (tenant.id, owner.id)
            self.tenants[tenant.id] = tenant
            self.users[(tenant.id, owner.id)] = owner
            if api_key is not None:
                self.api_keys[api_key.key_hash] = dataclasses.replace(api_key, revoked=False)

    def get(self, *, tenant_id: str) -> Tenant:
        with self.lock:
            if tenant_id not in self.tenants:
                raise NotFound("no such tenant")
            return self.tenants[tenant_id]

    def by_slug(self, slug: str) -> Tenant | None:
        with self.lock:
            tenant_id = self.slugs.get(slug)
            return None if tenant_id is None else self.get(tenant_id=tenant_id)

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self.lock:
            return self.api_keys.get(key_hash)

    def revoke(self, key_hash: str) -> None:
        """Test helper (no port method yet): mark an API key revoked."""
        with self.lock:
            self.api_keys[key_hash] = dataclasses.replace(self.api_keys[key_hash], revoked=True)


class FakeProductStore:
    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        self.products: dict[tuple[str, str], Product] = {}

    def create(self, product: Product) -> None:
        with self.lock:
            if (product.tenant_id, product.id) in self.products:  # the store's condition failure
                raise StoreUnavailable("the data store did not complete saving the product "
                                       "(ConditionalCheckFailedException); retry the request")
            self.products[(product.tenant_id, product.id)] = product

    def get(self, *, tenant_id: str, product_id: str) -> Product:
        with self.lock:
            if (tenant_id, product_id) not in self.products:
                raise NotFound("no such product", param="product_id")
            return self.products[(tenant_id, product_id)]

    # Where it stands in for the catalog's directory: its copies are never old.
    def recent(self, *, tenant_id: str, product_id: str) -> Product:
        return self.get(tenant_id=tenant_id, product_id=product_id)

    def forget(self, *, tenant_id: str, product_id: str) -> None:
        return None

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("pk", "sk"))  # its pk is ignored: never another tenant
        with self.lock:
            mine = sorted((p for (t, _), p in self.products.items() if t == tenant_id),
                          key=lambda p: p.id, reverse=True)
        if start is not None:
            mine = [p for p in mine if p.id < str(start["sk"])]
        return _page(mine[:limit + 1], limit, lambda p: {"pk": layout.products(tenant_id), "sk": p.id})

    def every_product(self) -> Iterator[Product]:
        with self.lock:
            products = list(self.products.values())
        yield from products

    def update(self, product: Product, *, expected_version: int) -> None:
        with self.lock:  # the store's condition: it exists, at the version the writer read
            current = self.products.get((product.tenant_id, product.id))
            if current is None:
                raise NotFound("no such product")
            if current.version != expected_version:
                raise VersionConflict(f"the product changed since version {expected_version} was read")
            self.products[(product.tenant_id, product.id)] = product


class FakeOutbox:
    def __init__(self, *, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        self.messages: dict[tuple[str, str], OutboxMessage] = {}
        self.done: dict[tuple[str, str], int] = {}
        self.mailed_at: dict[tuple[str, str], int] = {}

    def put(self, message: OutboxMessage) -> None:
        with self.lock:
            self.messages[(message.tenant_id, message.id)] = message
            self.done.pop((message.tenant_id, message.id), None)

    def pending(self, *, older_than: int, limit: int) -> list[OutboxMessage]:
        with self.lock:
            found = [(layout.due("OBX", m.id), layout.due_sk(m.created_at, m.id), m)
                     for key, m in self.messages.items() if key not in self.done and m.created_at < older_than]
        found.sort(key=lambda f: (f[0], f[1]))
        return [f[2] for f in found[:limit]]

    def mark_done(self, message: OutboxMessage, *, now: int, mailed: bool = False) -> None:
        with self.lock:
            self.done[(message.tenant_id, message.id)] = now
            if mailed:
                self.mailed_at[(message.tenant_id, message.id)] = now

    def mark_done_many(self, messages: Sequence[OutboxMessage], *, now: int, mailed: Collection[str] = ()) -> None:
        for message in messages:
            self.mark_done(message, now=now, mailed=message.id in mailed)

    def mailed(self, *, tenant_id: str, outbox_ids: Sequence[str]) -> dict[str, int]:
        with self.lock:
            return {i: self.mailed_at[(tenant_id, i)] for i in outbox_ids if (tenant_id, i) in self.mailed_at}


class FakeCipher:
    """Reversible, never plaintext: XOR with a keystream from the tenant's branch key and the context.
    A ciphertext only opens under the tenant, purpose and product it was made for."""

    PREFIX = b"fakeenc1:"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.branch_keys: dict[str, bytes] = {}
        self.decrypts = 0

    def create_tenant_key(self) -> str:
        with self._lock:
            branch_key_id = f"bk-{next(self._ids):06d}"
            self.branch_keys[branch_key_id] = hashlib.sha256(b"branch:" + branch_key_id.encode()).digest()
            return branch_key_id

    def _seal(self, branch_key_id: str, context: str, plaintext: bytes) -> bytes:
        key = self.branch_keys[branch_key_id]
        tag = hmac.new(key, context.encode(), hashlib.sha256).digest()[:8]
        return self.PREFIX + base64.b64encode(tag + _xor(key, context, plaintext))

    def _open(self, branch_key_id: str, context: str, ciphertext: bytes) -> bytes:
        key = self.branch_keys.get(branch_key_id)
        if key is None or not ciphertext.startswith(self.PREFIX):
            raise DecryptionRefused("this ciphertext does not belong to this shop and purpose")
        raw = base64.b64decode(ciphertext[len(self.PREFIX):])
        if not hmac.compare_digest(raw[:8], hmac.new(key, context.encode(), hashlib.sha256).digest()[:8]):
            raise DecryptionRefused("this ciphertext does not belong to this shop and purpose")
        with self._lock:
            self.decrypts += 1
        return _xor(key, context, raw[8:])

    def encrypt_keys(self, *, tenant: Tenant, product_id: str, values: Sequence[str]) -> list[bytes]:
        ctx = f"{tenant.id}|card_key|{product_id}"
        return [self._seal(tenant.branch_key_id, ctx, v.encode()) for v in values]

    def decrypt_key(self, *, tenant: Tenant, product_id: str, ciphertext: bytes) -> str:
        return self._open(tenant.branch_key_id, f"{tenant.id}|card_key|{product_id}", ciphertext).decode()

    def encrypt_secret(self, *, tenant_id: str, branch_key_id: str, secret: bytes) -> bytes:
        return self._seal(branch_key_id, f"{tenant_id}|fingerprint_secret", secret)

    def decrypt_secret(self, *, tenant: Tenant) -> bytes:
        return self._open(tenant.branch_key_id, f"{tenant.id}|fingerprint_secret", tenant.fingerprint_key_ciphertext)

    def encrypt_account_secret(self, *, tenant: Tenant, user_id: str, secret: bytes) -> bytes:
        return self._seal(tenant.branch_key_id, f"{tenant.id}|account_secret|{user_id}", secret)

    def decrypt_account_secret(self, *, tenant: Tenant, user_id: str, ciphertext: bytes) -> bytes:
        return self._open(tenant.branch_key_id, f"{tenant.id}|account_secret|{user_id}", ciphertext)

    def encrypt_bundle(self, *, tenant: Tenant, order_id: str, plaintext: bytes) -> bytes:
        return self._seal(tenant.branch_key_id, f"{tenant.id}|order_keys|{order_id}", plaintext)

    def decrypt_bundle(self, *, tenant: Tenant, order_id: str, ciphertext: bytes) -> bytes:
        return self._open(tenant.branch_key_id, f"{tenant.id}|order_keys|{order_id}", ciphertext)


def _xor(key: bytes, context: str, data: bytes) -> bytes:
    stream = b"".join(hashlib.sha256(key + context.encode() + i.to_bytes(4, "big")).digest()
                      for i in range(len(data) // 32 + 1))
    return bytes(a ^ b for a, b in zip(data, stream, strict=False))


class FakePayments:
    """PaymentIntents in memory; webhooks signed like Stripe's: `t=<ts>,v1=<HMAC-SHA256(t.payload)>`."""

    publishable_key = "pk_test_fake"
    TOLERANCE = 300

    def __init__(self, *, clock: Any, webhook_secret: str = "whsec_fake") -> None:
        self._clock = clock
        self._secret = webhook_secret.encode()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.intents: dict[str, PaymentIntentView] = {}
        self.by_idempotency: dict[str, str] = {}
        self.created: list[dict[str, Any]] = []
        self.refunds: list[tuple[str, str, str]] = []  # (tenant id, intent id, idempotency key)
        self.fail_create = False

    def create_intent(self, *, tenant: Tenant, amount: int, currency: str, metadata: dict[str, str],
                      idempotency_key: str, email: str) -> PaymentIntentView:
        with self._lock:
            if self.fail_create:
                raise PaymentProviderUnavailable("the payment provider is not answering; retry in a moment")
            if idempotency_key in self.by_idempotency:
                return self.intents[self.by_idempotency[idempotency_key]]
            intent_id = f"pi_fake{next(self._ids):08d}"
            view = PaymentIntentView(intent_id, "requires_payment_method", amount, currency, dict(metadata),
                                     client_secret=f"{intent_id}_secret_x")
            self.intents[intent_id] = view
            self.by_idempotency[idempotency_key] = intent_id
            self.created.append({"tenant_id": tenant.id, "amount": amount, "currency": currency,
                                 "metadata": dict(metadata), "idempotency_key": idempotency_key, "email": email})
            return view

    def retrieve_intent(self, *, tenant: Tenant, intent_id: str) -> PaymentIntentView:
        with self._lock:
            if intent_id not in self.intents:
                raise PaymentProviderUnavailable("the payment provider is not answering; retry in a moment")
            return self.intents[intent_id]

    def set_status(self, intent_id: str, status: str) -> PaymentIntentView:
        """Test helper: what the buyer's card did (e.g. 'succeeded')."""
        with self._lock:
            self.intents[intent_id] = dataclasses.replace(self.intents[intent_id], status=status)
            return self.intents[intent_id]

    def refund(self, *, tenant: Tenant, intent_id: str, idempotency_key: str) -> str:
        with self._lock:
            self.refunds.append((tenant.id, intent_id, idempotency_key))
            return "re_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]

    def sign(self, payload: bytes, *, timestamp: int | None = None) -> str:
        t = self._clock.now() if timestamp is None else timestamp
        mac = hmac.new(self._secret, f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        return f"t={t},v1={mac}"

    def event(self, event_type: str, intent: PaymentIntentView, *, event_id: str) -> tuple[bytes, str]:
        """Test helper: a signed webhook body for an intent (any fields, e.g. a tampered amount)."""
        obj = {"object": "payment_intent", "id": intent.id, "status": intent.status, "amount": intent.amount,
               "currency": intent.currency, "metadata": intent.metadata}
        payload = json.dumps({"id": event_id, "type": event_type, "data": {"object": obj}}).encode()
        return payload, self.sign(payload)

    def parse_event(self, *, payload: bytes, signature: str) -> PaymentEvent | None:
        parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
        t, v1 = parts.get("t", ""), parts.get("v1", "")
        expected = hmac.new(self._secret, f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        if not t.isdigit() or not hmac.compare_digest(v1, expected) \
                or abs(self._clock.now() - int(t)) > self.TOLERANCE:
            raise WebhookRejected("the Stripe signature is missing, wrong or too old", code="invalid_signature")
        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise WebhookRejected("the webhook body is not valid JSON", code="invalid_payload") from exc
        obj = event["data"]["object"]
        if obj.get("object") != "payment_intent":
            return None
        view = PaymentIntentView(str(obj["id"]), str(obj["status"]), int(obj["amount"]), str(obj["currency"]),
                                 {str(k): str(v) for k, v in (obj.get("metadata") or {}).items()})
        return PaymentEvent(id=str(event["id"]), type=str(event["type"]), intent=view)


class FakeMailer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[dict[str, str]] = []
        self.fail = False

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        with self._lock:
            if self.fail:
                raise EmailUnavailable("the e-mail service is not answering")
            self.sent.append({"to": to, "subject": subject, "text": text, "html": html})
            return f"msg-{len(self.sent)}"


class FakeQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[dict[str, str]] = []
        self.delays: list[int] = []  # each message's delay, in the order sent
        self.acknowledged: list[str] = []  # receipt handles a consumer deleted
        self.fail = False

    def send(self, body: dict[str, str], *, delay_seconds: int = 0) -> None:
        with self._lock:
            if self.fail:
                raise QueueUnavailable("the notification queue is not answering")
            self.sent.append(dict(body))
            self.delays.append(delay_seconds)

    def acknowledge(self, receipt_handles: Sequence[str]) -> None:
        with self._lock:
            self.acknowledged.extend(receipt_handles)


class RecordingEvents:
    """The EventPublisher port, keeping what was published; one event per dedupe key, as the real one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published: list[dict[str, Any]] = []
        self._ids: dict[tuple[str, str], str] = {}

    def publish(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str) -> str:
        with self._lock:
            key = (tenant_id, dedupe_key)
            if key not in self._ids:
                self._ids[key] = f"evt_{len(self._ids) + 1}"
                self.published.append({"tenant_id": tenant_id, "type": type, "data": data, "dedupe_key": dedupe_key})
            return self._ids[key]
