"""The storefront's rules: shop settings, what a buyer may see of stock, and product search."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.catalog.domain import Product
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest
from chalicelib.kernel.i18n import LOCALES
from chalicelib.tenancy.domain.models import Tenant

PAYMENT_METHODS = ("card", "alipay", "wechat_pay")
SHOP_FIELDS = {"name", "logo_url", "announcement", "support_contact", "show_stock_counts", "payment_methods",
               "locale"}
MAX_ANNOUNCEMENT = 500


class ShopSettingsStore(Protocol):
    def get(self, *, tenant_id: str) -> Tenant: ...
    def update_shop(self, tenant: Tenant) -> None: ...


def shop_changes(data: Mapping[str, Any], *, allow_http: bool) -> dict[str, Any]:
    """The validated changes of a `PATCH /v1/tenant` body; a bad field is a 400 that names it."""
    v.unknown_fields(data, SHOP_FIELDS)
    if not data:
        raise InvalidRequest(f"send at least one field to change: {', '.join(sorted(SHOP_FIELDS))}")
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = v.text(data, "name", max_len=100)
    if "logo_url" in data:
        changes["logo_url"] = v.url(data, "logo_url", allow_http=allow_http)
    if "announcement" in data:
        changes["announcement"] = v.optional_text(data, "announcement", max_len=MAX_ANNOUNCEMENT)
    if "support_contact" in data:
        changes["support_contact"] = support_contact(data, allow_http=allow_http)
    if "show_stock_counts" in data:
        changes["show_stock_counts"] = v.boolean(data, "show_stock_counts")
    if "payment_methods" in data:
        changes["payment_methods"] = payment_methods(data.get("payment_methods"))
    if "locale" in data:
        value = data.get("locale")
        if value not in LOCALES:
            raise InvalidRequest(f"locale must be one of {', '.join(LOCALES)}", param="locale")
        changes["locale"] = value
    return changes


def support_contact(data: Mapping[str, Any], *, allow_http: bool) -> str:
    """An e-mail address or a web address (a help desk, a chat link); empty clears it."""
    value = data.get("support_contact")
    if value is None or value == "":
        return ""
    if isinstance(value, str) and "@" in value and "://" not in value:
        return v.email(value, field="support_contact")
    try:
        return v.url(data, "support_contact", allow_http=allow_http)
    except InvalidRequest as exc:
        raise InvalidRequest("support_contact must be an e-mail address or an https URL",
                             param="support_contact") from exc


def payment_methods(value: Any) -> tuple[str, ...]:
    hint = f"payment_methods must be a list drawn from {', '.join(PAYMENT_METHODS)} and include card"
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise InvalidRequest(hint, param="payment_methods")
    unknown = [m for m in value if m not in PAYMENT_METHODS]
    if unknown:
        raise InvalidRequest(f"unknown payment method {unknown[0]!r}; {hint}", param="payment_methods")
    if "card" not in value:
        raise InvalidRequest(hint, param="payment_methods")
    return tuple(m for m in PAYMENT_METHODS if m in value)  # a stable order, no duplicates


class StockState:
    IN_STOCK, LOW, SOLD_OUT = "in_stock", "low", "sold_out"


@dataclass(frozen=True)
class ShelfItem:
    """A product as the storefront shows it: the buyer sees a state, and a count only if the shop opts in."""

    product: Product
    state: str
    available: int

    def visible_count(self, tenant: Tenant) -> int | None:
        return self.available if tenant.show_stock_counts else None


def stock_state(available: int, product: Product) -> str:
    if available <= 0:
        return StockState.SOLD_OUT
    if available <= max(product.low_stock_threshold, 0):
        return StockState.LOW
    return StockState.IN_STOCK


def fold(value: str) -> str:
    """Case- and width-insensitive text for search (full-width letters match, accents are kept)."""
    return unicodedata.normalize("NFKC", value).casefold()


def matches(product: Product, query: str) -> bool:
    """Every word of the query appears in the name, the category or the description."""
    haystack = fold(" ".join((product.name, product.category, product.description)))
    return all(word in haystack for word in fold(query).split())


class StockReader(Protocol):
    def stock_many(self, *, tenant_id: str, products: Any) -> Mapping[str, Any]: ...
