"""The console's Risk → Rules: the shop's risk rules on one page — on or off, the scores that challenge, hold for
review and block, what each reason adds, the window and limits, and the block and allow lists one entry a line —
through the same service as `/v1/risk/rules`; a bad value is refused on its field and nothing is saved."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, InvalidRequest, PermissionDenied
from chalicelib.risk.domain.rules import LIMITS, LISTS, REASONS, THRESHOLDS, RiskRules
from chalicelib.tenancy.domain.roles import Permission

console_risk_rules = Blueprint(__name__)
PAGE = "console/risk_rules.html"
WHERE = "/console/risk"


def _page(call: Call, *, status: int = 200, rules: RiskRules | None = None, **context: Any) -> Response:
    current = rules or call.c.risk.risk_rules.get(actor=call.actor, tenant_id=call.tenant_id)
    return console_page(call, PAGE, status=status, rules=current, reasons=REASONS, thresholds=THRESHOLDS,
                        limits=tuple(LIMITS), lists=LISTS, may_edit=call.actor.may(Permission.SETTINGS), **context)


@endpoint(console_risk_rules, "GET", WHERE, summary="Risk rules", tag=TAG, auth="console", produces="text/html",
          in_openapi=False, query=(QueryParam("done", string(enum=("saved",)), "what was just done"),))
def rules(call: Call) -> Response:
    try:
        return _page(call, done=call.query.get("done"))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)


def _number(form: dict[str, str], field: str) -> int:
    raw = form.get(field, "").strip()
    if not raw.isdigit():
        raise InvalidRequest(f"{field} must be a whole number", param=field)
    return int(raw)


def _body(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's body: every field, the lists one entry a line."""
    body: dict[str, Any] = {"enabled": form.get("enabled") == "1"}
    body["points"] = {r: _number(form, f"points.{r}") for r in REASONS}
    for name in (*THRESHOLDS, *LIMITS):
        body[name] = _number(form, name)
    for name in LISTS:
        body[name] = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
    return body


@endpoint(console_risk_rules, "POST", WHERE, summary="Save risk rules (form)", tag=TAG, auth="console",
          content_types=(FORM_TYPE,), produces="text/html", idempotent=False, in_openapi=False)
def save(call: Call) -> Response:
    form = call.form()
    try:
        call.c.risk.risk_rules.update(actor=call.actor, tenant_id=call.tenant_id, body=_body(form))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return _page(call, status=status_for(exc), error=error_text(call, exc), error_param=exc.param,
                     values=dict(form))
    return redirect(f"{WHERE}?done=saved")
