"""The console home page: the first-run checklist and the shop at a glance."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.console.routes.render import TAG, console_page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string

console_home = Blueprint(__name__)


@endpoint(console_home, "GET", "/console", summary="Console home", tag=TAG, auth="console", produces="text/html",
          in_openapi=False, query=(QueryParam("welcome", string(enum=("1",)), "just confirmed: greets the owner"),
                                   QueryParam("joined", string(enum=("1",)), "just accepted an invitation")))
def home(call: Call) -> Any:
    assert call.tenant is not None
    glance = call.c.console.home.glance(call.tenant)
    return console_page(call, "console/home.html", glance=glance, welcome=call.query.get("welcome") == "1",
                        joined=call.query.get("joined") == "1")
