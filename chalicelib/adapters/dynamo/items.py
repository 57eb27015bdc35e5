"""PynamoDB models of the single main table; every tenant item's partition key starts with T#<tenant>."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class Gsi1(GlobalSecondaryIndex[Any]):
    """Sparse platform index: due work (pending orders, reserved keys, outbox) by time."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    """Per-tenant listings in creation order (orders)."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Item(Model):
    """Base of all items; configure() points Meta at the stage's table and endpoint."""

    class Meta:
        table_name = "kamidrop-dev-main"
        region = "us-east-1"
        host: str | None = None
        max_retry_attempts = 3
        base_backoff_ms = 25
        connect_timeout_seconds = 5
        read_timeout_seconds = 10

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class TenantItem(Item):
    slug = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    plan = UnicodeAttribute()
    branch_key_id = UnicodeAttribute()
    fp_key = BinaryAttribute(legacy_encoding=False)
    created_at = NumberAttribute()
    stripe_account_id = UnicodeAttribute(null=True)
    logo_url = UnicodeAttribute(default="")
    announcement = UnicodeAttribute(default="")
    support_contact = UnicodeAttribute(default="")
    show_stock_counts = BooleanAttribute(default=False)
    payment_methods = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]
    locale = UnicodeAttribute(default="en")
    timezone = UnicodeAttribute(null=True)


class SlugItem(Item):
    tenant_id = UnicodeAttribute()


class TenantListItem(Item):
    """Every shop, one item each in the platform's list (pk TENANTS, sk <tenant id>): what per-shop jobs walk."""


class UserItem(Item):
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    created_at = NumberAttribute()
    email_confirmed_at = NumberAttribute(null=True)
    session_generation = NumberAttribute(null=True)  # raised by "sign out everywhere" and password changes
    totp_secret = BinaryAttribute(legacy_encoding=False, null=True)  # encrypted under the shop's key
    totp_pending = BinaryAttribute(legacy_encoding=False, null=True)
    totp_last_step = NumberAttribute(null=True)
    recovery_hashes = UnicodeSetAttribute(null=True)
    status = UnicodeAttribute(null=True)  # "invited" until the invitation is accepted; absent: active
    invited_by = UnicodeAttribute(null=True)


class EmailItem(Item):
    tenant_id = UnicodeAttribute()
    user_id = UnicodeAttribute()


class ApiKeyItem(Item):
    tenant_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    name = UnicodeAttribute()
    scopes = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    created_at = NumberAttribute()
    revoked = BooleanAttribute(default=False)
    expires_at = NumberAttribute(null=True)  # the old secret's end after a rotation with a grace period
    last_used_at = NumberAttribute(null=True)


class ApiKeyRecordItem(Item):
    """The tenant's view of one API key (T#<tenant>#APIKEYS / <key id>): lists, rotation, revocation."""

    name = UnicodeAttribute()
    scopes = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    created_at = NumberAttribute()
    revoked = BooleanAttribute(default=False)
    key_hash = UnicodeAttribute()
    prev_hash = UnicodeAttribute(null=True)
    prev_expires_at = NumberAttribute(null=True)
    hint = UnicodeAttribute(default="")
    last_used_at = NumberAttribute(null=True)


class ProductItem(Item):
    name = UnicodeAttribute()
    price = NumberAttribute()
    currency = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    max_per_order = NumberAttribute()
    active = BooleanAttribute()
    shards = NumberAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    category = UnicodeAttribute(null=True)
    image_url = UnicodeAttribute(null=True)
    usage_guide = UnicodeAttribute(null=True)
    usage_url = UnicodeAttribute(null=True)
    min_per_order = NumberAttribute(null=True)
    max_per_buyer = NumberAttribute(null=True)  # ever; the two below per day and per month
    max_per_buyer_day = NumberAttribute(null=True)
    max_per_buyer_month = NumberAttribute(null=True)
    price_tiers = UnicodeAttribute(null=True)  # "5:450,10:400": min_quantity:unit_price, ascending
    archived = BooleanAttribute(null=True)  # absent on products saved before archiving existed
    low_stock_threshold = NumberAttribute(null=True)
    activation_limit = NumberAttribute(null=True)
    auto_replace = BooleanAttribute(null=True)
    replace_window_minutes = NumberAttribute(null=True)
    replace_max_per_order = NumberAttribute(null=True)
    version = NumberAttribute(null=True)  # absent on products saved before versions: they are at version 1
    sale_starts_at = NumberAttribute(null=True)
    sale_ends_at = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)  # PRD#<bucket>: platform jobs walk every product
    gsi1sk = UnicodeAttribute(null=True)
    by_due = Gsi1()


class CounterItem(Item):
    """One per pool shard, in its own partition: claims move `next`, imports and releases move `size`."""

    next = NumberAttribute(default=0)
    size = NumberAttribute(default=0)
    released = NumberAttribute(default=0)
    checked = NumberAttribute(null=True)  # numbers below this were verified claimed (recover_skipped)


