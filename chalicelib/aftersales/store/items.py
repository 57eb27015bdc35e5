"""PynamoDB items of after-sales: a report beside its order, a pointer by report id, the open-report count."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.dynamo.items import Gsi2, Item


class ReportItem(Item):
    """T#<tenant>#O#<order> / RPT#<report id>: beside the order, so its page reads every report in one Query."""

    report_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    key_index = NumberAttribute()
    ref = UnicodeAttribute()
    reason = UnicodeAttribute()
    note = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    created_at = NumberAttribute()
    resolution = UnicodeAttribute(null=True)
    replacement_index = NumberAttribute(null=True)
    message = UnicodeAttribute(default="")
    resolved_at = NumberAttribute(null=True)
    review_reason = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)  # T#<tenant>#REPORTS: the merchant's list and the stats window
    gsi2sk = UnicodeAttribute(null=True)  # <created_at:012d>#<report id>: newest first, ranges by time
    by_tenant = Gsi2()


class ReportPointerItem(Item):
    """T#<tenant>#RPT#<report id> / RPT: which order partition holds the report (a consistent read by id)."""

    order_id = UnicodeAttribute()


class ReportCountItem(Item):
    """T#<tenant>#REPORTS#COUNT / COUNT: open reports, moved in the transactions that open and close them."""

    open = NumberAttribute(default=0)
