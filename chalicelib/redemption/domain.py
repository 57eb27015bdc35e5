"""Redemption (核销) and licence checks: key records found by fingerprint, verdicts, and the store port."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..inventory.domain.cardkeys import MAX_KEY_LENGTH
from ..inventory.domain.models import KeyRef
from ..kernel import validation as v
from ..kernel.errors import Conflict, InvalidRequest
from ..kernel.ports import Page

SOLD = "sold"
NOT_SOLD_STATUSES = frozenset({"available", "reserved"})
RELEASED = "released"  # an old slot of a key that moved: its fingerprint points at the new one

# Reasons a check answers `valid: false` (200, not an error: partners and licence clients branch on them).
NOT_FOUND, NOT_SOLD, VOID, ALREADY_REDEEMED = "not_found", "not_sold", "void", "already_redeemed"
LIMIT_REACHED, INSTANCE_NOT_FOUND = "activation_limit_reached", "instance_not_found"

MAX_REDEEMER_LENGTH = 128
MAX_INSTANCE_NAME_LENGTH = 200
# Printable, no control characters: redeemer ids end up in webhook payloads and merchant consoles.
# Printable and not blank: the lookahead asks for one non-space character (the value is trimmed).
REDEEMER_PATTERN = r"^(?=.*\S)[^\u0000-\u001f\u007f-\u009f]{1,128}$"
INSTANCE_NAME_PATTERN = r"^(?=.*\S)[^\u0000-\u001f\u007f-\u009f]{1,200}$"
PRODUCT_ID_PATTERN = r"^prd_[0-9a-z]{7,59}$"
_PRODUCT_ID = re.compile(PRODUCT_ID_PATTERN)
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f]")


@dataclass(frozen=True)
class Redemption:
    """A key marked used by a partner, once."""

    tenant_id: str
    id: str
    product_id: str
    order_id: str | None
    redeemer: str
    redeemed_at: int
    ref: KeyRef


@dataclass(frozen=True)
class KeyRecord:
    """What redemption and licences need to know about one stored key (never its value)."""

    tenant_id: str
    product_id: str
    ref: KeyRef
    fingerprint: str
    status: str
    order_id: str | None = None
    redemption: Redemption | None = None
    event_published: bool = False  # key.redeemed reached the event publisher
    activations: int = 0

    @property
    def problem(self) -> str | None:
        """Why this key cannot be used at all (sold keys can), or None."""
        if self.status == SOLD:
            return None
        return NOT_SOLD if self.status in NOT_SOLD_STATUSES else VOID


@dataclass(frozen=True)
class Activation:
    id: str
    instance_name: str
    created_at: int


@dataclass(frozen=True)
class KeyCheck:
    """The answer to verify and redeem: valid, or why not."""

    valid: bool
    reason: str | None
    record: KeyRecord | None


def key_value(body: Mapping[str, Any], field: str) -> str:
    """A key as the buyer has it; trimmed as the import trims it."""
    value = body.get(field)
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} is required: the key's value as the buyer received it", param=field)
    value = value.strip()
    if not 1 <= len(value) <= MAX_KEY_LENGTH:
        raise InvalidRequest(f"{field} must be 1 to {MAX_KEY_LENGTH} characters long", param=field)
    return value


def optional_product(body: Mapping[str, Any]) -> str | None:
    value = body.get("product_id")
    if value is None:
        return None
    if not isinstance(value, str) or not _PRODUCT_ID.fullmatch(value):
        raise InvalidRequest("product_id must be a product id (prd_...) or left out", param="product_id")
    return value


def label(body: Mapping[str, Any], field: str, max_len: int, *, required: bool = True) -> str:
    """A caller-chosen name (redeemer id, instance name): printable text, trimmed."""
    value = v.text(body, field, max_len=max_len, required=required)
    if _CONTROL.search(value):
        raise InvalidRequest(f"{field} must be printable text without control characters", param=field)
    return value


def instance_id(body: Mapping[str, Any], *, required: bool) -> str | None:
    value = body.get("instance_id")
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidRequest("instance_id is required: the id activate returned", param="instance_id")
    if len(value) > 64:
        raise InvalidRequest("instance_id is at most 64 characters", param="instance_id")
    return value


def choose(records: Sequence[KeyRecord], product_id: str | None,
           usable: Callable[[KeyRecord], bool]) -> KeyRecord | None:
    """The record a check is about. A value may sit in several of the tenant's products: product_id
    narrows it; without one, the single usable record wins, and two usable ones are ambiguous (the
    caller must say which product, never a guess that redeems the wrong one)."""
    live = [r for r in records if r.status != RELEASED and (product_id is None or r.product_id == product_id)]
    if not live:
        return None
    good = [r for r in live if usable(r)]
    if len(good) > 1:
        raise Conflict("this key is sold in more than one of your products; send product_id to say which",
                       code="ambiguous_key", param="product_id")
    if good:
        return good[0]
    # Nothing usable: explain with the most telling record (sold beats void beats unsold), stably.
    rank = {None: 0, VOID: 1, NOT_SOLD: 2}
    return sorted(live, key=lambda r: (rank.get(r.problem, 3), r.product_id))[0]


def redeemable(record: KeyRecord) -> bool:
    return record.problem is None and record.redemption is None


def licensable(record: KeyRecord) -> bool:
    return record.problem is None


class RedemptionStore(Protocol):
    def find(self, *, tenant_id: str, fingerprint: str) -> builtins.list[KeyRecord]: ...
    def read(self, *, tenant_id: str, product_id: str, ref: KeyRef, fingerprint: str) -> KeyRecord | None: ...
    def redeem(self, *, record: KeyRecord, redemption: Redemption) -> bool: ...
    def mark_published(self, *, record: KeyRecord) -> None: ...
    def get(self, *, tenant_id: str, redemption_id: str) -> Redemption: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def activate(self, *, record: KeyRecord, activation: Activation, limit: int) -> bool: ...
    def deactivate(self, *, record: KeyRecord, instance_id: str) -> bool: ...
    def activation(self, *, record: KeyRecord, instance_id: str) -> Activation | None: ...
