"""Redemption and licence use cases on in-memory fakes: verdicts, exactly-once, events, limits, bad input."""

from __future__ import annotations

import dataclasses
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.catalog.domain import Product
from chalicelib.inventory.domain.cardkeys import fingerprint
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import Conflict, InvalidRequest
from chalicelib.redemption.domain import KeyRecord
from chalicelib.redemption.service.licences import LicenceService
from chalicelib.redemption.service.redemptions import KeyLocator, RedemptionService
from chalicelib.tenancy.domain.models import Tenant
from tests.fakes import FakeCipher, FakeProductStore, FakeTenantStore, FixedClock
from tests.fakes_redemption import FakeEvents, FakeRedemptionStore

NOW = 1_700_000_000


class CountingCipher(FakeCipher):
    def __init__(self) -> None:
        super().__init__()
        self.secret_decrypts = 0

    def decrypt_secret(self, *, tenant: Tenant) -> bytes:
        self.secret_decrypts += 1
        return super().decrypt_secret(tenant=tenant)


@dataclasses.dataclass
class World:
    cipher: CountingCipher
    tenants: FakeTenantStore
    products: FakeProductStore
    store: FakeRedemptionStore
    events: FakeEvents
    redemptions: RedemptionService
    licences: LicenceService

    def tenant(self) -> Tenant:
        branch = self.cipher.create_tenant_key()
        tenant_id = f"ten_{secrets.token_hex(8)}"
        t = Tenant(id=tenant_id, slug=tenant_id.replace("_", "-"), name="Shop", email="o@example.com",
                   plan="starter", branch_key_id=branch, created_at=NOW,
                   fingerprint_key_ciphertext=self.cipher.encrypt_secret(tenant_id=tenant_id, branch_key_id=branch,
                                                                         secret=secrets.token_bytes(32)))
        self.tenants.tenants[t.id] = t
        return t

    def product(self, tenant: Tenant, activation_limit: int = 1) -> Product:
        p = Product(tenant_id=tenant.id, id=f"prd_{secrets.token_hex(8)}", name="Licence", price=900,
                    currency="usd", description="", max_per_order=10, active=True, shards=4, created_at=NOW,
                    updated_at=NOW, activation_limit=activation_limit)
        self.products.products[(tenant.id, p.id)] = p
        return p

    def key(self, tenant: Tenant, product: Product, value: str, status: str = "sold", seq: int = 0) -> KeyRecord:
        secret = self.cipher.decrypt_secret(tenant=tenant)
        self.cipher.secret_decrypts -= 1  # setup, not the service
        record = KeyRecord(tenant_id=tenant.id, product_id=product.id, ref=KeyRef(0, seq),
                           fingerprint=fingerprint(secret, value), status=status,
                           order_id="ord_0123456789abc" if status in ("sold", "reserved", "void") else None)
        self.store.put_key(record)
        return record

    def record(self, r: KeyRecord) -> KeyRecord:
        return self.store.keys[(r.tenant_id, r.product_id, r.ref)]


@pytest.fixture()
def w() -> World:
    cipher, tenants, products = CountingCipher(), FakeTenantStore(), FakeProductStore()
    store, events, clock = FakeRedemptionStore(), FakeEvents(), FixedClock(NOW)
    locator = KeyLocator(tenants=tenants, cipher=cipher, store=store)
    return World(cipher, tenants, products, store, events,
                 RedemptionService(locator=locator, store=store, events=events, clock=clock),
                 LicenceService(locator=locator, store=store, products=products, clock=clock))


def verdict(check: Any) -> tuple[bool, str | None]:
    return check.valid, check.reason


# ---- verify -------------------------------------------------------------------------------------------
def test_verify_answers_each_state_without_changing_anything(w: World) -> None:
    # given keys in every state
    t = w.tenant()
    p = w.product(t)
    records = {s: w.key(t, p, f"KEY-{s}", status=s, seq=i)
               for i, s in enumerate(("sold", "available", "reserved", "void"))}
    before = dict(w.store.keys)
    # when each is verified, and an unknown value too
    answers = {s: verdict(w.redemptions.verify(tenant_id=t.id, body={"key": f"KEY-{s}"})) for s in records}
    unknown = w.redemptions.verify(tenant_id=t.id, body={"key": "NOPE"})
    # then
    assert answers == {"sold": (True, None), "available": (False, "not_sold"), "reserved": (False, "not_sold"),
                       "void": (False, "void")}
    assert (unknown.valid, unknown.reason, unknown.record) == (False, "not_found", None)
    assert w.store.keys == before and w.events.published == []


