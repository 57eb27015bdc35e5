"""The sale's use cases on in-memory fakes: sign-up, import, checkout, fulfilment, expiry, refunds."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.catalog.service import CatalogService
from chalicelib.inventory.domain.cardkeys import Rejection
from chalicelib.inventory.domain.models import KeyRef, StockLevel
from chalicelib.inventory.service.key_import import ImportResult, KeyImportService
from chalicelib.kernel.errors import (
    AuthenticationFailed,
    Conflict,
    DecryptionRefused,
    DomainError,
    InvalidRequest,
    NotFound,
    OutOfStock,
    PaymentProviderUnavailable,
    StoreUnavailable,
    WebhookRejected,
)
from chalicelib.kernel.ids import token_hash
from chalicelib.sales.domain.models import OrderStatus
from chalicelib.sales.service.checkout import CheckoutService, CheckoutStarted
from chalicelib.sales.service.fulfilment import FulfilmentService, Outcome
from chalicelib.sales.service.notifications import NotificationService
from chalicelib.sales.service.orders import OrderService
from chalicelib.sales.service.reservations import ExpiryReport, ReservationService
from chalicelib.tenancy.domain.roles import SYSTEM
from chalicelib.tenancy.service.tenants import ALL_SCOPES, TenantService
from tests.fakes import (
    FakeCipher,
    FakeHasher,
    FakeKeyPool,
    FakeMailer,
    FakeOrderStore,
    FakeOutbox,
    FakePayments,
    FakeProductStore,
    FakeQueue,
    FakeSaleLedger,
    FakeTenantStore,
    FixedClock,
)

RESERVATION_SECONDS = 900
PASSWORD = "correct horse battery"


@dataclass
class World:
    clock: FixedClock
    tenants: FakeTenantStore
    products: FakeProductStore
    pool: FakeKeyPool
    orders: FakeOrderStore
    outbox: FakeOutbox
    ledger: FakeSaleLedger
    cipher: FakeCipher
    payments: FakePayments
    queue: FakeQueue
    mailer: FakeMailer
    tenant_service: TenantService
    catalog: CatalogService
    importer: KeyImportService
    checkout: CheckoutService
    fulfilment: FulfilmentService
    order_service: OrderService
    reservations: ReservationService
    notifications: NotificationService

    # ---- steps a test tells its story with ---------------------------------------------------------------
    def shop(self, slug: str = "acme") -> tuple[Any, str]:
        return self.tenant_service.sign_up({"name": slug.title(), "slug": slug, "email": f"owner@{slug}.test",
                                            "password": PASSWORD})

    def product(self, tenant: Any, *, price: int = 500, name: str = "Steam 100") -> Any:
        return self.catalog.create(actor=SYSTEM, tenant_id=tenant.id, body={"name": name, "price": price, "currency": "usd"})

    def load(self, tenant: Any, product: Any, values: list[Any]) -> ImportResult:
        return self.importer.import_keys(tenant_id=tenant.id, product_id=product.id, body={"keys": values},
                                         content_type="application/json")

    def buy(self, tenant: Any, product: Any, quantity: int = 1) -> CheckoutStarted:
        return self.checkout.start(slug=tenant.slug, body={"product_id": product.id, "quantity": quantity,
                                                           "email": "buyer@example.com"})

    def webhook(self, event_type: str, intent: Any, event_id: str) -> Outcome:
        payload, signature = self.payments.event(event_type, intent, event_id=event_id)
        return self.fulfilment.handle_webhook(payload=payload, signature=signature)

    def pay(self, started: CheckoutStarted, event_id: str = "evt_1") -> Outcome:
        intent = self.payments.set_status(started.order.payment_intent_id or "", "succeeded")
        return self.webhook("payment_intent.succeeded", intent, event_id)

    def stock(self, product: Any) -> StockLevel:
        return self.catalog.stock(tenant_id=product.tenant_id, product_id=product.id)

    def order(self, started: CheckoutStarted) -> Any:
        return self.orders.get(tenant_id=started.order.tenant_id, order_id=started.order.id)

    def reveal(self, tenant: Any, started: CheckoutStarted) -> list[str]:
        return self.order_service.for_buyer(tenant=tenant, order_id=started.order.id, token=started.token).keys

    def pending_outbox(self) -> list[tuple[str, str]]:
        return [(m.kind, m.order_id) for m in self.outbox.pending(older_than=self.clock.now() + 1, limit=100)]


def build(*, shards: int = 1, pool: FakeKeyPool | None = None) -> World:
    clock = FixedClock(1_700_000_000)
    lock = threading.RLock()  # one "table": the ledger's transaction spans orders, keys and outbox
    tenants, products, outbox = FakeTenantStore(lock=lock), FakeProductStore(lock=lock), FakeOutbox(lock=lock)
    orders = FakeOrderStore(lock=lock, products=products)
    pool = pool or FakeKeyPool(clock=clock, seed=7, lock=lock)
    ledger = FakeSaleLedger(orders=orders, pool=pool, outbox=outbox)
    cipher, payments, queue, mailer = FakeCipher(), FakePayments(clock=clock), FakeQueue(), FakeMailer()
    fulfilment = FulfilmentService(tenants=tenants, products=products, orders=orders, pool=pool, ledger=ledger,
                                   payments=payments, outbox=outbox, queue=queue, clock=clock)
    order_service = OrderService(tenants=tenants, orders=orders, pool=pool, cipher=cipher, fulfilment=fulfilment)
    return World(
        clock, tenants, products, pool, orders, outbox, ledger, cipher, payments, queue, mailer,
        tenant_service=TenantService(tenants=tenants, cipher=cipher, hasher=FakeHasher(), clock=clock),
        catalog=CatalogService(products=products, pool=pool, clock=clock, shards=shards),
        importer=KeyImportService(tenants=tenants, products=products, pool=pool, cipher=cipher, clock=clock),
        checkout=CheckoutService(tenants=tenants, products=products, pool=pool, orders=orders, payments=payments,
                                 clock=clock, reservation_seconds=RESERVATION_SECONDS),
        fulfilment=fulfilment, order_service=order_service,
        reservations=ReservationService(pool=pool, orders=orders, products=products, clock=clock),
        notifications=NotificationService(tenants=tenants, orders=orders, order_service=order_service,
                                          outbox=outbox, mailer=mailer, clock=clock,
                                          public_base_url="https://shop.test"),
    )


class FailingAppendPool(FakeKeyPool):
    """append() on one shard fails once before writing anything (a throttled batch write)."""

    def __init__(self, *, fail_shard: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_shard = fail_shard
        self.raised: list[StoreUnavailable] = []

    def append(self, **kwargs: Any) -> None:
        if kwargs["shard"] == self.fail_shard and not self.raised:
            self.raised.append(StoreUnavailable("injected: storing keys"))
            raise self.raised[-1]
        super().append(**kwargs)


class CrashBeforeCounterPool(FakeKeyPool):
    """The next append writes its key and fingerprint items, then its counter update fails once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crash_next = False

    def _move_size(self, *args: Any) -> None:
        if self.crash_next:
            self.crash_next = False
            raise StoreUnavailable("injected: counter update")
        super()._move_size(*args)


