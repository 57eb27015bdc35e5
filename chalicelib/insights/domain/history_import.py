"""Bringing a shop's past orders in from CSV, so alerts, forecasts, reports and segments work from day one.

A file is read whole before anything is written: every column mapped, every row checked (line numbers in the
errors), every product found among the shop's own (by id or by name), and only then turned into historic orders.
Rows whose status is not a paid one are skipped and counted. Imported orders feed the rollups and the buyer
aggregates, never the key pools: no key is sold or created by history.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

FIELDS = ("order_id", "created_at", "product", "quantity", "amount", "currency", "email", "status")
REQUIRED = ("order_id", "created_at", "product", "amount")
MAX_ROWS = 50_000
CHUNK = 500  # orders counted per queue message (~1,500 requests: well inside a Lambda's time)
MAX_ERRORS = 20  # errors listed; the count says how many more
MAX_AGE_DAYS = 3 * 366
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "isk", "pyg", "ugx", "xaf", "xof"})


@dataclass(frozen=True)
class Preset:
    """A known export: for each field, the headers it may carry (any case), the statuses that mean paid."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    paid: frozenset[str] = frozenset()  # empty: every row counts (no status column expected)
    currency: str | None = None  # the file's currency when it has no currency column


PRESETS = {
    "kamidrop": Preset("kamidrop", {f: (f,) for f in FIELDS},
                       frozenset({"paid", "delivered", "completed", "complete", "success"})),
    # dujiaoka's orders table / admin export: status 4 is "completed" (已完成); amounts in yuan
    "dujiaoka": Preset("dujiaoka", {
        "order_id": ("order_sn", "订单号"), "created_at": ("created_at", "创建时间", "下单时间"),
        "product": ("title", "goods_id", "商品名称"), "quantity": ("buy_amount", "购买数量"),
        "amount": ("actual_price", "实际支付价格", "total_price", "订单总价"), "email": ("email", "下单邮箱", "邮箱"),
        "status": ("status", "订单状态"), "currency": ("currency",)},
        frozenset({"4", "已完成", "completed"}), currency="cny"),
}


@dataclass(frozen=True)
class HistoricOrder:
    """A past paid order, as the rollups count a sale."""

    id: str  # stable for the shop and the file's order reference: importing twice counts it once
    at: int
    product_id: str
    quantity: int
    amount: int
    currency: str
    email: str
    first: bool = False  # the buyer's first order in the file: counted as a new buyer (the file predates the shop)


@dataclass(frozen=True)
class RowError:
    line: int  # the file's line (the header is line 1)
    message: str


@dataclass(frozen=True)
class Plan:
    orders: list[HistoricOrder] = field(default_factory=list)
    skipped: int = 0  # rows of unpaid orders (pending, expired, failed)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    unknown_products: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.unknown_products


class BadFile(ValueError):
    """The file as a whole cannot be read (no header, a required column missing, too many rows)."""


def order_id(tenant_id: str, ref: str) -> str:
    return "hor_" + hashlib.sha256(f"{tenant_id}|{ref}".encode()).hexdigest()[:26]


def columns_of(header: list[str], preset: Preset, overrides: Mapping[str, str]) -> dict[str, int]:
    """Each field's column index: an override names the header exactly; else the preset's names, any case."""
    lowered = [h.strip().lower().lstrip("\ufeff") for h in header]
    found: dict[str, int] = {}
    for name in FIELDS:
        wanted = (overrides[name],) if name in overrides else preset.columns.get(name, ())
        for candidate in wanted:
            if candidate.strip().lower() in lowered:
                found[name] = lowered.index(candidate.strip().lower())
                break
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        raise BadFile(f"no column for {', '.join(missing)}: the header has {', '.join(header[:12])}; map the "
                      f"columns or choose the preset your export came from")
    if preset.paid and "status" not in found:
        raise BadFile("no status column: map it, or the unpaid orders in the file would count as sales")
    return found