def test_key_values_are_trimmed_like_the_import_trims_them(w: World) -> None:
    t = w.tenant()
    w.key(t, w.product(t), "KEY-TRIM")
    assert verdict(w.redemptions.verify(tenant_id=t.id, body={"key": "  KEY-TRIM\n"})) == (True, None)


def test_another_tenants_key_is_not_found(w: World) -> None:
    # given the same value sold by tenant A
    a, b = w.tenant(), w.tenant()
    w.key(a, w.product(a), "SHARED-1")
    # when tenant B asks about it
    check = w.redemptions.redeem(tenant_id=b.id, body={"key": "SHARED-1", "redeemer": "pos-1"})
    # then B learns nothing and A's key is untouched
    assert verdict(check) == (False, "not_found") and check.record is None
    assert verdict(w.redemptions.verify(tenant_id=a.id, body={"key": "SHARED-1"})) == (True, None)


# ---- redeem -------------------------------------------------------------------------------------------
def test_redeem_once_then_already_redeemed_with_who_and_when(w: World) -> None:
    # given a sold key
    t = w.tenant()
    p = w.product(t)
    k = w.key(t, p, "GIFT-1")
    # when two partners redeem it one after the other
    first = w.redemptions.redeem(tenant_id=t.id, body={"key": "GIFT-1", "redeemer": "store-7"})
    second = w.redemptions.redeem(tenant_id=t.id, body={"key": "GIFT-1", "redeemer": "store-8"})
    # then the first wins and the second is told who and when
    assert verdict(first) == (True, None)
    red = first.record.redemption
    assert (red.redeemer, red.redeemed_at, red.product_id, red.order_id) == ("store-7", NOW, p.id, k.order_id)
    assert verdict(second) == (False, "already_redeemed")
    assert second.record.redemption == red
    assert w.record(k).redemption == red and w.store.redemptions == {(t.id, red.id): red}
    # and key.redeemed was published once, without the key's value
    assert w.events.published == [{"id": "evt_0001", "tenant_id": t.id, "type": "key.redeemed",
                                   "dedupe_key": f"key.redeemed:{red.id}",
                                   "data": {"redemption_id": red.id, "product_id": p.id, "order_id": k.order_id,
                                            "redeemer": "store-7", "redeemed_at": NOW}}]
    assert w.events.calls == 1 and w.record(k).event_published
    assert verdict(w.redemptions.verify(tenant_id=t.id, body={"key": "GIFT-1"})) == (False, "already_redeemed")


def test_unsold_and_void_keys_are_not_redeemed(w: World) -> None:
    t = w.tenant()
    p = w.product(t)
    avail, void = w.key(t, p, "A-1", status="available"), w.key(t, p, "V-1", status="void", seq=1)
    assert verdict(w.redemptions.redeem(tenant_id=t.id, body={"key": "A-1", "redeemer": "x"})) == (False, "not_sold")
    assert verdict(w.redemptions.redeem(tenant_id=t.id, body={"key": "V-1", "redeemer": "x"})) == (False, "void")
    assert w.record(avail).redemption is None and w.record(void).redemption is None
    assert w.store.redemptions == {} and w.events.published == []