def all_keys(world: World, tenant: Any, product: Any) -> list[str]:
    """Plaintext of every key a buyer could still be sold (numbers next..size of each shard)."""
    refs = [KeyRef(st.shard, seq)
            for st in world.pool.shard_states(tenant_id=tenant.id, product_id=product.id, shards=product.shards)
            for seq in range(st.next, st.size)]
    return sorted(world.cipher.decrypt_key(tenant=tenant, product_id=product.id, ciphertext=k.ciphertext)
                  for k in world.pool.read(tenant_id=tenant.id, product_id=product.id, refs=refs)
                  if k.status == "available")


# ---- sign-up and API keys -------------------------------------------------------------------------------
def test_sign_up_creates_tenant_owner_and_a_working_api_key() -> None:
    # given an empty platform
    w = build()
    # when a merchant signs up
    tenant, api_key = w.shop("acme")
    # then the shop is found by slug, the key authenticates for it, and no secret is stored in plain text
    assert w.tenants.by_slug("acme") == tenant
    assert (tenant.name, tenant.email, tenant.plan, tenant.created_at) == ("Acme", "owner@acme.test", "starter",
                                                                           1_700_000_000)
    key = w.tenant_service.authenticate(f"Bearer {api_key}")
    assert (key.tenant_id, key.scopes, key.revoked) == (tenant.id, ALL_SCOPES, False)
    assert api_key.startswith("kd_live_") and key.key_hash == token_hash(api_key)
    [owner] = w.tenants.users.values()
    assert (owner.tenant_id, owner.email, owner.role) == (tenant.id, "owner@acme.test", "owner")
    assert owner.password_hash == FakeHasher().hash(PASSWORD)
    assert tenant.fingerprint_key_ciphertext.startswith(FakeCipher.PREFIX)
    assert len(w.cipher.decrypt_secret(tenant=tenant)) == 32


