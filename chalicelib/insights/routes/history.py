"""Merchant API: bringing past orders in from CSV (checked whole, then counted chunk by chunk in the background)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, endpoint
from chalicelib.http.schema import integer, obj, string, timestamp
from chalicelib.insights.domain.history_import import PRESETS, ImportJob
from chalicelib.insights.service.history_import import MAX_TEXT

history_routes = Blueprint(__name__)

IMPORT_BODY = obj({
    "csv": string("the file's text: a header line, then one line per order"),
    "preset": string("whose export the file is: kamidrop (columns order_id, created_at, product, quantity, amount, "
                     "currency, email, status) or dujiaoka (its order export; amounts in yuan)", enum=tuple(PRESETS)),
    "columns": obj({}, description="field → header, where the file's headers differ from the preset's"),
    "currency": string("the amounts' currency when the file has no currency column", max_length=3),
}, required=("csv",), title="HistoryImportRequest")
IMPORT = obj({
    "object": string(enum=("history_import",)), "id": string(),
    "status": string("counting until every chunk is in the figures, then done", enum=("counting", "done")),
    "orders": integer("paid orders in the file", minimum=0), "skipped": integer("unpaid rows left out", minimum=0),
    "chunks": integer(minimum=0), "chunks_counted": integer(minimum=0), "created_at": timestamp(),
    "first_order_at": timestamp(nullable=True), "last_order_at": timestamp(nullable=True),
}, title="HistoryImport")


def import_json(job: ImportJob) -> dict[str, Any]:
    return {"object": "history_import", "id": job.id, "status": job.status, "orders": job.orders,
            "skipped": job.skipped, "chunks": job.chunks, "chunks_counted": min(job.done, job.chunks),
            "created_at": job.created_at, "first_order_at": job.first_at, "last_order_at": job.last_at}


@endpoint(history_routes, "POST", "/v1/insights/history", summary="Import past orders from CSV", tag="Insights",
          scope="orders_write", status=202, body=IMPORT_BODY, response=IMPORT,
          description="So stock alerts, forecasts, reports and segments work from day one. The whole file is "
                      "checked first (every line's errors, products matched by id or name): a file with any error "
                      "imports nothing (400 `import_refused` lists the lines). Paid orders are then counted into "
                      "the sales figures and buyer aggregates in the background, each once even if the file is "
                      "imported again; they never touch the key pools. At most 50,000 orders and 5 MB a file.")
def start_import(call: Call) -> Any:
    job, _ = call.c.insights.history.start(actor=call.actor, tenant_id=call.tenant_id,
                                           body=call.json(limit=MAX_TEXT + 100_000))
    return import_json(job)


@endpoint(history_routes, "GET", "/v1/insights/history/{import_id}", summary="An import's progress", tag="Insights",
          scope="read", response=IMPORT)
def get_import(call: Call, import_id: str) -> Any:
    return import_json(call.c.insights.history.get(actor=call.actor, tenant_id=call.tenant_id, job_id=import_id))