def plan(text: str, preset: Preset, *, tenant_id: str, zone: str, products: Mapping[str, str], now: int,
         currency: str | None = None, overrides: Mapping[str, str] | None = None) -> Plan:
    """Reads the whole file: the historic orders, or why not. `products` maps a lower-cased product id or name
    to the product id."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise BadFile("the file is empty: a header line and one line per order")
    if len(rows) - 1 > MAX_ROWS:
        raise BadFile(f"{len(rows) - 1} rows: at most {MAX_ROWS} per file; split it and import each part")
    columns = columns_of(rows[0], preset, overrides or {})
    default_currency = (currency or preset.currency or "").lower()
    tz = ZoneInfo(zone)
    orders: list[HistoricOrder] = []
    errors: list[RowError] = []
    unknown: dict[str, None] = {}
    seen: set[str] = set()
    skipped = 0
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
        if preset.paid and cell.get("status", "").lower() not in preset.paid:
            skipped += 1
            continue
        try:
            made = _order(cell, tenant_id=tenant_id, tz=tz, now=now, currency=default_currency, products=products)
        except _UnknownProduct as exc:
            unknown.setdefault(str(exc), None)
            continue
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if made.id in seen:
            errors.append(RowError(line, f"order {cell['order_id']!r} appears twice in the file"))
            continue
        seen.add(made.id)
        orders.append(made)
    orders.sort(key=lambda o: (o.at, o.id))
    return Plan(_firsts(orders), skipped, errors[:MAX_ERRORS], len(errors), list(unknown)[:MAX_ERRORS])


def _firsts(orders: list[HistoricOrder]) -> list[HistoricOrder]:
    """Marks each buyer's earliest order in the (sorted) file, so the reports tell new buyers from returning ones;
    an order without an e-mail has no buyer to be new."""
    seen: set[str] = set()
    marked = []
    for order in orders:
        first = bool(order.email) and order.email not in seen
        seen.add(order.email)
        marked.append(replace(order, first=True) if first else order)
    return marked


class _UnknownProduct(ValueError):
    pass


def _order(cell: Mapping[str, str], *, tenant_id: str, tz: ZoneInfo, now: int, currency: str,
           products: Mapping[str, str]) -> HistoricOrder:
    ref = cell["order_id"]
    if not ref or len(ref) > 100:
        raise ValueError("order_id is empty or longer than 100 characters")
    at = moment(cell["created_at"], tz)
    if at > now:
        raise ValueError(f"created_at {cell['created_at']!r} is in the future")
    if at < now - MAX_AGE_DAYS * 86400:
        raise ValueError(f"created_at {cell['created_at']!r} is more than three years ago")
    product_id = products.get(cell["product"].lower())
    if product_id is None:
        raise _UnknownProduct(cell["product"])
    raw_quantity = cell.get("quantity") or "1"
    if not raw_quantity.isdigit() or not 1 <= int(raw_quantity) <= 10_000:
        raise ValueError(f"quantity {raw_quantity!r} is not a whole number from 1 to 10000")
    cur = (cell.get("currency") or currency).lower()
    if len(cur) != 3 or not cur.isalpha():
        raise ValueError("no currency: add a currency column or choose the file's currency")
    email = cell.get("email", "").lower()
    if email and ("@" not in email or len(email) > 254):
        raise ValueError(f"email {cell.get('email')!r} is not an e-mail address")
    return HistoricOrder(order_id(tenant_id, ref), at, product_id, int(raw_quantity), minor_units(cell["amount"], cur),
                         cur, email)


def moment(raw: str, tz: ZoneInfo) -> int:
    """Epoch seconds of `2024-05-01 12:34:56` (the shop's zone), an ISO time with its offset, or epoch seconds."""
    text = raw.strip()
    if text.isdigit() and len(text) in (10, 13):
        return int(text) // (1000 if len(text) == 13 else 1)
    try:
        parsed = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError as exc:
        raise ValueError(f"created_at {raw!r} is not a date and time (2024-05-01 12:34:56)") from exc
    local = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    return int(local.astimezone(UTC).timestamp())


def minor_units(raw: str, currency: str) -> int:
    """`12.50` (major units, as exports write money) in minor units of the currency; refuses what is not money."""
    try:
        value = Decimal(raw.replace(",", "").replace("¥", "").replace("$", "").strip())
    except InvalidOperation as exc:
        raise ValueError(f"amount {raw!r} is not an amount") from exc
    if not value.is_finite() or value < 0 or value > 10_000_000:
        raise ValueError(f"amount {raw!r} is not an amount from 0 to 10000000")
    scale = 1 if currency in ZERO_DECIMAL else 100
    minor = value * scale
    if minor != minor.to_integral_value():
        raise ValueError(f"amount {raw!r} has more decimals than {currency.upper()} has")
    return int(minor)


@dataclass(frozen=True)
class ImportJob:
    """One file brought in: its orders are counted chunk by chunk from the queue."""

    id: str
    created_at: int
    orders: int
    skipped: int
    chunks: int
    done: int  # chunks counted
    first_at: int | None
    last_at: int | None

    @property
    def status(self) -> str:
        return "done" if self.done >= self.chunks else "counting"