@pytest.mark.parametrize(("header", "code"), [
    (None, "missing_api_key"), ("", "missing_api_key"), ("Basic a2Q6", "missing_api_key"),
    ("Bearer kd_live_not-a-real-key", "invalid_api_key"), ("Bearer sk_live_other", "invalid_api_key"),
    ("Bearer kd_live_" + "x" * 200, "invalid_api_key"),
])
def test_wrong_or_missing_api_key_fails_authentication(header: str | None, code: str) -> None:
    # given a shop with a key
    w = build()
    w.shop("acme")
    # when / then
    with pytest.raises(AuthenticationFailed) as err:
        w.tenant_service.authenticate(header)
    assert err.value.code == code


def test_revoked_api_key_fails_authentication() -> None:
    # given a shop whose key was revoked
    w = build()
    _, api_key = w.shop("acme")
    w.tenants.revoke(token_hash(api_key))
    # when / then
    with pytest.raises(AuthenticationFailed) as err:
        w.tenant_service.authenticate(f"Bearer {api_key}")
    assert (err.value.code, err.value.message) == ("invalid_api_key", "the API key is not valid")


def test_sign_up_with_a_taken_slug_or_email_writes_nothing() -> None:
    # given one shop
    w = build()
    w.shop("acme")
    before = (dict(w.tenants.tenants), dict(w.tenants.api_keys), dict(w.tenants.users))
    # when the slug is reused, then the e-mail
    with pytest.raises(Conflict) as slug_err:
        w.tenant_service.sign_up({"name": "B", "slug": "acme", "email": "b@b.test", "password": PASSWORD})
    with pytest.raises(Conflict) as email_err:
        w.tenant_service.sign_up({"name": "B", "slug": "bravo", "email": "owner@acme.test", "password": PASSWORD})
    # then each answer names the field and nothing was half-written
    assert (slug_err.value.code, slug_err.value.param) == ("slug_taken", "slug")
    assert (email_err.value.code, email_err.value.param) == ("email_taken", "email")
    assert (dict(w.tenants.tenants), dict(w.tenants.api_keys), dict(w.tenants.users)) == before
    assert w.tenants.by_slug("bravo") is None


# ---- key import -------------------------------------------------------------------------------------------
def test_import_counts_imported_duplicates_and_rejected_and_reimport_is_all_duplicates() -> None:
    # given a product without keys
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    values = ["K1", "K2", " K1 ", "", "K3\x00", "K4", 7]
    # when imported twice
    first = w.load(tenant, product, values)
    second = w.load(tenant, product, values)
    # then the first stores three keys, the second none, and both report the same rejections
    rejected = [Rejection(4, "empty"), Rejection(5, "contains control characters (not text)"), Rejection(7, "not text")]
    assert (first.imported, first.duplicates, first.rejected, first.failed_lines, first.failure) == (
        3, 1, rejected, [], None)
    assert (second.imported, second.duplicates, second.rejected, second.failed_lines, second.failure) == (
        0, 4, rejected, [], None)
    assert first.batch_id != second.batch_id
    assert w.stock(product) == StockLevel(available=3, reserved=0, sold=0)
    assert all_keys(w, tenant, product) == ["K1", "K2", "K4"]
    stored = w.pool.read(tenant_id=tenant.id, product_id=product.id, refs=[KeyRef(0, 0), KeyRef(0, 1), KeyRef(0, 2)])
    assert [b"K1" in k.ciphertext or b"K2" in k.ciphertext for k in stored] == [False, False, False]
    assert w.pool.leases == {}  # the import lease was given back


def test_import_of_a_text_file_with_bom_and_crlf() -> None:
    # given a Windows text file
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    # when imported as text/plain
    result = w.importer.import_keys(tenant_id=tenant.id, product_id=product.id,
                                    body="\ufeffA-1\r\nA-2\r\n\r\n".encode(), content_type="text/plain; charset=utf-8")
    # then
    assert (result.imported, result.duplicates, result.rejected) == (2, 0, [])
    assert all_keys(w, tenant, product) == ["A-1", "A-2"]


def test_import_while_another_holds_the_lease_is_refused_and_stores_nothing() -> None:
    # given another import running on the product
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.pool.begin_import(tenant_id=tenant.id, product_id=product.id, owner="bat_other", lease_seconds=300)
    # when / then
    with pytest.raises(Conflict) as err:
        w.load(tenant, product, ["K1"])
    assert err.value.code == "import_in_progress"
    assert w.stock(product) == StockLevel(0, 0, 0)
    assert w.pool.keys == {}


