"""Delivered keys sealed as one bundle: the order page decrypts once, a bundle opens for no other order, a bundle
that cannot be made never stops a delivery, and a ref the bundle lacks is still read from the pool."""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import EncryptionUnavailable
from chalicelib.sales.domain.bundle import extended, pack, unpack
from chalicelib.sales.domain.models import OrderStatus
from chalicelib.sales.service.fulfilment import FulfilmentService, Outcome
from chalicelib.sales.service.key_bundles import KeyBundles
from chalicelib.sales.service.orders import OrderService
from tests.fakes import FakeCipher
from tests.unit.test_services_with_fakes import World, _sale, build


class NoBundleCipher(FakeCipher):
    """KMS refuses to seal bundles (the keys themselves still open)."""

    def encrypt_bundle(self, *, tenant: Any, order_id: str, plaintext: bytes) -> bytes:
        raise EncryptionUnavailable("injected: the order's keys could not be sealed")


def bundling(w: World, cipher: FakeCipher | None = None) -> World:
    """The world's sale with bundles wired in, as the container wires them."""
    cipher = cipher or w.cipher
    bundles = KeyBundles(pool=w.pool, cipher=cipher, tenants=w.tenants)
    fulfilment = FulfilmentService(tenants=w.tenants, products=w.products, orders=w.orders, pool=w.pool,
                                   ledger=w.ledger, payments=w.payments, outbox=w.outbox, queue=w.queue,
                                   clock=w.clock, bundles=bundles)
    orders = OrderService(tenants=w.tenants, orders=w.orders, pool=w.pool, cipher=cipher, fulfilment=fulfilment,
                          products=w.products, bundles=bundles)
    return dataclasses.replace(w, cipher=cipher, fulfilment=fulfilment, order_service=orders)


def test_pack_and_unpack_keep_refs_and_keys_in_order() -> None:
    entries = [(KeyRef(1, 7), "KEY-Ä-1"), (KeyRef(0, 3), "KEY 2")]
    assert list(unpack(pack(entries)).items()) == entries
    assert unpack(b"not json") == {} and unpack(b'{"a": 1}') == {} and unpack(b'[["x", "y"], [1, 2]]') == {}
    assert extended(dict(entries), KeyRef(2, 0), "NEW") == [*entries, (KeyRef(2, 0), "NEW")]


def test_a_delivered_page_of_five_keys_decrypts_once() -> None:
    # given an order of five keys, paid
    w = bundling(build())
    tenant, _, started = _sale(w, [f"K{i}" for i in range(1, 7)], 5)
    assert w.pay(started) == Outcome("delivered", started.order.id)
    order = w.order(started)
    assert order.status == OrderStatus.DELIVERED and order.keys_bundle is not None
    # sealed, never plaintext: the packed keys ("K1" with its quotes) cannot appear, the sealed form has no quotes
    # (a bare K1 may: two characters turn up in random text now and then)
    assert b'"K1"' not in order.keys_bundle and order.keys_bundle.startswith(b"fakeenc1:")
    # when the buyer opens the page
    w.cipher.decrypts = 0
    keys = w.reveal(tenant, started)
    # then the five keys show, from one decrypt
    assert (keys, w.cipher.decrypts) == (["K1", "K2", "K3", "K4", "K5"], 1)


def test_a_bundle_opens_for_no_other_order() -> None:
    # given two delivered orders of the same shop, and order B carrying order A's bundle
    w = bundling(build())
    tenant, product, first = _sale(w, ["A1", "B1", "B2"], 1)
    second = w.buy(tenant, product, quantity=2)
    w.pay(first, "evt_a")
    w.pay(second, "evt_b")
    a, b = w.order(first), w.order(second)
    w.orders.orders[(tenant.id, b.id)] = dataclasses.replace(b, keys_bundle=a.keys_bundle)
    # when B's page is opened
    w.cipher.decrypts = 0
    keys = w.reveal(tenant, second)
    # then B's own keys show, read key by key from the pool; A's key never
    assert (keys, w.cipher.decrypts) == (["B1", "B2"], 2)


def test_a_bundle_that_cannot_be_sealed_never_stops_the_delivery() -> None:
    # given KMS refusing to seal bundles (the shop's keys are the same keys)
    w = build()
    refusing = NoBundleCipher()
    refusing.branch_keys = w.cipher.branch_keys
    w = bundling(w, cipher=refusing)
    tenant, _, started = _sale(w, ["K1", "K2", "K3"], 3)
    # when the payment arrives
    outcome = w.pay(started)
    # then the order is delivered without a bundle, and its page reads the keys one by one
    order = w.order(started)
    assert (outcome, order.status, order.keys_bundle) == (Outcome("delivered", order.id), OrderStatus.DELIVERED,
                                                          None)
    assert w.reveal(tenant, started) == ["K1", "K2", "K3"]


def test_a_ref_the_bundle_lacks_is_read_from_the_pool() -> None:
    # given a delivered order whose bundle holds only its first key (as after a replacement it could not extend)
    w = bundling(build())
    tenant, _, started = _sale(w, ["K1", "K2"], 2)
    w.pay(started)
    order = w.order(started)
    partial = w.cipher.encrypt_bundle(tenant=tenant, order_id=order.id, plaintext=pack([(order.keys[0], "K1")]))
    w.orders.orders[(tenant.id, order.id)] = dataclasses.replace(order, keys_bundle=partial)
    # when the page is opened, then both keys show, in order: one bundle decrypt and one key decrypt
    w.cipher.decrypts = 0
    assert (w.reveal(tenant, started), w.cipher.decrypts) == (["K1", "K2"], 2)


def test_a_replacement_extends_the_bundle_with_exactly_the_new_key() -> None:
    # given a delivered order of one key, and a fresh key reserved for it (as after-sales claims one)
    w = bundling(build())
    tenant, product, started = _sale(w, ["K1", "K2"], 1)
    w.pay(started)
    order = w.order(started)
    [new_ref] = w.pool.claim(tenant_id=tenant.id, product_id=product.id, shards=product.shards, order_id=order.id,
                             count=1, reserved_until=w.clock.now() + 60)
    # when the bundle is extended for the replacement
    bundle = w.order_service.bundle_with(order=order, new_ref=new_ref)
    # then it holds the old key and the new one, in the order's key order
    assert bundle is not None
    opened = unpack(w.cipher.decrypt_bundle(tenant=tenant, order_id=order.id, ciphertext=bundle))
    assert list(opened.items()) == [(order.keys[0], "K1"), (new_ref, "K2")]