def test_twenty_concurrent_redeems_have_exactly_one_winner(w: World) -> None:
    t = w.tenant()
    k = w.key(t, w.product(t), "RACE-1")

    def redeem(i: int) -> Any:
        return w.redemptions.redeem(tenant_id=t.id, body={"key": "RACE-1", "redeemer": f"partner-{i}"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(redeem, range(20)))
    winners = [r for r in results if r.valid]
    assert len(winners) == 1
    assert sorted(r.reason for r in results if not r.valid) == ["already_redeemed"] * 19
    assert w.record(k).redemption == winners[0].record.redemption
    assert len(w.store.redemptions) == 1 and len(w.events.published) == 1


def test_a_failed_publish_still_redeems_and_the_next_check_publishes(w: World) -> None:
    # given a publisher that is down
    t = w.tenant()
    k = w.key(t, w.product(t), "LATE-1")
    w.events.fail = True
    # when the key is redeemed
    first = w.redemptions.redeem(tenant_id=t.id, body={"key": "LATE-1", "redeemer": "p"})
    # then the redemption stands, unpublished
    assert verdict(first) == (True, None) and w.events.published == [] and not w.record(k).event_published
    # and when the publisher is back, the next check of the key publishes it once
    w.events.fail = False
    assert verdict(w.redemptions.verify(tenant_id=t.id, body={"key": "LATE-1"})) == (False, "already_redeemed")
    assert verdict(w.redemptions.verify(tenant_id=t.id, body={"key": "LATE-1"})) == (False, "already_redeemed")
    assert [e["dedupe_key"] for e in w.events.published] == [f"key.redeemed:{first.record.redemption.id}"]
    assert w.record(k).event_published and w.events.calls == 2


def test_a_key_in_two_products_redeems_the_sold_one_or_asks_which(w: World) -> None:
    t = w.tenant()
    p1, p2, p3 = w.product(t), w.product(t), w.product(t)
    w.key(t, p1, "DUP-1", status="available")
    sold = w.key(t, p2, "DUP-1")
    # one sold copy: that one
    check = w.redemptions.verify(tenant_id=t.id, body={"key": "DUP-1"})
    assert verdict(check) == (True, None) and check.record.product_id == p2.id
    # two sold copies: the caller must say which
    w.key(t, p3, "DUP-1")
    with pytest.raises(Conflict) as err:
        w.redemptions.redeem(tenant_id=t.id, body={"key": "DUP-1", "redeemer": "x"})
    assert (err.value.code, err.value.param) == ("ambiguous_key", "product_id")
    assert w.store.redemptions == {}
    # product_id narrows
    done = w.redemptions.redeem(tenant_id=t.id, body={"key": "DUP-1", "redeemer": "x", "product_id": p2.id})
    assert verdict(done) == (True, None) and w.record(sold).redemption == done.record.redemption
    other = w.redemptions.verify(tenant_id=t.id, body={"key": "DUP-1", "product_id": p1.id})
    assert verdict(other) == (False, "not_sold")


@pytest.mark.parametrize(("body", "param"), [
    ({}, "key"), ({"key": 5, "redeemer": "x"}, "key"), ({"key": " ", "redeemer": "x"}, "key"),
    ({"key": "K" * 1025, "redeemer": "x"}, "key"), ({"key": "GOOD-1"}, "redeemer"),
    ({"key": "GOOD-1", "redeemer": "a\x00b"}, "redeemer"), ({"key": "GOOD-1", "redeemer": "r" * 129}, "redeemer"),
    ({"key": "GOOD-1", "redeemer": "x", "product_id": "ord_0123456789"}, "product_id"),
    ({"key": "GOOD-1", "redeemer": "x", "extra": 1}, "extra"),
])
def test_bad_redeem_input_is_a_clear_400_and_changes_nothing(w: World, body: dict[str, Any], param: str) -> None:
    t = w.tenant()
    k = w.key(t, w.product(t), "GOOD-1")
    with pytest.raises(InvalidRequest) as err:
        w.redemptions.redeem(tenant_id=t.id, body=body)
    assert err.value.param == param
    assert w.record(k).redemption is None and w.store.redemptions == {} and w.events.published == []


def test_the_fingerprint_secret_is_decrypted_once_per_tenant_not_per_call(w: World) -> None:
    t = w.tenant()
    w.key(t, w.product(t), "C-1")
    for _ in range(5):
        w.redemptions.verify(tenant_id=t.id, body={"key": "C-1"})
    assert w.cipher.secret_decrypts == 1


def test_list_and_get_redemptions_newest_first_with_a_cursor(w: World) -> None:
    t = w.tenant()
    p = w.product(t)
    for i in range(3):
        w.key(t, p, f"L-{i}", seq=i)
        w.redemptions.redeem(tenant_id=t.id, body={"key": f"L-{i}", "redeemer": f"r{i}"})
    first = w.redemptions.list(tenant_id=t.id, limit=2, cursor=None)
    rest = w.redemptions.list(tenant_id=t.id, limit=2, cursor=first.next_cursor)
    listed = first.items + rest.items
    # ids are ULIDs: newest first is descending id order (within one millisecond the order is arbitrary)
    assert [r.id for r in listed] == sorted((r.id for r in listed), reverse=True) and rest.next_cursor is None
    assert sorted(r.redeemer for r in listed) == ["r0", "r1", "r2"]
    assert w.redemptions.get(tenant_id=t.id, redemption_id=first.items[0].id) == first.items[0]