def test_import_into_another_tenants_product_answers_not_found_and_stores_nothing() -> None:
    # given two shops
    w = build()
    alice, _ = w.shop("alice")
    bob, _ = w.shop("bobby")
    bobs_product = w.product(bob)
    # when alice imports into bob's product
    with pytest.raises(NotFound) as err:
        w.load(alice, bobs_product, ["K1"])
    # then it looks missing and nothing is stored
    assert err.value.message == "no such product"
    assert w.pool.keys == {}


def test_failed_append_on_the_second_shard_reports_exactly_the_uncommitted_lines_and_retry_completes() -> None:
    # given a product over two shards whose second shard's append fails once
    pool = FailingAppendPool(fail_shard=1, seed=1)
    w = build(shards=2, pool=pool)
    tenant, _ = w.shop()
    product = w.product(tenant)
    values = ["K1", "K2", "", "K3", "K4", "K5", "K6"]  # line 3 is rejected; shard 0 gets lines 1, 4, 6
    # when imported
    result = w.load(tenant, product, values)
    # then only shard 0's keys count, and the failed lines are exactly shard 1's
    assert result.failure is pool.raised[0]
    assert (result.imported, result.duplicates, result.failed_lines) == (3, 0, [2, 5, 7])
    assert result.rejected == [Rejection(3, "empty")]
    assert w.stock(product) == StockLevel(available=3, reserved=0, sold=0)
    assert all_keys(w, tenant, product) == ["K1", "K3", "K5"]
    assert pool.leases == {}
    # when the same import is retried
    retry = w.load(tenant, product, values)
    # then the rest is stored and the earlier keys are recognised as duplicates
    assert (retry.imported, retry.duplicates, retry.failed_lines, retry.failure) == (3, 3, [], None)
    assert w.stock(product) == StockLevel(available=6, reserved=0, sold=0)
    assert all_keys(w, tenant, product) == ["K1", "K2", "K3", "K4", "K5", "K6"]


def test_crash_after_writing_items_but_before_the_counter_leaves_nothing_sellable_and_retry_imports_all() -> None:
    # given an import whose counter update fails after the key items were written
    pool = CrashBeforeCounterPool(seed=1)
    w = build(pool=pool)
    tenant, _ = w.shop()
    product = w.product(tenant)
    pool.crash_next = True
    failed = w.load(tenant, product, ["K1", "K2"])
    # then nothing is counted or sellable
    assert (failed.imported, failed.failed_lines, type(failed.failure)) == (0, [1, 2], StoreUnavailable)
    assert w.stock(product) == StockLevel(0, 0, 0)
    with pytest.raises(OutOfStock):
        w.buy(tenant, product)
    # when retried, both keys are imported (the leftovers are not taken for duplicates)
    retry = w.load(tenant, product, ["K1", "K2"])
    assert (retry.imported, retry.duplicates) == (2, 0)
    assert all_keys(w, tenant, product) == ["K1", "K2"]


def test_keys_left_over_by_a_failed_import_are_not_taken_for_duplicates_after_another_import() -> None:
    # given a failed import of K1..K4 (items written, counter not moved), then a successful import of X1, X2
    pool = CrashBeforeCounterPool(seed=1)
    w = build(pool=pool)
    tenant, _ = w.shop()
    product = w.product(tenant)
    pool.crash_next = True
    w.load(tenant, product, ["K1", "K2", "K3", "K4"])
    w.load(tenant, product, ["X1", "X2"])
    # when K1..K4 are imported again
    retry = w.load(tenant, product, ["K1", "K2", "K3", "K4"])
    # then all four are stored and sellable
    assert (retry.imported, retry.duplicates) == (4, 0)
    assert all_keys(w, tenant, product) == ["K1", "K2", "K3", "K4", "X1", "X2"]


def test_leftovers_of_a_failed_import_do_not_block_releasing_reservations() -> None:
    # given a reserved key, then a failed import that left items past the shard's end
    pool = CrashBeforeCounterPool(clock=None, seed=1)
    w = build(pool=pool)
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, ["K1", "K2"])
    started = w.buy(tenant, product)
    pool.crash_next = True
    w.load(tenant, product, ["K3", "K4"])
    # when the reservation lapses
    w.clock.advance(RESERVATION_SECONDS + 1)
    report = w.reservations.expire()
    # then its key goes back to the pool
    assert report == ExpiryReport(keys_released=1, orders_expired=1)
    assert w.order(started).status == OrderStatus.EXPIRED
    assert w.stock(product) == StockLevel(available=2, reserved=0, sold=0)


