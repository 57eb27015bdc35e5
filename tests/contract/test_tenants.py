"""TenantStore contract: sign-up is all or nothing; slug and e-mail are unique platform-wide."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.kernel.errors import Conflict, NotFound

from .conftest import Stores


def test_create_then_find_by_id_slug_and_api_key_hash(impl: Stores) -> None:
    # given a new tenant with its owner and first API key
    tenant, owner, api_key = impl.tenant(tenant_id=impl.tenant_id)
    tenant = dataclasses.replace(tenant, stripe_account_id="acct_1Moon")

    # when it signs up
    impl.tenants.create(tenant=tenant, owner=owner, api_key=api_key)

    # then it is found by id, by slug and by its API key's hash
    assert impl.tenants.get(tenant_id=tenant.id) == tenant
    assert impl.tenants.by_slug(tenant.slug) == tenant
    assert impl.tenants.api_key_by_hash(api_key.key_hash) == dataclasses.replace(api_key, revoked=False)


def test_unknown_slug_key_or_id_finds_nothing(impl: Stores) -> None:
    # given no tenant
    # when looked up
    # then nothing is found
    assert impl.tenants.by_slug("no-such-shop-" + impl.tenant_id) is None
    assert impl.tenants.api_key_by_hash("0" * 64) is None
    with pytest.raises(NotFound) as err:
        impl.tenants.get(tenant_id=impl.tenant_id)
    assert (err.value.message, err.value.code) == ("no such tenant", "resource_missing")


def test_a_taken_slug_is_refused_and_nothing_is_written(impl: Stores) -> None:
    # given a tenant holding a slug
    first, first_owner, first_key = impl.tenant()
    impl.tenants.create(tenant=first, owner=first_owner, api_key=first_key)

    # when a second tenant signs up with the same slug
    second, second_owner, second_key = impl.tenant(slug=first.slug)
    with pytest.raises(Conflict) as err:
        impl.tenants.create(tenant=second, owner=second_owner, api_key=second_key)

    # then it is told the slug is taken, and none of its items exist
    assert (err.value.code, err.value.param) == ("slug_taken", "slug")
    assert err.value.message == f"the shop address '{first.slug}' is taken; choose another slug"
    assert impl.tenants.by_slug(first.slug) == first
    with pytest.raises(NotFound):
        impl.tenants.get(tenant_id=second.id)
    assert impl.tenants.api_key_by_hash(second_key.key_hash) is None
    # its e-mail was not reserved either: it can sign up under another slug
    third, third_owner, third_key = impl.tenant(email=second_owner.email)
    impl.tenants.create(tenant=third, owner=third_owner, api_key=third_key)
    assert impl.tenants.by_slug(third.slug) == third


def test_a_taken_email_is_refused_and_nothing_is_written(impl: Stores) -> None:
    # given a tenant whose owner has an e-mail
    first, first_owner, first_key = impl.tenant()
    impl.tenants.create(tenant=first, owner=first_owner, api_key=first_key)

    # when a second tenant signs up with that e-mail and a free slug
    second, second_owner, second_key = impl.tenant(email=first_owner.email)
    with pytest.raises(Conflict) as err:
        impl.tenants.create(tenant=second, owner=second_owner, api_key=second_key)

    # then it is told the e-mail is taken, and none of its items exist: not even its slug
    assert (err.value.code, err.value.param) == ("email_taken", "email")
    assert err.value.message == "an account with this e-mail already exists"
    assert impl.tenants.by_slug(second.slug) is None
    with pytest.raises(NotFound):
        impl.tenants.get(tenant_id=second.id)
    assert impl.tenants.api_key_by_hash(second_key.key_hash) is None
    assert impl.tenants.get(tenant_id=first.id) == first


def test_slug_is_checked_before_email(impl: Stores) -> None:
    # given a tenant
    first, first_owner, first_key = impl.tenant()
    impl.tenants.create(tenant=first, owner=first_owner, api_key=first_key)

    # when another signs up with both its slug and its e-mail
    second, second_owner, second_key = impl.tenant(slug=first.slug, email=first_owner.email)
    with pytest.raises(Conflict) as err:
        impl.tenants.create(tenant=second, owner=second_owner, api_key=second_key)

    # then the slug is what is reported
    assert err.value.code == "slug_taken"
