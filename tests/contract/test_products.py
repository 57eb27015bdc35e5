"""ProductStore contract: create/get/list/update inside one tenant; updates are conditioned on the version read;
a missing product stays missing."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout
from chalicelib.kernel.errors import NotFound, StoreUnavailable, VersionConflict

from .conftest import Stores, token


def test_create_then_get_returns_the_same_product(impl: Stores) -> None:
    # given a product
    product = impl.product(description="", active=False, shards=8)

    # when it is created and read back
    impl.products.create(product)

    # then every field survived
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=product.id) == product


def test_get_of_a_missing_or_foreign_product_is_not_found(impl: Stores) -> None:
    # given a product of this tenant
    product = impl.product()
    impl.products.create(product)

    # when another tenant asks for it, or this one for an unknown id
    # then both answer alike
    with pytest.raises(NotFound) as foreign:
        impl.products.get(tenant_id=token("t"), product_id=product.id)
    with pytest.raises(NotFound) as missing:
        impl.products.get(tenant_id=impl.tenant_id, product_id="p_missing")
    assert (foreign.value.message, foreign.value.code, foreign.value.param) == (
        missing.value.message, missing.value.code, missing.value.param) == (
        "no such product", "resource_missing", "product_id")


def test_creating_an_existing_product_again_is_refused_and_keeps_the_first(impl: Stores) -> None:
    # given a product
    product = impl.product()
    impl.products.create(product)

    # when a product with the same id is created again
    with pytest.raises(StoreUnavailable) as err:
        impl.products.create(impl.product(name="Overwritten", price=1))

    # then the first one is untouched
    assert str(err.value) == ("the data store did not complete saving the product "
                              "(ConditionalCheckFailedException); retry the request")
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=product.id) == product


def test_list_pages_by_id_descending_within_the_tenant(impl: Stores) -> None:
    # given three products of this tenant and one of another
    p1, p2, p3 = (impl.product(f"prod_{i}") for i in range(1, 4))
    for p in (p2, p3, p1):
        impl.products.create(p)
    impl.products.create(impl.product("prod_9", tenant_id=token("t")))

    # when listed two at a time
    first = impl.products.list(tenant_id=impl.tenant_id, limit=2, cursor=None)
    second = impl.products.list(tenant_id=impl.tenant_id, limit=2, cursor=first.next_cursor)
    exact = impl.products.list(tenant_id=impl.tenant_id, limit=3, cursor=None)

    # then the pages cover the tenant's products once, and has_more is exact
    assert (first.items, first.next_cursor) == (
        [p3, p2], cursors.encode({"pk": layout.products(impl.tenant_id), "sk": "prod_2"}))
    assert (second.items, second.next_cursor) == ([p1], None)
    assert (exact.items, exact.next_cursor) == ([p3, p2, p1], None)


def test_a_cursor_never_moves_to_another_tenant(impl: Stores) -> None:
    # given products of two tenants
    mine = impl.product("prod_1")
    impl.products.create(mine)
    other_tenant = token("t")
    impl.products.create(impl.product("prod_0", tenant_id=other_tenant))
    impl.products.create(impl.product("prod_x", tenant_id=other_tenant))

    # when this tenant lists with a cursor naming the other tenant's partition
    forged = cursors.encode({"pk": layout.products(other_tenant), "sk": "prod_z"})
    page = impl.products.list(tenant_id=impl.tenant_id, limit=10, cursor=forged)

    # then it still sees only its own products
    assert (page.items, page.next_cursor) == ([mine], None)


def test_update_replaces_an_existing_product(impl: Stores) -> None:
    # given a product
    product = impl.product()
    impl.products.create(product)

    # when it is updated from the version it was read at
    changed = impl.product(name="Steam 200", price=3999, active=False, max_per_order=1, updated_at=impl.now + 5,
                           version=2)
    impl.products.update(changed, expected_version=1)

    # then the new version is read back
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=product.id) == changed
    assert impl.products.list(tenant_id=impl.tenant_id, limit=10, cursor=None).items == [changed]


def test_update_of_a_missing_product_is_not_found_and_creates_nothing(impl: Stores) -> None:
    # given no product with this id
    ghost = impl.product("prod_ghost")

    # when it is updated
    with pytest.raises(NotFound) as err:
        impl.products.update(ghost, expected_version=1)

    # then it is not found, and still is not there
    assert (err.value.message, err.value.code, err.value.param) == ("no such product", "resource_missing", None)
    with pytest.raises(NotFound):
        impl.products.get(tenant_id=impl.tenant_id, product_id=ghost.id)
    assert impl.products.list(tenant_id=impl.tenant_id, limit=10, cursor=None).items == []


def test_a_new_product_starts_at_version_1(impl: Stores) -> None:
    # given a product built without a version
    product = impl.product()
    # when it is created
    impl.products.create(product)
    # then it reads back at version 1
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=product.id).version == 1


def test_an_update_from_a_stale_version_is_refused_and_changes_nothing(impl: Stores) -> None:
    # given a product that was changed once (version 2)
    impl.products.create(impl.product())
    second = impl.product(name="Second", version=2)
    impl.products.update(second, expected_version=1)

    # when a writer that read version 1 saves its change
    with pytest.raises(VersionConflict) as err:
        impl.products.update(impl.product(name="Stale", price=1, version=2), expected_version=1)

    # then it is refused and the second version stays
    assert (err.value.code, err.value.type) == ("version_conflict", "conflict")
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=second.id) == second


def test_two_writers_from_one_version_only_one_lands(impl: Stores) -> None:
    # given a product at version 1 read by two writers
    impl.products.create(impl.product())
    # when both save from version 1
    impl.products.update(impl.product(name="First", version=2), expected_version=1)
    with pytest.raises(VersionConflict):
        impl.products.update(impl.product(price=5, version=2), expected_version=1)
    # then the first one's change is what is stored
    stored = impl.products.get(tenant_id=impl.tenant_id, product_id=impl.product_id)
    assert (stored.name, stored.price, stored.version) == ("First", 1999, 2)


def test_a_product_saved_before_versions_reads_as_version_1_and_updates_from_it(impl: Stores) -> None:
    if impl.kind == "fake":
        pytest.skip("only a stored item can lack the attribute")
    from chalicelib.adapters.dynamo.items import ProductItem

    # given a product item written before products had a version
    impl.products.create(impl.product())
    item = ProductItem.get(layout.products(impl.tenant_id), impl.product_id)
    item.update(actions=[ProductItem.version.remove()])
    assert ProductItem.get(layout.products(impl.tenant_id), impl.product_id).version is None
    # when it is read, it is at version 1; a writer from version 2 is refused, one from version 1 lands
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=impl.product_id).version == 1
    with pytest.raises(VersionConflict):
        impl.products.update(impl.product(name="Wrong", version=3), expected_version=2)
    impl.products.update(impl.product(name="Right", version=2), expected_version=1)
    assert impl.products.get(tenant_id=impl.tenant_id, product_id=impl.product_id) == impl.product(
        name="Right", version=2)