# ---- checkout ---------------------------------------------------------------------------------------------
def test_checkout_reserves_keys_opens_an_intent_and_saves_the_order() -> None:
    # given a product with three keys
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant, price=500)
    w.load(tenant, product, ["K1", "K2", "K3"])
    # when a buyer checks out two
    started = w.checkout.start(slug="acme", body={"product_id": product.id, "quantity": 2,
                                                  "email": "Buyer@Example.COM"})
    # then the two oldest keys are reserved for a pending order of 10.00 usd
    order = started.order
    assert w.order(started) == order
    assert (order.status, order.quantity, order.amount, order.currency, order.email, order.product_name) == (
        OrderStatus.PENDING, 2, 1000, "usd", "Buyer@example.com", "Steam 100")
    assert order.keys == (KeyRef(0, 0), KeyRef(0, 1))
    assert (order.created_at, order.expires_at) == (1_700_000_000, 1_700_000_000 + RESERVATION_SECONDS)
    assert order.token_hash == token_hash(started.token) and len(started.token) >= 22
    assert w.payments.created == [{"tenant_id": tenant.id, "amount": 1000, "currency": "usd",
                                   "metadata": {"order_id": order.id, "tenant_id": tenant.id,
                                                "product_id": product.id},
                                   "idempotency_key": order.id, "email": "Buyer@example.com"}]
    assert (started.client_secret, started.publishable_key) == (f"{order.payment_intent_id}_secret_x", "pk_test_fake")
    assert [w.pool.status_of(tenant_id=tenant.id, product_id=product.id, ref=r) for r in order.keys] == [
        "reserved", "reserved"]
    assert w.stock(product) == StockLevel(available=1, reserved=2, sold=0)


def test_checkout_beyond_stock_is_out_of_stock_and_leaves_nothing_reserved() -> None:
    # given two keys
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, ["K1", "K2"])
    # when a buyer asks for three
    with pytest.raises(OutOfStock) as err:
        w.buy(tenant, product, quantity=3)
    # then the answer says how many are left, and no order, intent or reservation remains
    assert (err.value.code, err.value.param) == ("out_of_stock", "quantity")
    assert err.value.message == "only 2 left of 'Steam 100'; lower the quantity or try later"
    assert w.orders.orders == {} and w.payments.created == []
    assert w.stock(product) == StockLevel(available=2, reserved=0, sold=0)
    assert w.pool.expired_reservations(now=2**40, limit=100) == []
    # and both keys can still be bought
    assert len(w.buy(tenant, product, quantity=2).order.keys) == 2


def test_checkout_of_a_sold_out_product() -> None:
    # given a product without keys
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    # when / then
    with pytest.raises(OutOfStock) as err:
        w.buy(tenant, product)
    assert err.value.message == "'Steam 100' is sold out"
    assert w.stock(product) == StockLevel(0, 0, 0)


def test_checkout_when_the_payment_provider_is_down_releases_the_keys() -> None:
    # given keys and a payment provider that does not answer
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, ["K1", "K2"])
    w.payments.fail_create = True
    # when / then
    with pytest.raises(PaymentProviderUnavailable):
        w.buy(tenant, product, quantity=2)
    assert w.orders.orders == {}
    assert w.stock(product) == StockLevel(available=2, reserved=0, sold=0)


def test_checkout_of_another_shops_product_answers_not_found() -> None:
    w = build()
    alice, _ = w.shop("alice")
    bob, _ = w.shop("bobby")
    bobs_product = w.product(bob)
    w.load(bob, bobs_product, ["K1"])
    # when bob's product is bought through alice's shop, or through a shop that does not exist
    assert alice.slug == "alice"
    with pytest.raises(NotFound):
        w.checkout.start(slug="alice", body={"product_id": bobs_product.id, "email": "b@example.com"})
    with pytest.raises(NotFound):
        w.checkout.start(slug="nobody", body={"product_id": bobs_product.id, "email": "b@example.com"})
    # then bob's key stays untouched
    assert w.stock(bobs_product) == StockLevel(available=1, reserved=0, sold=0)


def test_concurrent_checkouts_never_share_a_key() -> None:
    # given ten keys over two shards and twenty buyers at once
    w = build(shards=2)
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, [f"K{i}" for i in range(10)])
    results: list[Any] = []

    def buyer() -> None:
        try:
            results.append(w.buy(tenant, product).order.keys[0])
        except DomainError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=buyer) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly ten got a key each, all different, and ten were told it is sold out
    refs = [r for r in results if isinstance(r, KeyRef)]
    assert len(refs) == 10 and len(set(refs)) == 10
    assert results.count("out_of_stock") == 10
    assert w.stock(product) == StockLevel(available=0, reserved=10, sold=0)


