"""Merchant API: the shop's risk rules (points, thresholds, windows and limits, block and allow lists) and the
one-step block of a buyer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice import Blueprint

from chalicelib.http.routes import Call, endpoint
from chalicelib.http.schema import array, boolean, integer, obj, string
from chalicelib.risk.domain.rules import LIMITS, LISTS, MAX_LIST, REASONS, SCORE_MAX, RiskRules

risk_routes = Blueprint(__name__)
TAG = "Risk"

_LIST_HELP = {
    "blocked_emails": "e-mail addresses, or @domain for a whole domain",
    "blocked_ips": "addresses or networks (203.0.113.0/24)",
    "blocked_devices": "device ids (the order's risk shows the one it came from)",
    "allowed_emails": "always let through, whatever the score",
    "allowed_ips": "always let through (an office you trust)",
    "allowed_devices": "always let through",
    "blocked_countries": "two-letter codes, read from the CDN's viewer-country header",
    "blocked_networks": "autonomous systems (AS4134), read from the CDN's viewer-ASN header",
}
_FIELDS: dict[str, Any] = {
    "enabled": boolean("false: every checkout is allowed and nothing is counted"),
    "points": obj({r: integer(minimum=0, maximum=SCORE_MAX) for r in REASONS}, required=(),
                  description="what each reason adds to the score; a patch may name some"),
    "challenge_at": integer("from this score the buyer's browser solves a proof of work first", minimum=1,
                            maximum=SCORE_MAX),
    "review_at": integer("from this score the order is held for your review before payment", minimum=1,
                         maximum=SCORE_MAX),
    "block_at": integer("from this score the checkout is refused", minimum=1, maximum=SCORE_MAX),
    **{name: integer(minimum=low, maximum=high) for name, (low, high) in LIMITS.items()},
    **{name: array(string(max_length=254), _LIST_HELP[name], max_items=MAX_LIST) for name in LISTS},
}
RULES = obj({"object": string(enum=("risk_rules",)), **_FIELDS}, title="RiskRules")
RULES_PATCH = obj(_FIELDS, required=(), closed=True, title="RiskRulesPatch")
BLOCK = obj({"email": string(max_length=254), "ip": string(max_length=64), "device": string(max_length=100)},
            required=(), closed=True, title="RiskBlock")


def rules_json(r: RiskRules) -> dict[str, Any]:
    data = asdict(r)
    data["points"] = dict(r.points)
    for name in LISTS:
        data[name] = list(data[name])
    return {"object": "risk_rules", **data}


@endpoint(risk_routes, "GET", "/v1/risk/rules", summary="The shop's risk rules", tag=TAG, scope="read",
          response=RULES)
def get_rules(call: Call) -> Any:
    return rules_json(call.c.risk.risk_rules.get(actor=call.actor, tenant_id=call.tenant_id))


@endpoint(risk_routes, "PATCH", "/v1/risk/rules", summary="Change the shop's risk rules", tag=TAG,
          scope="catalog_write", body=RULES_PATCH, response=RULES,
          description="Any of the fields; the others stay, a list is replaced whole. The thresholds must rise "
                      "(challenge_at < review_at < block_at). Checkouts use the change within seconds.")
def patch_rules(call: Call) -> Any:
    return rules_json(call.c.risk.risk_rules.update(actor=call.actor, tenant_id=call.tenant_id, body=call.json()))


@endpoint(risk_routes, "POST", "/v1/risk/blocks", summary="Block a buyer", tag=TAG, scope="catalog_write",
          body=BLOCK, response=RULES,
          description="Adds the e-mail, address and/or device to the blocklists (and takes them off the allowlists); "
                      "their next checkout is refused with 403 `risk_blocked`.")
def block(call: Call) -> Any:
    return rules_json(call.c.risk.risk_rules.block(actor=call.actor, tenant_id=call.tenant_id, body=call.json()))
