"""Shop settings as the merchant sets them (PATCH /v1/tenant): name, logo, announcement, support, stock display,
payment methods and language; every field checked, each failure naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ...kernel import validation as v
from ...kernel.errors import InvalidRequest
from ...kernel.i18n import LOCALES
from .models import Tenant

PAYMENT_METHODS = ("card", "alipay", "wechat_pay")
SHOP_FIELDS = {"name", "logo_url", "announcement", "support_contact", "show_stock_counts", "payment_methods",
               "locale", "timezone"}
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
        changes["name"] = v.text(data, "name", max_len=100, single_line=True)
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
    if "timezone" in data:
        changes["timezone"] = timezone(data.get("timezone"))
    return changes


def timezone(value: Any) -> str:
    """An IANA zone name (`Asia/Shanghai`, `Europe/Berlin`); empty goes back to the language's default."""
    if value is None or value == "":
        return ""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or len(value) > 64 or ".." in value or value.startswith("/"):
        raise InvalidRequest("timezone must be an IANA zone name such as Asia/Shanghai", param="timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRequest(f"unknown timezone {value!r}: use an IANA zone name such as Asia/Shanghai",
                             param="timezone") from exc
    return value


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