# ---- fulfilment ---------------------------------------------------------------------------------------------
def _sale(w: World, keys: list[str], quantity: int) -> tuple[Any, Any, CheckoutStarted]:
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, keys)
    return tenant, product, w.buy(tenant, product, quantity=quantity)


def test_payment_delivers_once_however_often_the_event_arrives() -> None:
    # given a pending order of two keys
    w = build()
    tenant, product, started = _sale(w, ["K1", "K2", "K3"], 2)
    # when the payment succeeds
    w.clock.advance(30)
    first = w.pay(started, "evt_1")
    # then the order is delivered with its reserved keys, announced once, and the buyer sees the keys
    assert first == Outcome("delivered", started.order.id)
    order = w.order(started)
    assert (order.status, order.paid_at, order.delivered_at, order.keys) == (
        OrderStatus.DELIVERED, 1_700_000_030, 1_700_000_030, (KeyRef(0, 0), KeyRef(0, 1)))
    assert w.stock(product) == StockLevel(available=1, reserved=0, sold=2)
    assert w.pending_outbox() == [("order_delivered", order.id)]
    [message] = w.outbox.messages.values()
    assert w.queue.sent == [{"tenant_id": tenant.id, "outbox_id": message.id, "kind": "order_delivered",
                             "order_id": order.id}]
    assert w.reveal(tenant, started) == ["K1", "K2"]
    # when the same event comes again, and another event for the same payment
    again = w.pay(started, "evt_1")
    other = w.pay(started, "evt_2")
    # then nothing more happens
    assert again == other == Outcome("duplicate", order.id)
    assert w.order(started) == order
    assert w.stock(product) == StockLevel(available=1, reserved=0, sold=2)
    assert len(w.outbox.messages) == 1 and len(w.queue.sent) == 1


def test_buyer_with_a_wrong_token_sees_not_found() -> None:
    w = build()
    # given a delivered order
    tenant, _, started = _sale(w, ["K1"], 1)
    w.pay(started)
    # when its page is opened with a token that differs in one character, then it does not exist
    first = "y" if started.token[0] == "x" else "x"
    with pytest.raises(NotFound) as err:
        w.order_service.for_buyer(tenant=tenant, order_id=started.order.id, token=first + started.token[1:])
    assert err.value.message == "no such order"


@pytest.mark.parametrize("signature", ["", "t=1700000000,v1=deadbeef", "v1=abc"])
def test_webhook_with_a_bad_signature_is_rejected_and_changes_nothing(signature: str) -> None:
    w = build()
    # given a paid order and an authentic body
    _, product, started = _sale(w, ["K1"], 1)
    intent = w.payments.set_status(started.order.payment_intent_id or "", "succeeded")
    payload, _ = w.payments.event("payment_intent.succeeded", intent, event_id="evt_1")
    # when it comes with a missing or wrong signature
    with pytest.raises(WebhookRejected) as err:
        w.fulfilment.handle_webhook(payload=payload, signature=signature)
    # then it is refused and nothing was delivered
    assert err.value.code == "invalid_signature"
    assert w.order(started).status == OrderStatus.PENDING
    assert w.stock(product) == StockLevel(available=0, reserved=1, sold=0)


def test_webhook_signed_too_long_ago_is_rejected() -> None:
    w = build()
    # given an event signed now and replayed 301 s later (tolerance 300 s)
    _, _, started = _sale(w, ["K1"], 1)
    intent = w.payments.set_status(started.order.payment_intent_id or "", "succeeded")
    payload, signature = w.payments.event("payment_intent.succeeded", intent, event_id="evt_1")
    w.clock.advance(301)
    # when / then
    with pytest.raises(WebhookRejected):
        w.fulfilment.handle_webhook(payload=payload, signature=signature)
    assert w.order(started).status == OrderStatus.PENDING


def test_payment_after_the_reservation_lapsed_delivers_fresh_keys() -> None:
    # given a pending order of two of four keys whose reservation lapsed and was released
    w = build()
    tenant, product, started = _sale(w, ["K1", "K2", "K3", "K4"], 2)
    w.clock.advance(RESERVATION_SECONDS + 1)
    assert w.reservations.expire() == ExpiryReport(keys_released=2, orders_expired=1)
    assert w.order(started).status == OrderStatus.EXPIRED
    assert w.stock(product) == StockLevel(available=4, reserved=0, sold=0)
    # when the payment arrives after all
    outcome = w.pay(started, "evt_late")
    # then fresh keys are claimed and delivered
    assert outcome == Outcome("delivered", started.order.id)
    order = w.order(started)
    assert (order.status, order.keys) == (OrderStatus.DELIVERED, (KeyRef(0, 2), KeyRef(0, 3)))
    assert w.reveal(tenant, started) == ["K3", "K4"]
    assert w.stock(product) == StockLevel(available=2, reserved=0, sold=2)
    assert all_keys(w, tenant, product) == ["K1", "K2"]
    assert w.payments.refunds == []


