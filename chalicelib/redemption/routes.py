"""Redemption (核销) for partners on the merchant API, and licence checks for end-user software under the shop."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http import serialize
from chalicelib.http.routes import LIST_QUERY, Call, endpoint
from chalicelib.http.schema import Schema, boolean, id_of, integer, obj, page_of, string, timestamp
from chalicelib.inventory.domain.cardkeys import MAX_KEY_LENGTH
from chalicelib.redemption.domain import (
    ALREADY_REDEEMED,
    INSTANCE_NAME_PATTERN,
    INSTANCE_NOT_FOUND,
    LIMIT_REACHED,
    MAX_INSTANCE_NAME_LENGTH,
    MAX_REDEEMER_LENGTH,
    NOT_FOUND,
    NOT_SOLD,
    PRODUCT_ID_PATTERN,
    REDEEMER_PATTERN,
    VOID,
    Activation,
    KeyCheck,
    KeyRecord,
    Redemption,
)
from chalicelib.redemption.service.licences import LicenceAnswer

redemption = Blueprint(__name__)

TAG, LICENCES = "Redemption", "Licences"
KEY_VALUE = string("the key as the buyer received it (trimmed)", min_length=1, max_length=MAX_KEY_LENGTH,
                   pattern=r"\S")
PRODUCT_ID = string("narrows the search to one product; needed when the same key is sold in several",
                    max_length=64, pattern=PRODUCT_ID_PATTERN)


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


REDEMPTION = obj({"id": id_of("red"), "object": string(enum=("redemption",)), "product_id": id_of("prd"),
                  "order_id": string("the order that sold the key", nullable=True),
                  "redeemer": string("who redeemed it, as the partner said"), "redeemed_at": timestamp()},
                 title="Redemption")
KEY_CHECK = obj({
    "object": string(enum=("key_check",)),
    "valid": boolean("verify: the key can be redeemed; redeem: this call redeemed it"),
    "reason": string("why not valid", enum=(NOT_FOUND, NOT_SOLD, VOID, ALREADY_REDEEMED), nullable=True),
    "product_id": string(nullable=True), "order_id": string(nullable=True),
    "redemption": nullable(REDEMPTION),
}, title="KeyCheck")
VERIFY = obj({"key": KEY_VALUE, "product_id": PRODUCT_ID}, required=("key",), closed=True)
REDEEM = obj({"key": KEY_VALUE, "product_id": PRODUCT_ID,
              "redeemer": string("your id for who redeems it (store, cashier, account)", min_length=1,
                                 max_length=MAX_REDEEMER_LENGTH, pattern=REDEEMER_PATTERN)},
             required=("key", "redeemer"), closed=True)


def _redemption(r: Redemption) -> dict[str, Any]:
    return {"id": r.id, "object": "redemption", "product_id": r.product_id, "order_id": r.order_id,
            "redeemer": r.redeemer, "redeemed_at": r.redeemed_at}


def _check(c: KeyCheck) -> dict[str, Any]:
    record = c.record
    return {"object": "key_check", "valid": c.valid, "reason": c.reason,
            "product_id": record.product_id if record else None, "order_id": record.order_id if record else None,
            "redemption": _redemption(record.redemption) if record and record.redemption else None}


@endpoint(redemption, "POST", "/v1/redemptions/verify", summary="Check a key without redeeming it", tag=TAG,
          scope="keys_redeem", body=VERIFY, response=KEY_CHECK, extra_statuses=(409,),
          description="Answers valid=true when the key is this shop's, sold and not yet redeemed. An unknown "
                      "key is valid=false with reason not_found (200, not an error). 409 ambiguous_key when "
                      "the key is sold in several products and no product_id was given.")
def verify_key(call: Call) -> Any:
    return _check(call.c.redemption.redemptions.verify(tenant_id=call.tenant_id, body=call.json()))


@endpoint(redemption, "POST", "/v1/redemptions", summary="Redeem a sold key, once", tag=TAG,
          scope="keys_redeem", body=REDEEM, response=KEY_CHECK, extra_statuses=(409,),
          description="Marks the key redeemed by `redeemer` in one conditional write: of any number of "
                      "concurrent calls exactly one answers valid=true; the others answer valid=false, "
                      "reason already_redeemed, with the redemption (who and when). Emits key.redeemed.")
def redeem_key(call: Call) -> Any:
    return _check(call.c.redemption.redemptions.redeem(tenant_id=call.tenant_id, body=call.json()))


@endpoint(redemption, "GET", "/v1/redemptions", summary="List redemptions, newest first", tag=TAG,
          scope="keys_redeem", response=page_of(REDEMPTION), query=LIST_QUERY)
def list_redemptions(call: Call) -> Any:
    limit, cursor = call.list_params()
    page = call.c.redemption.redemptions.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([_redemption(r) for r in page.items], page.next_cursor)


@endpoint(redemption, "GET", "/v1/redemptions/{redemption_id}", summary="Get a redemption", tag=TAG,
          scope="keys_redeem", response=REDEMPTION)
def get_redemption(call: Call, redemption_id: str) -> Any:
    return _redemption(call.c.redemption.redemptions.get(tenant_id=call.tenant_id, redemption_id=redemption_id))


# ---- licences (public, under the shop: end-user software has no API key) --------------------------------
LICENCE_KEY = obj({
    "status": string("active: sold with activations; inactive: sold, none yet; disabled: void or refunded; "
                     "unsold: in stock", enum=("active", "inactive", "disabled", "unsold")),
    "product_id": id_of("prd"),
    "activation_limit": integer("null: no limit", minimum=1, nullable=True),
    "activation_usage": integer(minimum=0),
}, title="LicenseKey")
INSTANCE = obj({"id": id_of("act"), "name": string(), "created_at": timestamp()}, title="LicenseInstance")
LICENCE_REASONS = (NOT_FOUND, NOT_SOLD, VOID, LIMIT_REACHED, INSTANCE_NOT_FOUND)
REASON = string("why not", enum=LICENCE_REASONS, nullable=True)
INSTANCE_ID = string("the id activate returned", min_length=1, max_length=64)
VALIDATE = obj({"license_key": KEY_VALUE, "instance_id": INSTANCE_ID, "product_id": PRODUCT_ID},
               required=("license_key",), closed=True)
ACTIVATE = obj({"license_key": KEY_VALUE, "product_id": PRODUCT_ID,
                "instance_name": string("a label for the machine or install", min_length=1,
                                        max_length=MAX_INSTANCE_NAME_LENGTH, pattern=INSTANCE_NAME_PATTERN)},
               required=("license_key", "instance_name"), closed=True)
DEACTIVATE = obj({"license_key": KEY_VALUE, "instance_id": INSTANCE_ID, "product_id": PRODUCT_ID},
                 required=("license_key", "instance_id"), closed=True)


def _status(record: KeyRecord) -> str:
    if record.problem == NOT_SOLD:
        return "unsold"
    if record.problem is not None:
        return "disabled"
    return "active" if record.activations > 0 else "inactive"


def _licence(a: LicenceAnswer) -> dict[str, Any] | None:
    if a.record is None:
        return None
    return {"status": _status(a.record), "product_id": a.record.product_id, "activation_limit": a.activation_limit,
            "activation_usage": a.record.activations}


def _instance(i: Activation | None) -> dict[str, Any] | None:
    return None if i is None else {"id": i.id, "name": i.instance_name, "created_at": i.created_at}


def _licence_route(path: str, summary: str, body: Schema, response: Schema, description: str) -> Any:
    return endpoint(redemption, "POST", path, summary=summary, tag=LICENCES, auth="shop", rate="licence",
                    body=body, response=response, extra_statuses=(409,), description=description)


@_licence_route("/s/{slug}/licenses/validate", "Validate a licence key", VALIDATE,
                obj({"valid": boolean(), "reason": REASON, "license_key": nullable(LICENCE_KEY),
                     "instance": nullable(INSTANCE)}),
                "valid=true when the key is sold and not void (and, with instance_id, activated there). "
                "Unknown keys answer valid=false, reason not_found. Rate limited per client IP.")
def validate_licence(call: Call, slug: str) -> Any:
    a = call.c.redemption.licences.validate(tenant_id=call.tenant_id, body=call.json())
    return {"valid": a.ok, "reason": a.reason, "license_key": _licence(a), "instance": _instance(a.instance)}


@_licence_route("/s/{slug}/licenses/activate", "Activate a licence key on an instance", ACTIVATE,
                obj({"activated": boolean(), "reason": REASON, "license_key": nullable(LICENCE_KEY),
                     "instance": nullable(INSTANCE)}),
                "Takes one of the key's activation slots (the product's activation_limit) for a new instance "
                "and returns its id; at the limit answers activated=false, reason activation_limit_reached.")
def activate_licence(call: Call, slug: str) -> Any:
    a = call.c.redemption.licences.activate(tenant_id=call.tenant_id, body=call.json())
    return {"activated": a.ok, "reason": a.reason, "license_key": _licence(a), "instance": _instance(a.instance)}


@_licence_route("/s/{slug}/licenses/deactivate", "Deactivate a licence instance", DEACTIVATE,
                obj({"deactivated": boolean(), "reason": REASON, "license_key": nullable(LICENCE_KEY)}),
                "Removes the instance and frees its activation slot.")
def deactivate_licence(call: Call, slug: str) -> Any:
    a = call.c.redemption.licences.deactivate(tenant_id=call.tenant_id, body=call.json())
    return {"deactivated": a.ok, "reason": a.reason, "license_key": _licence(a)}
