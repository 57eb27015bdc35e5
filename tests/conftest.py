"""Session fixtures: moto and localstripe servers, one configured container, and the Chalice test client."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import boto3
import pytest

from chalicelib import wiring
from chalicelib.settings import Settings
from tests.support.servers import Server, start_localstripe, start_moto

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
def aws_resources(moto_server: Server) -> dict[str, str]:
    kms = boto3.client("kms", endpoint_url=moto_server.url, region_name="us-east-1")
    arn = kms.create_key(Description="kamidrop test card keys")["KeyMetadata"]["Arn"]
    sqs = boto3.client("sqs", endpoint_url=moto_server.url, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="kamidrop-test-outbox")["QueueUrl"]
    ses = boto3.client("ses", endpoint_url=moto_server.url, region_name="us-east-1")
    ses.verify_email_identity(EmailAddress="orders@kamidrop.test")
    return {"kms_key_arn": arn, "queue_url": queue_url}


@pytest.fixture(scope="module")
def settings(moto_server: Server, stripe_server: Server, aws_resources: dict[str, str]) -> Settings:
    """Fresh tables per test module: moto copies a whole table on every transaction, so small tables
    keep the suite fast, and one module's leftovers (pending mail, orders) never meet another's."""
    run = secrets.token_hex(4)
    arn, queue_url = aws_resources["kms_key_arn"], aws_resources["queue_url"]
    s = Settings(stage="test", aws_endpoint_url=moto_server.url, table_name=f"kamidrop-test-{run}-main",
                 keystore_table_name=f"kamidrop-test-{run}-keystore", kms_key_arn=arn, queue_url=queue_url,
                 stripe_secret_key="sk_test_" + secrets.token_hex(8),
                 stripe_publishable_key="pk_test_" + secrets.token_hex(8),
                 stripe_webhook_secret="whsec_" + secrets.token_hex(16), stripe_api_base=stripe_server.url,
                 public_base_url="http://127.0.0.1:8000")
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
