"""The API's own description: the OpenAPI 3.1 document and the readable /docs page, both from the route table."""

from __future__ import annotations

import json
import re
from typing import Any

from chalice import Blueprint, Response

from chalicelib.apidocs import docs_page, openapi
from chalicelib.http.pages import render
from chalicelib.http.routes import Call, endpoint

docs = Blueprint(__name__)

# A Host header is the caller's to choose: only a plain host[:port] may become the documented server URL.
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
OPENAPI_SHAPE: dict[str, Any] = {
    "type": "object", "required": ["openapi", "info", "paths", "components"],
    "properties": {"openapi": {"type": "string", "const": "3.1.0"}, "info": {"type": "object"},
                   "paths": {"type": "object"}, "components": {"type": "object"}},
    "description": "an OpenAPI 3.1 document",
}
# The page runs no script at all; styles are inline in the template.
DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def base_url(call: Call) -> str:
    """The address the caller reached us at, so the document's server is this deployment."""
    host = call.header("host") or ""
    if not _HOST.fullmatch(host):
        return str(call.c.settings.public_base_url)
    proto = call.header("x-forwarded-proto") or ("http" if host.split(":")[0] in _LOCAL_HOSTS else "https")
    proto = proto if proto in ("http", "https") else "https"
    stage = (call.request.context or {}).get("stage")
    # API Gateway's default domain carries the stage in the path; a custom domain maps it away.
    prefix = f"/{stage}" if stage and host.endswith(".amazonaws.com") else ""
    return f"{proto}://{host}{prefix}"


@endpoint(docs, "GET", "/v1/openapi.json", summary="This API as an OpenAPI 3.1 document", tag="Docs", auth="none",
          rate=None, response=OPENAPI_SHAPE,
          description="Generated from the same route table that serves the requests; feed it to code generators "
                      "or API clients.")
def openapi_document(call: Call) -> Response:
    body = json.dumps(openapi.document(base_url(call)), ensure_ascii=False)
    return Response(body=body, status_code=200, headers={"Content-Type": "application/json",
                                                         "Cache-Control": "public, max-age=300"})


@endpoint(docs, "GET", "/docs", summary="This documentation as a web page", tag="Docs", auth="none", rate=None,
          produces="text/html", description="Conventions, every operation, and the webhook verification guide.")
def docs_html(call: Call) -> Response:
    doc = openapi.document(base_url(call))
    response = render("docs.html", doc=doc, server=doc["servers"][0]["url"], sections=docs_page.sections(doc),
                      error_rows=docs_page.rows(doc, doc["components"]["schemas"]["Error"]),
                      scopes=docs_page.scopes(), guide=docs_page.webhook_guide(), code=docs_page.inline_code)
    response.headers["Content-Security-Policy"] = DOCS_CSP
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
