"""Create the dev stack's AWS resources in moto and register the localstripe webhook."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from devstack.procs import StackError

REGION = "us-east-1"
EMAIL_FROM = "orders@kamidrop.test"
WEBHOOK_ID = "kamidrop"
WEBHOOK_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")

# The same shape as infra/resources.json: the outbox queue and the jobs queue, each with a dead-letter queue.
QUEUE_VISIBILITY_TIMEOUT = 60
QUEUE_MAX_RECEIVE_COUNT = 5
JOBS_VISIBILITY_TIMEOUT = 360  # above the job function's 300 s
JOBS_MAX_RECEIVE_COUNT = 3


@dataclass(frozen=True)
class AwsResources:
    kms_key_arn: str
    queue_url: str
    dead_letter_queue_url: str
    email_from: str
    jobs_queue_url: str = ""


def aws_client(service: str, endpoint: str) -> Any:
    """A boto3 client for moto with fixed test credentials (never the developer's own)."""
    import boto3

    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )


def create_aws_resources(endpoint: str, *, stage: str = "dev") -> AwsResources:
    """KMS key (+ alias), outbox and jobs queues with their DLQs, and a verified SES sender in moto."""
    kms = aws_client("kms", endpoint)
    key = kms.create_key(
        Description=f"kamidrop {stage}: wraps the per-tenant branch keys that encrypt card keys",
        KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT",
    )["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/kamidrop-{stage}-card-keys", TargetKeyId=key["KeyId"])

    sqs = aws_client("sqs", endpoint)
    dlq_url = sqs.create_queue(QueueName=f"kamidrop-{stage}-outbox-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": QUEUE_MAX_RECEIVE_COUNT})
    queue_url = sqs.create_queue(
        QueueName=f"kamidrop-{stage}-outbox",
        Attributes={"VisibilityTimeout": str(QUEUE_VISIBILITY_TIMEOUT), "RedrivePolicy": redrive},
    )["QueueUrl"]

    jobs_dlq_url = sqs.create_queue(QueueName=f"kamidrop-{stage}-jobs-dlq")["QueueUrl"]
    jobs_dlq_arn = sqs.get_queue_attributes(QueueUrl=jobs_dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    jobs_url = sqs.create_queue(
        QueueName=f"kamidrop-{stage}-jobs",
        Attributes={"VisibilityTimeout": str(JOBS_VISIBILITY_TIMEOUT), "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": jobs_dlq_arn, "maxReceiveCount": JOBS_MAX_RECEIVE_COUNT})},
    )["QueueUrl"]

    aws_client("ses", endpoint).verify_email_identity(EmailAddress=EMAIL_FROM)
    return AwsResources(kms_key_arn=key["Arn"], queue_url=queue_url, dead_letter_queue_url=dlq_url,
                        email_from=EMAIL_FROM, jobs_queue_url=jobs_url)


def register_stripe_webhook(stripe_url: str, *, target_url: str, secret: str) -> None:
    """Tell localstripe to POST signed payment_intent events to the app."""
    fields = [("url", target_url), ("secret", secret)]
    # localstripe unflattens form data: repeated `events[]` fields become a list.
    fields += [("events[]", event) for event in WEBHOOK_EVENTS]
    try:
        response = requests.post(f"{stripe_url}/_config/webhooks/{WEBHOOK_ID}", data=fields, timeout=10)
    except requests.RequestException as exc:
        raise StackError(f"localstripe: webhook registration failed: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise StackError(
            f"localstripe: webhook registration answered {response.status_code}: {response.text[:300]}")


BOOTSTRAP_CODE = (
    "from chalicelib import wiring\n"
    "from chalicelib.kernel import settings\n"
    "wiring.bootstrap(settings.from_environ())\n"
)


def bootstrap_app(env: Mapping[str, str], *, cwd: Path, timeout: float = 120.0) -> None:
    """Run `chalicelib.wiring.bootstrap(settings)` (creates the tables) in a child process.

    A child keeps whatever bootstrap configures (boto3 sessions, PynamoDB model settings)
    out of the calling process, which may be a pytest session running its own moto.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", BOOTSTRAP_CODE], cwd=cwd, env=dict(env),
            stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"chalicelib.wiring.bootstrap did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
        tail = "\n".join(output.splitlines()[-40:])
        raise StackError(
            f"chalicelib.wiring.bootstrap(settings) failed (exit code {done.returncode})\n"
            f"--- output ---\n{tail}\n--- end ---")
