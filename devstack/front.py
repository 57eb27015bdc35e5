"""The local API front: Chalice's own LocalGateway as a WSGI app, served by gunicorn's threaded workers."""

from __future__ import annotations

import argparse
import base64
import http
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chalice.local import LambdaEventConverter, LocalChalice, LocalGateway, LocalGatewayException

from devstack import gunicorn_runner

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
THREADS = 8

StartResponse = Callable[..., Any]


class _ClientAddressConverter(LambdaEventConverter):
    """Chalice's event converter, with `requestContext.identity.sourceIp` set from REMOTE_ADDR."""

    def __init__(self, inner: LambdaEventConverter) -> None:
        self.__dict__.update(inner.__dict__)
        self.client = threading.local()

    def create_lambda_event(self, method: str, path: str, headers: dict[str, str],
                            body: bytes | None = None) -> dict[str, Any]:
        event: dict[str, Any] = super().create_lambda_event(method, path, headers, body)
        event["requestContext"]["identity"]["sourceIp"] = getattr(self.client, "ip", self.LOCAL_SOURCE_IP)
        return event


def load_app(stage: str, project_dir: Path = ROOT) -> tuple[Any, LocalGateway]:
    """Load app.py the way `chalice local --stage STAGE` does: the stage's environment variables from
    .chalice/config.json, route validation, and the thread-local `current_request` of LocalChalice."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_routes

    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    config = CLIFactory(str(project_dir), environ=os.environ).create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    validate_routes(app.routes)
    # What chalice.local.create_local_server does to the app object (without binding a socket).
    local_class = type("CustomLocalChalice", (LocalChalice, type(app)), {})
    app.__class__ = local_class
    gateway = LocalGateway(app, config)
    gateway.event_converter = _ClientAddressConverter(gateway.event_converter)
    return app, gateway


class ChaliceWSGI:
    """A WSGI app that hands each request to LocalGateway.handle_request, as `chalice local`'s handler
    does, and writes its answer back: status, headers and multi-value headers, binary bodies."""

    def __init__(self, gateway: LocalGateway) -> None:
        self.gateway = gateway
        self._converter = gateway.event_converter

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ["REQUEST_METHOD"])
        headers = request_headers(environ)
        body = request_body(environ)
        if isinstance(self._converter, _ClientAddressConverter):
            self._converter.client.ip = environ.get("REMOTE_ADDR") or LambdaEventConverter.LOCAL_SOURCE_IP
        try:
            response = self.gateway.handle_request(method=method, path=request_target(environ),
                                                   headers=headers, body=body)
        except LocalGatewayException as error:
            return respond(start_response, error.CODE, dict(error.headers), error.body)
        out_headers: dict[str, Any] = dict(response.get("headers") or {})
        out_headers.update(response.get("multiValueHeaders") or {})
        out_body = response.get("body")
        if response.get("isBase64Encoded") and out_body is not None:
            out_body = base64.b64decode(out_body)
        return respond(start_response, int(response["statusCode"]), out_headers, out_body)


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers, names lower-cased (Chalice lower-cases them in the event anyway)."""
    headers = {key[5:].replace("_", "-").lower(): str(value)
               for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def request_body(environ: dict[str, Any]) -> bytes | None:
    """The raw body, or None when there is none (as `chalice local` passes it)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    if length > 0:
        return bytes(stream.read(length))
    if "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        return bytes(stream.read()) or None
    return None


def request_target(environ: dict[str, Any]) -> str:
    """The path and query exactly as the client sent them (gunicorn's RAW_URI), like `chalice local`."""
    raw = environ.get("RAW_URI")
    if raw:
        return str(raw)
    path = quote(str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "")))
    query = str(environ.get("QUERY_STRING", ""))
    return f"{path}?{query}" if query else path


def respond(start_response: StartResponse, code: int, headers: dict[str, Any],
            body: str | bytes | None) -> list[bytes]:
    """Status line and headers as `chalice local` sends them: Content-Type defaults to JSON when there is
    a body, list values become repeated headers, Content-Length is always the body's."""
    pairs: list[tuple[str, str]] = []
    data = b""
    if body is not None:
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        content_type = headers.pop("Content-Type", "application/json")
        pairs.append(("Content-Type", str(content_type)))
    for name, value in headers.items():
        if name.lower() == "content-length":
            continue
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, str(v)) for v in values)
    pairs.append(("Content-Length", str(len(data))))
    try:
        reason = http.HTTPStatus(code).phrase
    except ValueError:
        reason = "Unknown"
    start_response(f"{code} {reason}", pairs)
    return [data]


def warm_aws_clients() -> None:
    """Build the app's AWS clients before the first request, not in each of the first concurrent ones: the
    container (the models then point at the stage's table), every store's models, the queue, mail and keys."""
    import importlib
    import pkgutil

    import chalicelib
    from chalicelib.adapters.dynamo.warm import warm_clients
    from chalicelib.wiring import container

    c = container()
    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        if ".store" in module.name:
            importlib.import_module(module.name)
    warm_clients()
    for part in ("queue", "mailer", "cipher", "payments"):
        getattr(c.platform, part)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.front", description=__doc__)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--project-dir", type=Path, default=ROOT, help="the Chalice project (app.py, .chalice/)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("KAMIDROP_FRONT_WORKERS", 0)) or
                        (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("KAMIDROP_FRONT_THREADS", THREADS)))
    args = parser.parse_args(argv)
    sys.argv = sys.argv[:1]  # gunicorn must not parse our arguments as its own
    stage, project_dir = args.stage, args.project_dir.resolve()

    def load() -> ChaliceWSGI:
        logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")  # as `chalice local`
        wsgi = ChaliceWSGI(load_app(stage, project_dir)[1])
        try:
            warm_aws_clients()
        except Exception as exc:  # another project, or settings the first request will report: serve anyway
            logging.getLogger("kamidrop.devstack.front").warning("AWS clients not built at boot: %s",
                                                                  type(exc).__name__)
        return wsgi

    gunicorn_runner.run(load, gunicorn_runner.options(host=args.host, port=args.port, workers=args.workers,
                                                      threads=args.threads, name="front"))


if __name__ == "__main__":
    main()
