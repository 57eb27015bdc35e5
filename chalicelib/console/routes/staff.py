"""Staff pages: the team with roles, invitations, role changes and removals; accepting an invitation; the
activity log."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.console.routes.render import (
    TAG,
    check_form,
    console_page,
    error_text,
    forbidden_page,
    limit_auth,
    public_page,
    redirect,
    signed_in,
)
from chalicelib.http.errors import status_for
from chalicelib.http.pages import locale_of, translator
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, PermissionDenied
from chalicelib.tenancy.domain.roles import MATRIX, Permission, Role

console_staff = Blueprint(__name__)
FORM = (FORM_TYPE,)
TOKEN = QueryParam("token", string(max_length=200), "the token of the e-mailed invitation")
ROLES = [r.value for r in Role]
DONE = ("invited", "role", "removed", "resent")
ROLE_FIELDS = ("role", "from", "to")


def _staff_page(call: Call, *, status: int = 200, **context: Any) -> Response:
    assert call.tenant is not None
    try:
        people = call.c.tenancy.staff.list(actor=call.actor, tenant_id=call.tenant.id)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    done = call.query.get("done")
    return console_page(call, "console/staff.html", status=status, people=people, roles=ROLES,
                        done=done if done in DONE else None, permissions=list(Permission),
                        matrix={r.value: MATRIX[r] for r in Role}, **context)


@endpoint(console_staff, "GET", "/console/staff", summary="Staff and roles", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("done", string(enum=DONE), "what the last change was, for its notice"),))
def staff(call: Call) -> Response:
    return _staff_page(call)


def _act(call: Call, action: Any, done: str) -> Response:
    """Runs a staff change; the page shows what happened, or why not (and the change did not happen)."""
    try:
        action()
    except DomainError as exc:
        if isinstance(exc, PermissionDenied) and exc.param is None:
            return forbidden_page(call, exc)  # no staff permission at all
        return _staff_page(call, status=status_for(exc), error=error_text(call, exc))
    return redirect(f"/console/staff?done={done}")


@endpoint(console_staff, "POST", "/console/staff/invite", summary="Invite a staff member (form)", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def invite(call: Call) -> Response:
    form = call.form()
    return _act(call, lambda: call.c.tenancy.staff.invite(actor=call.actor, tenant=call.tenant, email=form.get("email"),
                                                          role=form.get("role"), locale=locale_of(call)), "invited")


@endpoint(console_staff, "POST", "/console/staff/{user_id}/role", summary="Change a staff member's role (form)",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def change_role(call: Call, user_id: str) -> Response:
    form = call.form()
    return _act(call, lambda: call.c.tenancy.staff.change_role(actor=call.actor, tenant_id=call.tenant_id,
                                                               user_id=user_id, role=form.get("role")), "role")


@endpoint(console_staff, "POST", "/console/staff/{user_id}/remove", summary="Remove a staff member (form)", tag=TAG,
          auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def remove(call: Call, user_id: str) -> Response:
    return _act(call, lambda: call.c.tenancy.staff.remove(actor=call.actor, tenant_id=call.tenant_id,
                                                          user_id=user_id), "removed")


@endpoint(console_staff, "POST", "/console/staff/{user_id}/resend", summary="Send an invitation again (form)",
          tag=TAG, auth="console", content_types=FORM, produces="text/html", idempotent=False, in_openapi=False)
def resend(call: Call, user_id: str) -> Response:
    return _act(call, lambda: call.c.tenancy.staff.resend(actor=call.actor, tenant=call.tenant, user_id=user_id,
                                                          locale=locale_of(call)), "resent")


@endpoint(console_staff, "GET", "/console/invite", summary="Accept an invitation (link from the mail)", tag=TAG,
          auth="none", produces="text/html", in_openapi=False, query=(TOKEN,))
def invitation_page(call: Call) -> Response:
    token = call.query.get("token", "")
    invitee = call.c.tenancy.staff.invitation(token)
    return public_page(call, "console/invite.html", status=200 if invitee else 400, token=token, invitee=invitee)


@endpoint(console_staff, "POST", "/console/invite", summary="Accept an invitation: choose a password (form)",
          tag=TAG, auth="none", content_types=FORM, produces="text/html", rate=None, idempotent=False,
          in_openapi=False)
def accept(call: Call) -> Response:
    form = call.form()
    token = form.get("token", "")
    invitee = call.c.tenancy.staff.invitation(token)
    try:
        check_form(call)
        limit_auth(call)
        result = call.c.tenancy.staff.accept(token=token, password=form.get("password"))
    except DomainError as exc:
        return public_page(call, "console/invite.html", status=status_for(exc), token=token, invitee=invitee,
                           error=error_text(call, exc))
    if result is None:
        return public_page(call, "console/invite.html", status=400, token=token, invitee=None)
    return signed_in(call, result, "/console?joined=1")


@endpoint(console_staff, "GET", "/console/activity", summary="Activity log", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("cursor", string(max_length=400), "next_cursor of the previous page"),))
def activity(call: Call) -> Response:
    try:
        page = call.c.console.activity.page(actor=call.actor, tenant_id=call.tenant_id, limit=50,
                                            cursor=call.query.get("cursor"))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    t = translator(call)

    def shown(key: str, value: str) -> str:  # roles in the reader's language, everything else as recorded
        return t(f"console.role.{value}") if key in ROLE_FIELDS and value in ROLES else value

    lines = [(e, t(f"console.activity.{e.action}", target=e.target, **{k: shown(k, v) for k, v in e.detail.items()}))
             for e in page.items]
    return console_page(call, "console/activity.html", lines=lines, next_cursor=page.next_cursor)
