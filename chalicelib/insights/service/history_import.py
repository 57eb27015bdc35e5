"""Importing a shop's past orders: the file is checked whole and kept in chunks, then each chunk is counted into the
rollups and buyer aggregates from its own queue message (a 50,000-order file never has to fit one request); when
the last chunk is counted the nightly run is made again, so forecasts, segments and rules see the history."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from chalicelib.insights.domain.history_import import (
    CHUNK,
    PRESETS,
    BadFile,
    HistoricOrder,
    ImportJob,
    Plan,
    plan,
)
from chalicelib.insights.domain.rollups import SALE, Bucket, Fact, bucket
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock, MessageQueue
from chalicelib.sales.domain.orders import customer_id
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

log = logging.getLogger(__name__)
HISTORY_CHUNK = "history_chunk"
MAX_TEXT = 5_000_000  # characters of CSV in one import (API Gateway takes 6 MB a request)


class HistoryStore(Protocol):
    def save(self, tenant_id: str, job: ImportJob, orders: list[HistoricOrder]) -> None: ...
    def chunk(self, tenant_id: str, job_id: str, n: int) -> list[HistoricOrder]: ...
    def counted(self, tenant_id: str, job_id: str, n: int, now: int) -> bool: ...
    def get(self, tenant_id: str, job_id: str) -> ImportJob | None: ...
    def recent(self, tenant_id: str, limit: int = 10) -> list[ImportJob]: ...


class Counter(Protocol):
    def record(self, tenant_id: str, fact: Fact, at: Bucket, late: bool = False) -> bool: ...


class Products(Protocol):
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...


class Nightly(Protocol):
    def run(self, tenant_id: str, *, force: bool = False) -> Any: ...


class Refused(InvalidRequest):
    """The file cannot be imported as it is: the errors say which lines and why."""

    default_code = "import_refused"


class HistoryImportService:
    def __init__(self, *, store: HistoryStore, counter: Counter, products: Products, nightly: Nightly,
                 tenants: TenantDirectory, queue: MessageQueue, clock: Clock) -> None:
        self._store = store
        self._counter = counter
        self._products = products
        self._nightly = nightly
        self._tenants = tenants
        self._queue = queue
        self._clock = clock

    def start(self, *, actor: Actor, tenant_id: str, body: Any) -> tuple[ImportJob, Plan]:
        """`{"csv": "...", "preset": "kamidrop"|"dujiaoka", "columns": {field: header}, "currency": "cny"}`: checks
        the whole file, keeps it in chunks and queues them; nothing is kept when anything is wrong."""
        actor.require(Permission.SETTINGS)  # it changes every figure the shop's reports and jobs show
        data = v.body_object(body)
        v.unknown_fields(data, {"csv", "preset", "columns", "currency"})
        text = data.get("csv")
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequest("csv must be the file's text: a header line and one line per order", param="csv")
        if len(text) > MAX_TEXT:
            raise InvalidRequest(f"the file is over {MAX_TEXT // 1_000_000} MB: split it", param="csv")
        preset_name = data.get("preset", "kamidrop")
        if preset_name not in PRESETS:
            raise InvalidRequest(f"preset must be one of {', '.join(PRESETS)}", param="preset")
        columns = data.get("columns") or {}
        if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(c, str)
                                                    for k, c in columns.items()):
            raise InvalidRequest("columns must map field names to header names", param="columns")
        currency = data.get("currency")
        if currency is not None and (not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha()):
            raise InvalidRequest("currency must be a three-letter code such as cny or usd", param="currency")
        tenant = self._tenants.get(tenant_id=tenant_id)
        now = self._clock.now()
        try:
            found = plan(text, PRESETS[preset_name], tenant_id=tenant_id, zone=tenant.zone, now=now,
                         products=self._product_keys(tenant_id), currency=currency, overrides=columns)
        except BadFile as exc:
            raise InvalidRequest(str(exc), param="csv") from exc
        if not found.ok:
            raise _refusal(found)
        if not found.orders:
            raise InvalidRequest(f"no paid order in the file ({found.skipped} unpaid rows skipped)", param="csv")
        job = ImportJob(new_id("history_import"), now, len(found.orders), found.skipped,
                        (len(found.orders) + CHUNK - 1) // CHUNK, 0, found.orders[0].at, found.orders[-1].at)
        self._store.save(tenant_id, job, found.orders)
        for n in range(job.chunks):
            self._queue.send({"kind": HISTORY_CHUNK, "tenant_id": tenant_id, "job_id": job.id, "chunk": str(n)})
        return job, found

    def count_chunk(self, tenant_id: str, job_id: str, n: int) -> int:
        """A queue message's work: counts one chunk's orders (each once, whatever the retries); the last chunk of a
        job makes the nightly run again. Returns the orders counted now."""
        tenant = self._tenants.get(tenant_id=tenant_id)
        orders = self._store.chunk(tenant_id, job_id, n)
        counted = 0
        for order in orders:
            fact = Fact(SALE, order.id, order.product_id, order.at, order.quantity, order.amount, order.currency,
                        buyer=customer_id(tenant_id, order.email) if order.email else "", email=order.email,
                        new_buyer=order.first)
            # history lands on closed days: `late` keeps the dashboard's digest from hiding it
            counted += self._counter.record(tenant_id, fact, bucket(order.at, tenant.zone), late=True)
        if self._store.counted(tenant_id, job_id, n, self._clock.now()):
            job = self._store.get(tenant_id, job_id)
            if job is not None and job.done >= job.chunks:
                self._nightly.run(tenant_id, force=True)
        return counted

    def get(self, *, actor: Actor, tenant_id: str, job_id: str) -> ImportJob:
        actor.require(Permission.VIEW)
        job = self._store.get(tenant_id, job_id)
        if job is None:
            raise NotFound("no such import")
        return job

    def recent(self, *, actor: Actor, tenant_id: str) -> list[ImportJob]:
        actor.require(Permission.VIEW)
        return self._store.recent(tenant_id)

    def _product_keys(self, tenant_id: str) -> dict[str, str]:
        """Every product of the shop by its id and by its name (lower case): the file may name either."""
        keys: dict[str, str] = {}
        cursor: str | None = None
        while True:
            page = self._products.list(tenant_id=tenant_id, limit=100, cursor=cursor)
            for p in page.items:
                keys.setdefault(p.name.strip().lower(), p.id)
                keys[p.id.lower()] = p.id
            cursor = page.next_cursor
            if not cursor:
                return keys


def _refusal(found: Plan) -> Refused:
    parts = [f"line {e.line}: {e.message}" for e in found.errors]
    if found.error_count > len(found.errors):
        parts.append(f"and {found.error_count - len(found.errors)} more")
    if found.unknown_products:
        parts.append("products not in the shop (create them first, or name them as the shop does): "
                     + ", ".join(repr(p) for p in found.unknown_products))
    return Refused("the file was not imported; " + "; ".join(parts), param="csv",
                   extra={"errors": [{"line": e.line, "message": e.message} for e in found.errors],
                          "error_count": found.error_count, "unknown_products": found.unknown_products})