class KeyItem(Item):
    status = UnicodeAttribute()
    ct = BinaryAttribute(legacy_encoding=False)
    fp = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    created_at = NumberAttribute()
    order_id = UnicodeAttribute(null=True)
    reserved_until = NumberAttribute(null=True)
    voided_at = NumberAttribute(null=True)
    void_reason = UnicodeAttribute(null=True)
    passed = BooleanAttribute(null=True)  # a voided key whose number a claim has gone past (stock tally)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_due = Gsi1()


class FingerprintItem(Item):
    """T#<tenant>#FP#<hmac> / P#<product>: dedupe on import and find a key by value later."""

    shard = NumberAttribute()
    seq = NumberAttribute()


class StatItem(Item):
    sold = NumberAttribute(default=0)


class LeaseItem(Item):
    owner = UnicodeAttribute()
    until = NumberAttribute()


class BuyerHoldItem(Item):
    """T#<tenant>#BH#<product> / <customer>#<window>: keys a buyer holds of a product in one limit window."""

    held = NumberAttribute(null=True)
    ttl = NumberAttribute(null=True)


class OrderItem(Item):
    order_id = UnicodeAttribute()
    status = UnicodeAttribute()
    product_id = UnicodeAttribute()
    product_name = UnicodeAttribute(default="")
    quantity = NumberAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    email = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    keys = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    payment_intent_id = UnicodeAttribute(null=True)
    paid_at = NumberAttribute(null=True)
    delivered_at = NumberAttribute(null=True)
    refunded_at = NumberAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(default="en")
    lookup_hash = UnicodeAttribute(default="")
    replacements = NumberAttribute(default=0)
    reported = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]
    keys_bundle = BinaryAttribute(legacy_encoding=False, null=True)  # the delivered keys, sealed as one message
    usage_guide = UnicodeAttribute(null=True)  # the product's guide at delivery (None: read the product)
    usage_url = UnicodeAttribute(null=True)
    limit_windows = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]  # buyer holds
    limits_held = BooleanAttribute(null=True)  # the order's quantity counts in those windows now
    price_lines = UnicodeAttribute(null=True)  # "list:6000:|tier:-600:5": the pricing breakdown it sold at
    risk = UnicodeAttribute(null=True)  # JSON: the risk decision at checkout (score, decision, reasons, subjects)
    source = UnicodeAttribute(null=True)  # the buyer's channel at checkout
    device = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_due = Gsi1()
    by_tenant = Gsi2()



def sealed_keys(bundle: bytes | None) -> list[Any]:
    """Update actions setting an order's sealed keys (none when no bundle could be made): the sale and a
    replacement write it in the same transaction, under the same conditions, as the key list it seals."""
    return [] if bundle is None else [OrderItem.keys_bundle.set(bundle)]

class EventItem(Item):
    kind = UnicodeAttribute()
    at = NumberAttribute()
    note = UnicodeAttribute(default="")
    ttl = NumberAttribute(null=True)


class OutboxItem(Item):
    tenant_id = UnicodeAttribute()
    outbox_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    order_id = UnicodeAttribute()
    created_at = NumberAttribute()
    done_at = NumberAttribute(null=True)
    mailed_at = NumberAttribute(null=True)  # when the buyer's e-mail for it went out (delivery and refund mails)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    ttl = NumberAttribute(null=True)
    by_due = Gsi1()


ALL_MODELS: tuple[type[Item], ...] = (
    Item, TenantItem, SlugItem, UserItem, EmailItem, ApiKeyItem, ProductItem, CounterItem, KeyItem,
    FingerprintItem, StatItem, LeaseItem, OrderItem, EventItem, OutboxItem,
)


_transactions: Connection | None = None


def every_model() -> list[type[Item]]:
    """Item and every subclass imported so far (areas define their own item classes in their stores);
    one imported later starts without a cached connection anyway."""
    found: list[type[Item]] = [Item]
    for model in found:
        found.extend(sub for sub in model.__subclasses__() if sub not in found)
    return found


def transaction_connection() -> Connection:
    """One connection for TransactWrite per process: a new one per call costs a botocore client
    (~80 ms of CPU) and loses HTTP keep-alive."""
    global _transactions
    if _transactions is None:
        _transactions = Connection(region=Item.Meta.region, host=Item.Meta.host)
    return _transactions


def configure(*, table_name: str, region: str, host: str | None) -> None:
    """Point every model at one table; drops cached connections so the change takes effect."""
    global _transactions
    _transactions = None
    for model in every_model():
        meta: Any = model.Meta
        meta.table_name = table_name
        meta.region = region
        meta.host = host
        model._connection = None
        for index in (Gsi1, Gsi2):
            index._connection = None  # type: ignore[union-attr]
