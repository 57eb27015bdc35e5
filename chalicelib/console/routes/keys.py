"""Key pages of a product: import a file or a paste in parts with a progress bar and a per-line report, the masked
list by status and batch, batches with supplier and cost, void, reveal with a reason, export that a spreadsheet
opens safely, and the key access log."""

from __future__ import annotations

import csv
import io
from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import json_response, status_for
from chalicelib.http.parsing import FORM_TYPE, MAX_IMPORT_BYTES
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.inventory.domain.keys import KEY_STATUSES, parse_key_id
from chalicelib.kernel.errors import DomainError, NotFound, PermissionDenied
from chalicelib.kernel.spreadsheet import spreadsheet_safe
from chalicelib.tenancy.domain.roles import Permission

console_keys = Blueprint(__name__)
PAGE_SIZE = 50
IMPORT_PART = 2_000  # lines per request of a console upload (the page sends a file in parts)
EXPORT_MAX = 10_000


def _keys_page(call: Call, product_id: str, *, status: int = 200, **context: Any) -> Response:
    inventory = call.c.inventory.keys
    product = call.c.catalog.products.get(tenant_id=call.tenant_id, product_id=product_id)
    wanted_status = call.query.get("status") or None
    wanted_batch = call.query.get("batch_id") or None
    page = inventory.list_keys(tenant_id=call.tenant_id, product_id=product.id,
                               status=wanted_status if wanted_status in KEY_STATUSES else None,
                               batch_id=wanted_batch if (wanted_batch or "").startswith("bat_") else None,
                               limit=PAGE_SIZE, cursor=call.query.get("cursor"))
    batches = inventory.batches(tenant_id=call.tenant_id, product_id=product.id, limit=50, cursor=None)
    stock = call.c.catalog.products.stock(tenant_id=call.tenant_id, product_id=product.id)
    may = call.actor.may
    return console_page(call, "console/keys.html", status=status, product=product, keys=page.items,
                        next_cursor=page.next_cursor, batches=batches.items, stock=stock, statuses=KEY_STATUSES,
                        chosen_status=wanted_status, chosen_batch=wanted_batch, part=IMPORT_PART,
                        may_import=may(Permission.KEYS_IMPORT), may_void=may(Permission.KEYS_VOID),
                        may_reveal=may(Permission.KEYS_REVEAL), may_export=may(Permission.KEYS_EXPORT),
                        export_max=EXPORT_MAX, **context)


def _guard(call: Call, product_id: str) -> None:
    if not product_id.startswith("prd_") or len(product_id) > 64:
        raise NotFound("no such product")


@endpoint(console_keys, "GET", "/console/products/{product_id}/keys", summary="A product's keys", tag=TAG,
          auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("status", string(enum=KEY_STATUSES)), QueryParam("batch_id", string(max_length=64)),
                 QueryParam("cursor", string(max_length=500)),
                 QueryParam("done", string(enum=("voided",)), "the last change")))
def keys(call: Call, product_id: str) -> Response:
    try:
        _guard(call, product_id)
        return _keys_page(call, product_id, voided=call.query.get("done") == "voided")
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)


@endpoint(console_keys, "POST", "/console/products/{product_id}/keys/import", summary="Import a part of an upload",
          tag=TAG, auth="console", produces="application/json", idempotent=False, in_openapi=False)
def import_part(call: Call, product_id: str) -> Response:
    """JSON in, JSON out, for the page's script: `{"keys": [...], "supplier", "cost_per_key", "batch_id"}`."""
    body = call.json(limit=MAX_IMPORT_BYTES)
    batch_id = body.pop("batch_id", None) if isinstance(body, dict) else None
    try:
        _guard(call, product_id)
        result = call.c.inventory.key_import.import_keys(
            tenant_id=call.tenant_id, product_id=product_id, body=body, content_type="application/json",
            actor=call.actor, continue_batch=batch_id if isinstance(batch_id, str) and batch_id else None)
    except DomainError as exc:
        return json_response({"error": {"code": exc.code, "message": error_text(call, exc)}}, status_for(exc))
    answer = {"batch_id": result.batch_id, "imported": result.imported, "duplicates": result.duplicates,
              "duplicate_lines": sorted(result.duplicate_lines),
              "rejected": [{"line": r.line, "reason": r.reason} for r in result.rejected],
              "failed_lines": result.failed_lines,
              "error": None if result.failure is None else {"code": result.failure.code,
                                                            "message": error_text(call, result.failure)}}
    return json_response(answer, 200 if result.failure is None else status_for(result.failure))


@endpoint(console_keys, "POST", "/console/keys/{key_id}/void", summary="Void a key (form)", tag=TAG, auth="console",
          content_types=(FORM_TYPE,), produces="text/html", idempotent=False, in_openapi=False)
def void(call: Call, key_id: str) -> Response:
    try:
        product_id = parse_key_id(key_id)[0]
        shown = call.c.inventory.keys.void_key(tenant_id=call.tenant_id, key_id=key_id, actor=call.actor)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _keys_page(call, product_id, status=status_for(exc), error=error_text(call, exc))
    return redirect(f"/console/products/{shown.key.product_id}/keys?done=voided")


@endpoint(console_keys, "POST", "/console/keys/{key_id}/reveal", summary="Reveal one key with a reason (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def reveal(call: Call, key_id: str) -> Response:
    try:
        shown, value = call.c.inventory.keys.reveal_key(tenant_id=call.tenant_id, key_id=key_id, actor=call.actor,
                                                        reason=call.form().get("reason", ""))
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        try:
            return _keys_page(call, parse_key_id(key_id)[0], status=status_for(exc), error=error_text(call, exc))
        except NotFound:
            return console_page(call, "console/not_found.html", status=404)
    return _keys_page(call, shown.key.product_id, revealed={"id": shown.id, "value": value})


@endpoint(console_keys, "GET", "/console/products/{product_id}/keys/export", summary="Export unsold keys (CSV)",
          tag=TAG, auth="console", produces="text/csv", in_openapi=False,
          query=(QueryParam("batch_id", string(max_length=64)),))
def export(call: Call, product_id: str) -> Response:
    batch = call.query.get("batch_id") or None
    try:
        _guard(call, product_id)
        rows, _ = call.c.inventory.keys.export(tenant_id=call.tenant_id, product_id=product_id,
                                               batch_id=batch if (batch or "").startswith("bat_") else None,
                                               limit=EXPORT_MAX, cursor=None, actor=call.actor)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["key_id", "key", "batch_id", "created_at"])
    for kid, k, value in rows:
        writer.writerow([kid, spreadsheet_safe(value), k.batch_id, k.created_at])
    # a BOM so spreadsheets read the file as UTF-8 (keys and notes may hold Chinese text)
    return Response(body="\ufeff" + out.getvalue(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{product_id}-unsold-keys.csv"'})


@endpoint(console_keys, "GET", "/console/key-access", summary="Key access log", tag=TAG, auth="console",
          produces="text/html", in_openapi=False, query=(QueryParam("cursor", string(max_length=500)),))
def access_log(call: Call) -> Response:
    try:
        page = call.c.inventory.keys.access_log(tenant_id=call.tenant_id, limit=50, cursor=call.query.get("cursor"),
                                                actor=call.actor)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return console_page(call, "console/key_access.html", entries=page.items, next_cursor=page.next_cursor)
