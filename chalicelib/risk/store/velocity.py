"""The risk counters: per shop, per subject (a device, an e-mail, an address with a device, an address) and per
fixed window, the checkouts it sent and the payments that failed; per device, the e-mails it used.

`T#<tenant>#RV#<kind>#<digest>` / `W#<window start>`: only a digest of the subject is kept, keyed by the shop's
secret (no address or e-mail in the clear, nor one that trying every address would find), and the item goes with
its TTL a day after the window. Each checkout adds itself with one UpdateItem per subject that answers the new
counts, so a hundred parallel checkouts each see their own place in the count: none slips under a limit by reading
it before the others wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.dynamo.counters import ConditionFailed, call, read_items
from chalicelib.adapters.dynamo.items import Item

KEPT_SECONDS = 86_400  # after its window ends: long enough to read, short enough to hold no history
DEVICE = "d"  # the subject kind whose item also keeps the e-mails it used


def _key(tenant_id: str, kind: str, subject: str, window_start: int) -> dict[str, Any]:
    return {"pk": {"S": f"T#{tenant_id}#RV#{kind}#{subject}"}, "sk": {"S": f"W#{window_start}"}}


def _counts(item: dict[str, Any]) -> dict[str, int]:
    return {"n": int(item.get("n", {}).get("N", "0")), "f": int(item.get("f", {}).get("N", "0")),
            "e": len(item.get("em", {}).get("SS", []))}


class DynamoVelocity:
    def count(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int, window_seconds: int,
              email: str) -> dict[str, dict[str, int]]:
        """Adds one checkout to each subject's window and answers each subject's counts after it: `n` checkouts,
        `f` failed payments and, for a device, `e` distinct e-mails. `subjects`: kind → digest; `email`: the
        e-mail's digest."""
        ttl = window_start + window_seconds + KEPT_SECONDS
        out: dict[str, dict[str, int]] = {}
        for kind, subject in subjects.items():
            body: dict[str, Any] = {
                "TableName": Item.Meta.table_name, "Key": _key(tenant_id, kind, subject, window_start),
                "UpdateExpression": "ADD n :one SET #ttl = :ttl", "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":ttl": {"N": str(ttl)}},
                "ReturnValues": "ALL_NEW"}
            if kind == DEVICE:
                # a string set: adding an e-mail the device used already leaves the set as it was
                body["UpdateExpression"] = "ADD n :one, em :email SET #ttl = :ttl"
                body["ExpressionAttributeValues"][":email"] = {"SS": [email]}
            out[kind] = _counts(call("UpdateItem", body, "counting the checkout for risk").get("Attributes", {}))
        return out

    def peek(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int) -> dict[str, dict[str, int]]:
        """The subjects' counts as they are, adding nothing (a checkout sent again with its challenge solved was
        counted when it was challenged): one consistent BatchGet."""
        wanted = {f"T#{tenant_id}#RV#{kind}#{subject}": kind for kind, subject in subjects.items()}
        found = read_items([(pk, f"W#{window_start}") for pk in wanted], "reading the risk counters",
                           consistent=True)
        return {wanted[item["pk"]["S"]]: _counts(item) for item in found}

    def failed(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int, window_seconds: int) -> None:
        """Counts a failed payment against each subject's window."""
        ttl = window_start + window_seconds + KEPT_SECONDS
        for kind, subject in subjects.items():
            call("UpdateItem", {
                "TableName": Item.Meta.table_name, "Key": _key(tenant_id, kind, subject, window_start),
                "UpdateExpression": "ADD f :one SET #ttl = :ttl", "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":ttl": {"N": str(ttl)}}},
                "counting a failed payment for risk")

    def spend_challenge(self, *, tenant_id: str, subject: str, salt: str, expires_at: int) -> bool:
        """Marks a solved challenge used; False when it was used already (a solution is good for one checkout)."""
        try:
            call("PutItem", {"TableName": Item.Meta.table_name,
                             "Item": {"pk": {"S": f"T#{tenant_id}#RCH"}, "sk": {"S": f"{subject}#{salt}"},
                                      "ttl": {"N": str(expires_at + KEPT_SECONDS)}},
                             # the first checkout to present the solution writes the marker; a replay finds it
                             "ConditionExpression": "attribute_not_exists(pk)"}, "spending the challenge")
        except ConditionFailed:
            return False
        return True
