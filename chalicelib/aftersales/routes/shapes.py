"""JSON shapes of after-sales: the report (buyer and merchant share it), the buyer's key lines, the stats."""

from __future__ import annotations

from typing import Any

from chalicelib.aftersales import domain as a
from chalicelib.http.schema import array, id_of, integer, obj, string, timestamp

REPORT = obj({
    "id": id_of("rpt"), "object": string(enum=("key_report",)), "order_id": id_of("ord"),
    "product_id": id_of("prd"),
    "key_index": integer("position of the reported key in the order's key list", minimum=0),
    "reason": string(enum=a.REASONS), "note": string("the buyer's words", max_length=a.MAX_NOTE),
    "status": string("replaced: a new key was sent at once; open: waits for the shop; resolved or rejected: "
                     "the shop decided", enum=a.STATUSES),
    "resolution": string(enum=a.RESOLUTIONS, nullable=True),
    "replacement_index": integer("position of the new key in the order's key list", minimum=0, nullable=True),
    "message": string("the shop's words to the buyer, empty if none", max_length=a.MAX_MESSAGE),
    "review_reason": string("why it went to the shop's review queue (null when replaced at once)",
                            enum=a.REVIEW_REASONS, nullable=True),
    "created_at": timestamp(), "resolved_at": timestamp(nullable=True),
    "resolution_seconds": integer("from the report to its resolution", minimum=0, nullable=True),
}, title="KeyReport")
LINE = obj({"index": integer(minimum=0), "key": string("the plaintext key"),
            "status": string("ok; reported (never valid again); replacement (sent after a report)",
                             enum=(a.LINE_OK, a.LINE_REPORTED, a.LINE_REPLACEMENT)),
            "report_id": string("the key's latest report", nullable=True)}, title="KeyLine")
LINES = array(LINE, "every key of the order, in order, with its after-sales status")
REPORTS = array(REPORT, "this order's reports, oldest first")
STATS = obj({
    "open": integer("reports waiting for you, however old", minimum=0),
    "resolved_30d": integer("reports filed in the last 30 days that are closed (auto-replaced included)",
                            minimum=0),
    "auto_replaced_30d": integer("of those, replaced at once by the product's policy", minimum=0),
    "median_resolution_seconds": integer("report to resolution, over the closed ones", minimum=0, nullable=True),
    "p90_resolution_seconds": integer(minimum=0, nullable=True),
}, title="ReportStats")


def report(r: a.Report) -> dict[str, Any]:
    return {"id": r.id, "object": "key_report", "order_id": r.order_id, "product_id": r.product_id,
            "key_index": r.key_index, "reason": r.reason, "note": r.note, "status": r.status,
            "resolution": r.resolution, "replacement_index": r.replacement_index, "message": r.message,
            "review_reason": r.review_reason, "created_at": r.created_at, "resolved_at": r.resolved_at,
            "resolution_seconds": r.resolution_seconds}


def line(x: a.BuyerLine) -> dict[str, Any]:
    return {"index": x.index, "key": x.key, "status": x.status, "report_id": x.report_id}


def stats(s: a.ReportStats) -> dict[str, Any]:
    return {"open": s.open, "resolved_30d": s.resolved_30d, "auto_replaced_30d": s.auto_replaced_30d,
            "median_resolution_seconds": s.median_resolution_seconds,
            "p90_resolution_seconds": s.p90_resolution_seconds}
