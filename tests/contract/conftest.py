"""The `impl` fixture: one set of stores per test, in memory ("fake") or DynamoDB on moto ("dynamo").

Every contract test runs once on each side, so a fake that drifts from its store fails here first.
Ids (tenants, slugs, e-mails, events) are random per test: the DynamoDB tables are shared by a
whole module, and the platform-wide queries (due reservations, expired orders, outbox) are filtered
to the test's own tenant.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.catalog.domain import Product
from chalicelib.inventory.domain.models import KeyRef, NewKey
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.tenancy.domain.models import ApiKey, Tenant, User
from tests.fakes import (
    FakeKeyPool,
    FakeOrderStore,
    FakeOutbox,
    FakeProductStore,
    FakeSaleLedger,
    FakeTenantStore,
)

FAR = 10_000  # a platform-wide listing limit no test table comes near


def token(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


@dataclass
class Stores:
    kind: str
    pool: Any
    orders: Any
    ledger: Any
    outbox: Any
    tenants: Any
    products: Any
    tenant_id: str = field(default_factory=lambda: token("t"))
    product_id: str = field(default_factory=lambda: token("p"))
    # Leases and releases read the wall clock on both sides, so the tests do too.
    now: int = field(default_factory=lambda: int(time.time()))

    # ---- builders ---------------------------------------------------------------------------------
    def new_keys(self, n: int, *, tag: str = "") -> list[NewKey]:
        tag = tag or secrets.token_hex(3)
        return [NewKey(ciphertext=f"ct-{tag}-{i}".encode(), fingerprint=f"fp{tag}{i:04d}", line=i + 1)
                for i in range(n)]

    def fill(self, *, shard: int = 0, n: int, product_id: str | None = None, batch_id: str = "batch-1") -> list[NewKey]:
        """Append n keys at the current end of a shard (an import that commits)."""
        product_id = product_id or self.product_id
        start = self.pool.shard_states(tenant_id=self.tenant_id, product_id=product_id, shards=shard + 1)[-1].size
        new = self.new_keys(n)
        self.pool.append(tenant_id=self.tenant_id, product_id=product_id, shard=shard, start=start,
                         new_keys=new, batch_id=batch_id, now=self.now)
        return new

    def claim(self, order_id: str, count: int, *, shards: int = 1, until: int | None = None) -> list[KeyRef]:
        return self.pool.claim(tenant_id=self.tenant_id, product_id=self.product_id, shards=shards,
                               order_id=order_id, count=count,
                               reserved_until=self.now + 900 if until is None else until)

    def release(self, order_id: str, refs: Sequence[KeyRef]) -> int:
        return self.pool.release(tenant_id=self.tenant_id, product_id=self.product_id, order_id=order_id,
                                 refs=refs)

    def states(self, shards: int = 1) -> list[Any]:
        return self.pool.shard_states(tenant_id=self.tenant_id, product_id=self.product_id, shards=shards)

    def stock(self, shards: int = 1) -> Any:
        return self.pool.stock(tenant_id=self.tenant_id, product_id=self.product_id, shards=shards)

    def statuses(self, refs: Sequence[KeyRef]) -> list[tuple[KeyRef, str, str | None]]:
        return [(k.ref, k.status, k.order_id)
                for k in self.pool.read(tenant_id=self.tenant_id, product_id=self.product_id, refs=refs)]

    def tenant(self, *, tenant_id: str | None = None, slug: str | None = None,
               email: str | None = None) -> tuple[Tenant, User, ApiKey]:
        tenant_id = tenant_id or token("t")
        email = email or f"{token('owner')}@shop.test"
        tenant = Tenant(id=tenant_id, slug=slug or token("shop-"), name="Moon Cards", email=email, plan="starter",
                        branch_key_id=token("bk-"), fingerprint_key_ciphertext=b"\x00fp-secret\xff",
                        created_at=self.now)
        owner = User(tenant_id=tenant_id, id=token("u"), email=email, password_hash="argon2$x", role="owner",
                     created_at=self.now)
        api_key = ApiKey(tenant_id=tenant_id, id=token("k"), key_hash=secrets.token_hex(32), name="default",
                         scopes=("orders:read", "keys:write"), created_at=self.now)
        return tenant, owner, api_key

    def product(self, product_id: str | None = None, **changes: Any) -> Product:
        fields: dict[str, Any] = dict(
            tenant_id=self.tenant_id, id=product_id or self.product_id, name="Steam 100", price=1999,
            currency="USD", description="a gift card", max_per_order=5, active=True, shards=4,
            created_at=self.now, updated_at=self.now)
        fields.update(changes)
        return Product(**fields)

    def order(self, order_id: str | None = None, **changes: Any) -> Order:
        fields: dict[str, Any] = dict(
            tenant_id=self.tenant_id, id=order_id or token("o"), status=OrderStatus.PENDING,
            product_id=self.product_id, quantity=2, amount=3998, currency="USD", email="buyer@example.test",
            token_hash="th" + secrets.token_hex(8), created_at=self.now, expires_at=self.now + 900,
            payment_intent_id=token("pi_"), product_name="Steam 100")
        fields.update(changes)
        return Order(**fields)

    def message(self, order_id: str, *, created_at: int | None = None) -> OutboxMessage:
        return OutboxMessage(tenant_id=self.tenant_id, id=token("m"), kind="order.delivered", order_id=order_id,
                             created_at=self.now if created_at is None else created_at)

    # ---- platform-wide listings, narrowed to this test's tenant -----------------------------------
    def expired_reservations(self, now: int) -> list[Any]:
        return [r for r in self.pool.expired_reservations(now=now, limit=FAR) if r.tenant_id == self.tenant_id]

    def expired_orders(self, now: int) -> list[Order]:
        return [o for o in self.orders.expired_pending(now=now, limit=FAR) if o.tenant_id == self.tenant_id]

    def pending_messages(self, older_than: int) -> list[OutboxMessage]:
        return [m for m in self.outbox.pending(older_than=older_than, limit=FAR) if m.tenant_id == self.tenant_id]


def _fakes() -> Stores:
    lock = threading.RLock()  # one "table": the ledger's transaction spans orders, keys and outbox
    pool, orders, outbox = FakeKeyPool(lock=lock), FakeOrderStore(lock=lock), FakeOutbox(lock=lock)
    return Stores("fake", pool=pool, orders=orders, ledger=FakeSaleLedger(orders=orders, pool=pool, outbox=outbox),
                  outbox=outbox, tenants=FakeTenantStore(lock=lock), products=FakeProductStore(lock=lock))


@pytest.fixture(params=["fake", "dynamo"])
def impl(request: pytest.FixtureRequest) -> Stores:
    if request.param == "fake":
        return _fakes()
    c = request.getfixturevalue("container")  # moto is started only when a dynamo case runs
    return Stores("dynamo", pool=c.inventory.key_pool, orders=c.sales.order_store, ledger=c.sales.sale_ledger, outbox=c.platform.outbox,
                  tenants=c.tenancy.tenant_store, products=c.catalog.product_store)
