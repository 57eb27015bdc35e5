"""Staff and roles: invitations by e-mail, accepting them, role changes and removals, the permission matrix
enforced in the services (a forbidden action answers 403 and changes nothing), the activity log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.kernel.conventions import Limit
from tests.support.console import (
    Browser,
    ConsoleEnv,
    csrf_of,
    invite,
    joined,
    link_in,
    owner_of_new_shop,
    serve,
    user_id,
)

ROOMY = {"ip:console": Limit(10_000, 60), "ip:console_auth": Limit(10_000, 60),
         "email:console_mail": Limit(10_000, 900), "ip:signup": Limit(10_000, 3600), "ip:public": Limit(10_000, 60)}
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def test_an_invitation_by_mail_joins_with_its_role_and_is_in_the_activity_log(web: Any, env: ConsoleEnv) -> None:
    # given an owner
    owner, tenant_id, owner_email = owner_of_new_shop(web, env)
    # when they invite an operator
    r = invite(owner, "Ops@Staff.Example.com", "operator")
    # then the invitee gets a mail naming who invited them and the role, and the list shows them as invited
    assert r.status_code == 303 and r.headers["Location"] == "/console/staff?done=invited"
    mail = env.mailer.sent[-1]
    assert mail["to"] == "ops@staff.example.com"
    shop_name = env.c.tenancy.tenants.get(tenant_id=tenant_id).name
    assert mail["subject"] == f"{owner_email} invited you to {shop_name} on kamidrop"
    assert f"{owner_email} invited you to help run" in mail["text"] and "as Operator" in mail["text"]
    page = owner.get("/console/staff?done=invited").body.decode()
    assert "ops@staff.example.com" in page and "Invited" in page
    # and the invitee cannot sign in or reset a password before accepting
    assert Browser(web).form("/console/login", "/console/login",
                             {"email": "ops@staff.example.com", "password": "anything at all"}).status_code == 401
    sent = len(env.mailer.sent)
    Browser(web).form("/console/forgot", "/console/forgot", {"email": "ops@staff.example.com"})
    assert len(env.mailer.sent) == sent
    # when they accept with a password
    link = link_in(mail, "/console/invite")
    b = Browser(web)
    page_r = b.get(link)
    assert "You are invited as Operator" in page_r.body.decode()
    accepted = b.post("/console/invite", {"token": link.split("token=")[1], "password": "staff pass phrase"},
                      csrf=csrf_of(page_r))
    # then they are signed in as an operator, and the link is spent
    assert accepted.status_code == 303
    assert "You joined" in b.get("/console?joined=1").body.decode()
    assert Browser(web).get(link).status_code == 400
    # and the owner's activity log says who did what
    log = owner.get("/console/activity").body.decode()
    assert f"{owner_email}</strong> invited ops@staff.example.com as Operator" in log
    assert "ops@staff.example.com</strong> joined as Operator" in log


def test_roles_without_staff_rights_get_403_and_change_nothing(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    for role in ("operator", "finance", "viewer"):
        b, _ = joined(web, env, owner, role)
        before, mails = env.snapshot(tenant_id), len(env.mailer.sent)
        page = b.get("/console/staff")
        assert page.status_code == 403 and "may not open this page" in page.body.decode()
        r = b.post("/console/staff/invite", {"email": f"x-{role}@staff.example.com", "role": "viewer"},
                   csrf=csrf_of(b.get("/console")))
        assert r.status_code == 403
        assert env.snapshot(tenant_id) == before and len(env.mailer.sent) == mails
        # the activity log is for owners, admins and finance
        assert b.get("/console/activity").status_code == (200 if role == "finance" else 403)


def test_an_admin_manages_staff_but_not_owners_or_admins(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, owner_email = owner_of_new_shop(web, env)
    admin, _ = joined(web, env, owner, "admin")
    before = env.snapshot(tenant_id)
    for role in ("admin", "owner"):
        r = invite(admin, f"promo-{role}@staff.example.com", role)
        assert r.status_code == 403 and f"Only an owner may give or take the {role} role" in r.body.decode()
    owner_id = user_id(env, tenant_id, owner_email)
    r = admin.post(f"/console/staff/{owner_id}/remove", {}, csrf=csrf_of(admin.get("/console")))
    assert r.status_code == 403
    assert env.snapshot(tenant_id) == before
    # but an operator they invite joins
    assert invite(admin, "op-by-admin@staff.example.com", "operator").status_code == 303


def test_a_role_change_applies_at_the_next_request_and_the_last_owner_stays(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, owner_email = owner_of_new_shop(web, env)
    member, email = joined(web, env, owner, "viewer")
    assert member.get("/console/staff").status_code == 403
    uid = user_id(env, tenant_id, email)
    r = owner.post(f"/console/staff/{uid}/role", {"role": "admin"}, csrf=csrf_of(owner.get("/console/staff")))
    assert r.status_code == 303 and r.headers["Location"] == "/console/staff?done=role"
    assert member.get("/console/staff").status_code == 200  # the same session, the new role
    # the only owner cannot step down or be removed, by themselves or anyone
    me = user_id(env, tenant_id, owner_email)
    before = env.snapshot(tenant_id)
    down = owner.post(f"/console/staff/{me}/role", {"role": "viewer"}, csrf=csrf_of(owner.get("/console")))
    assert down.status_code == 409 and "at least one owner" in down.body.decode()
    assert env.snapshot(tenant_id) == before


def test_removing_someone_ends_their_sessions_and_frees_the_address(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    member, email = joined(web, env, owner, "operator")
    assert member.get("/console").status_code == 200
    uid = user_id(env, tenant_id, email)
    r = owner.post(f"/console/staff/{uid}/remove", {}, csrf=csrf_of(owner.get("/console/staff")))
    assert r.status_code == 303
    assert member.get("/console").status_code == 303  # signed out at once
    assert invite(owner, email, "viewer").status_code == 303  # the address can be invited again


def test_an_address_with_an_account_cannot_be_invited(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    _, _, other_owner = owner_of_new_shop(web, env)
    before = env.snapshot(tenant_id)
    r = invite(owner, other_owner, "viewer")
    assert r.status_code == 409 and "already has a kamidrop account" in r.body.decode()
    assert env.snapshot(tenant_id) == before


def test_another_shops_staff_ids_are_not_found_here(web: Any, env: ConsoleEnv) -> None:
    owner_a, tenant_a, _ = owner_of_new_shop(web, env)
    _, email = joined(web, env, owner_a, "viewer")
    victim = user_id(env, tenant_a, email)
    owner_b, _, _ = owner_of_new_shop(web, env)
    before = env.snapshot(tenant_a)
    for path, fields in ((f"/console/staff/{victim}/role", {"role": "admin"}),
                         (f"/console/staff/{victim}/remove", {}), (f"/console/staff/{victim}/resend", {})):
        r = owner_b.post(path, fields, csrf=csrf_of(owner_b.get("/console")))
        assert r.status_code == 404, path
    assert env.snapshot(tenant_a) == before
