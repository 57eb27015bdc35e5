"""PynamoDB items of redemption and licences: a view of the key item, redemptions, activations."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.items import Gsi2, Item


class RedeemableKeyItem(Item):
    """The pool's key item (same pk/sk as KeyItem), seen through only what redemption reads and writes.
    PynamoDB writes only declared attributes and this class is used with update actions only, so the
    pool's own attributes (ciphertext, batch, reservation) are never touched from here."""

    status = UnicodeAttribute()
    fp = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    redemption_id = UnicodeAttribute(null=True)
    redeemed_at = NumberAttribute(null=True)
    redeemed_by = UnicodeAttribute(null=True)
    redemption_published = BooleanAttribute(null=True)
    activations = NumberAttribute(null=True)


class RedemptionItem(Item):
    """One per redemption, in its own partition; gsi2 lists a tenant's redemptions newest first."""

    redemption_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    redeemer = UnicodeAttribute()
    redeemed_at = NumberAttribute()
    shard = NumberAttribute()
    seq = NumberAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_tenant = Gsi2()


class ActivationItem(Item):
    """One licence activation (instance) of one key, in that key's activation partition."""

    instance_name = UnicodeAttribute()
    created_at = NumberAttribute()


MODELS: tuple[type[Item], ...] = (RedeemableKeyItem, RedemptionItem, ActivationItem)


def redemption_pk(tenant_id: str, redemption_id: str) -> str:
    return f"T#{tenant_id}#RED#{redemption_id}"


def redemptions_index(tenant_id: str) -> str:
    return f"T#{tenant_id}#REDEMPTIONS"


def activations_pk(tenant_id: str, product_id: str, shard: int, seq: int) -> str:
    """Beside the key, not under its shard partition: pool queries over a shard then never meet them."""
    return f"{keys.shard(tenant_id, product_id, shard)}#{keys.key_sk(seq)}#ACT"
