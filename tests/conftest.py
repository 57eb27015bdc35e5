"""Session fixtures: moto and localstripe servers, one configured container, and the Chalice test client."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.kernel.settings import Settings
from tests.support.servers import Server, local_settings, provision_aws, start_localstripe, start_moto

os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"})
for leaked in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(leaked, None)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Server]:
    server = start_moto()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[Server]:
    server = start_localstripe()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def aws_resources(moto_server: Server) -> tuple[str, str]:
    return provision_aws(moto_server.url, "test")


@pytest.fixture(scope="module")
def settings(moto_server: Server, stripe_server: Server, aws_resources: tuple[str, str],
             request: pytest.FixtureRequest) -> Settings:
    """Fresh tables per test module: moto copies a whole table on every transaction, so small tables
    keep the suite fast, and one module's leftovers (pending mail, orders) never meet another's.
    Modules marked `risk` keep the risk rules' defaults on for their shops; the others script hundreds of
    checkouts per buyer from one address, which those defaults rightly challenge, so theirs start off."""
    arn, queue_url = aws_resources
    s = local_settings(moto_url=moto_server.url, stripe_url=stripe_server.url, kms_key_arn=arn,
                       queue_url=queue_url, tables=f"test-{secrets.token_hex(4)}",
                       risk_default_on=request.node.get_closest_marker("risk") is not None)
    wiring.bootstrap(s)
    return s


@pytest.fixture(scope="module")
def container(settings: Settings) -> Iterator[wiring.Container]:
    c = wiring.Container(settings)
    wiring.use(c)
    yield c
    wiring.use(None)


@pytest.fixture()
def client(container: wiring.Container) -> Iterator[object]:
    from chalice.test import Client

    from app import app

    wiring.use(container)
    with Client(app) as c:
        yield c