def test_payment_after_the_reservation_lapsed_with_no_keys_left_is_refunded() -> None:
    # given an order whose lapsed keys were bought by someone else meanwhile
    w = build()
    tenant, product, started = _sale(w, ["K1", "K2"], 2)
    w.clock.advance(RESERVATION_SECONDS + 1)
    w.reservations.expire()
    other = w.buy(tenant, product, quantity=2)
    # when the first buyer's payment arrives
    outcome = w.pay(started, "evt_late")
    # then the payment is refunded, the buyer told, and the other buyer keeps the keys
    assert outcome == Outcome("refunded", started.order.id)
    assert w.payments.refunds == [(tenant.id, started.order.payment_intent_id, f"refund_{started.order.id}")]
    order = w.order(started)
    assert (order.status, order.failure_reason, order.refunded_at, order.delivered_at) == (
        OrderStatus.REFUNDED, "out_of_stock_after_payment", w.clock.now(), None)
    assert w.pending_outbox() == [("order_refunded", order.id)]
    assert [m["kind"] for m in w.queue.sent] == ["order_refunded"]
    assert [w.pool.status_of(tenant_id=tenant.id, product_id=product.id, ref=r) for r in other.order.keys] == [
        "reserved", "reserved"]
    assert w.stock(product) == StockLevel(available=0, reserved=2, sold=0)
    # when the event is delivered again, then no second refund
    assert w.pay(started, "evt_late") == Outcome("duplicate", order.id)
    assert len(w.payments.refunds) == 1


def test_failed_payment_releases_the_keys_and_fails_the_order() -> None:
    # given a pending order of two of four keys
    w = build()
    tenant, product, started = _sale(w, ["K1", "K2", "K3", "K4"], 2)
    intent = w.payments.set_status(started.order.payment_intent_id or "", "requires_payment_method")
    # when the payment fails
    outcome = w.webhook("payment_intent.payment_failed", intent, "evt_fail")
    # then the keys are back in the pool and the order is failed
    assert outcome == Outcome("released", started.order.id)
    order = w.order(started)
    assert (order.status, order.failure_reason) == (OrderStatus.FAILED, "payment_failed")
    assert w.stock(product) == StockLevel(available=4, reserved=0, sold=0)
    assert all_keys(w, tenant, product) == ["K1", "K2", "K3", "K4"]
    assert [(m.kind, m.order_id) for m in w.outbox.messages.values()] == [("order_failed", order.id)]
    assert [m["kind"] for m in w.queue.sent] == ["order_failed"]


@pytest.mark.parametrize("tamper", [{"amount": 999}, {"currency": "eur"}, {"id": "pi_someone_else"}])
def test_payment_that_does_not_match_the_order_is_held_not_delivered(tamper: dict[str, Any]) -> None:
    # given a pending order of 10.00 usd
    w = build()
    tenant, product, started = _sale(w, ["K1", "K2", "K3"], 2)
    intent = w.payments.set_status(started.order.payment_intent_id or "", "succeeded")
    wrong = dataclasses.replace(intent, **tamper)
    # when an authentic event reports a different payment for this order
    outcome = w.webhook("payment_intent.succeeded", wrong, "evt_odd")
    # then it is recorded for investigation, the order failed, and no key sold; the failure is announced
    assert outcome == Outcome("mismatch", started.order.id)
    order = w.order(started)
    assert (order.status, order.failure_reason, order.delivered_at) == (OrderStatus.FAILED, "payment_mismatch", None)
    assert w.ledger.events["evt_odd"] == (
        "payment_mismatch", w.clock.now(),
        f"{tenant.id}|{order.id}|{wrong.id}|{wrong.amount}|{wrong.currency}")
    assert w.stock(product) == StockLevel(available=1, reserved=2, sold=0)
    assert [(m.kind, m.order_id) for m in w.outbox.messages.values()] == [("order_failed", order.id)]
    assert [m["kind"] for m in w.queue.sent] == ["order_failed"]
    # and the buyer's return page does not deliver it either
    assert w.reveal(tenant, started) == []
    assert w.order(started).status == OrderStatus.FAILED


