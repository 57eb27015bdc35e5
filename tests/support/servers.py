"""Test servers on 127.0.0.1: moto and localstripe, started once per session and stopped at exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, args: list[str], url: str, probe: str, headers: dict[str, str] | None = None) -> None:
        log_path = ROOT / "test-output" / f"{args[2].rsplit('.', 1)[-1]}-{free_port()}.log"
        with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
        self.url = url
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                requests.get(url + probe, headers=headers or {}, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{args[0]} did not start at {url}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def start_moto() -> Server:
    (ROOT / "test-output").mkdir(exist_ok=True)
    port = free_port()
    return Server([sys.executable, "-m", "devstack.moto_server", str(port)],
                  f"http://127.0.0.1:{port}", "/moto-api/")


def start_localstripe() -> Server:
    (ROOT / "test-output").mkdir(exist_ok=True)
    port = free_port()
    return Server([sys.executable, "-m", "devstack.localstripe_server", str(port)], f"http://127.0.0.1:{port}",
                  "/v1/customers", headers={"Authorization": "Bearer sk_test_probe"})


def provision_aws(endpoint: str, name: str) -> tuple[str, str]:
    """A KMS key, an outbox queue and a verified SES sender in moto; returns (key ARN, queue URL)."""
    import boto3

    kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1")
    arn = kms.create_key(Description=f"kamidrop {name} card keys")["KeyMetadata"]["Arn"]
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName=f"kamidrop-{name}-outbox")["QueueUrl"]
    ses = boto3.client("ses", endpoint_url=endpoint, region_name="us-east-1")
    ses.verify_email_identity(EmailAddress="orders@kamidrop.test")
    return str(arn), str(queue_url)


def local_settings(*, moto_url: str, stripe_url: str, kms_key_arn: str, queue_url: str, tables: str,
                   risk_default_on: bool = True) -> Any:
    """Settings for a test or benchmark stack on these servers, with fresh random Stripe secrets."""
    import secrets

    from chalicelib.kernel.settings import Settings

    return Settings(stage="test", aws_endpoint_url=moto_url, table_name=f"kamidrop-{tables}-main",
                    keystore_table_name=f"kamidrop-{tables}-keystore", media_bucket=f"kamidrop-{tables}-media",
                    console_cache_seconds=0,  # tests read what they just wrote; the cache has its own tests
                    risk_default_on=risk_default_on,
                    kms_key_arn=kms_key_arn,
                    queue_url=queue_url, stripe_secret_key="sk_test_" + secrets.token_hex(8),
                    stripe_publishable_key="pk_test_" + secrets.token_hex(8),
                    stripe_webhook_secret="whsec_" + secrets.token_hex(16), stripe_api_base=stripe_url,
                    public_base_url="http://127.0.0.1:8000",
                    # Suites sign up hundreds of shops and buy thousands of keys from one address;
                    # the rate-limit tests install their own small limits.
                    rate_limits=",".join(f"{p}=1000000/60" for p in (
                        "ip:signup", "ip:checkout", "ip:order_lookup", "ip:public", "ip:licence",
                        "plan:starter", "plan:growth", "plan:scale")))