def test_queue_failure_after_delivery_leaves_the_outbox_message_for_the_sweeper() -> None:
    # given a queue that is down
    w = build()
    _, product, started = _sale(w, ["K1", "K2"], 1)
    w.queue.fail = True
    # when the payment succeeds
    outcome = w.pay(started)
    # then the sale stands and the message waits in the outbox
    assert outcome == Outcome("delivered", started.order.id)
    assert w.order(started).status == OrderStatus.DELIVERED
    assert w.stock(product) == StockLevel(available=1, reserved=0, sold=1)
    assert w.queue.sent == []
    assert w.pending_outbox() == [("order_delivered", started.order.id)]
    # when the sweeper sends it
    [message] = w.outbox.pending(older_than=w.clock.now() + 1, limit=10)
    w.notifications.deliver(message)
    # then the buyer has the key by e-mail and the outbox is clear
    [mail] = w.mailer.sent
    assert mail["to"] == "buyer@example.com"
    assert "\nK1\n" in mail["text"]
    assert w.pending_outbox() == []


def test_buyer_return_before_the_webhook_delivers_and_the_webhook_then_is_a_duplicate() -> None:
    # given a paid order whose webhook has not arrived
    w = build()
    tenant, product, started = _sale(w, ["K1"], 1)
    w.payments.set_status(started.order.payment_intent_id or "", "succeeded")
    # when the buyer opens the order page
    keys = w.reveal(tenant, started)
    # then the keys are shown and the later webhook changes nothing
    assert keys == ["K1"]
    assert w.pay(started, "evt_1") == Outcome("duplicate", started.order.id)
    assert w.stock(product) == StockLevel(available=0, reserved=0, sold=1)
    assert len(w.outbox.messages) == 1


def test_cipher_refuses_another_tenants_or_products_ciphertext() -> None:
    # given two shops and a key encrypted for one of them
    w = build()
    alice, _ = w.shop("alice")
    bob, _ = w.shop("bobby")
    [ct] = w.cipher.encrypt_keys(tenant=alice, product_id="prd_1", values=["SECRET-1"])
    # then it opens only for alice and that product
    assert b"SECRET-1" not in ct
    assert w.cipher.decrypt_key(tenant=alice, product_id="prd_1", ciphertext=ct) == "SECRET-1"
    for tenant, product_id in ((bob, "prd_1"), (alice, "prd_2")):
        with pytest.raises(DecryptionRefused):
            w.cipher.decrypt_key(tenant=tenant, product_id=product_id, ciphertext=ct)


def test_product_list_pages_newest_first_with_an_opaque_cursor() -> None:
    # given five products of one shop and one of another
    w = build()
    tenant, _ = w.shop("alice")
    other, _ = w.shop("bobby")
    made = [w.product(tenant, name=f"P{i}") for i in range(5)]
    w.product(other, name="Other")
    # when listed two at a time
    first = w.catalog.list(tenant_id=tenant.id, limit=2, cursor=None)
    second = w.catalog.list(tenant_id=tenant.id, limit=2, cursor=first.next_cursor)
    third = w.catalog.list(tenant_id=tenant.id, limit=2, cursor=second.next_cursor)
    # then all five come back newest first, and the last page has no cursor
    assert [p.name for p in first.items + second.items + third.items] == ["P4", "P3", "P2", "P1", "P0"]
    assert third.next_cursor is None and first.next_cursor is not None
    assert made[4].id not in (first.next_cursor or "")
    with pytest.raises(InvalidRequest) as err:
        w.catalog.list(tenant_id=tenant.id, limit=2, cursor="not-a-cursor")
    assert err.value.param == "cursor"


def test_a_claim_that_died_before_reserving_gives_its_key_back_on_reconciliation() -> None:
    # given a pool of two keys where a claim took number 0 and its process died before reserving the key
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, ["K1", "K2"])
    w.pool.counters[(tenant.id, product.id, 0)].next = 1  # the counter moved; the key stayed available
    assert w.stock(product) == StockLevel(available=1, reserved=1, sold=0)
    # when the reconciliation job runs (twice: the second run has nothing left to check)
    first = w.reservations.recover_skipped_keys()
    second = w.reservations.recover_skipped_keys()
    # then the key is back at the end of the shard and both keys can be sold
    assert (first, second) == (1, 0)
    assert w.stock(product) == StockLevel(available=2, reserved=0, sold=0)
    refs = w.pool.claim(tenant_id=tenant.id, product_id=product.id, shards=1, order_id="ord_x", count=2,
                        reserved_until=w.clock.now() + 60)
    assert sorted(refs) == [KeyRef(0, 1), KeyRef(0, 2)]

