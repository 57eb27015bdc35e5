"""Builds the adapters several capabilities share: AWS clients, encryption, Stripe, mail, queue, outbox."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts
from chalicelib.kernel.settings import Settings


class PlatformParts(Parts):
    """Shared adapters, built from the container's settings."""

    @property
    def settings(self) -> Settings:
        return self.c.settings  # type: ignore[no-any-return]

    def _client(self, service: str, **config: Any) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            service, region_name=self.settings.region, endpoint_url=self.settings.aws_endpoint_url,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=10,
                          **config))

    @cached_property
    def kms_client(self) -> Any:
        return self._client("kms")

    @cached_property
    def ddb_client(self) -> Any:
        return self._client("dynamodb")

    @cached_property
    def s3_client(self) -> Any:
        return self._client("s3", signature_version="s3v4")  # presigned forms signed as every region accepts

    @cached_property
    def clock(self) -> Any:
        from chalicelib.adapters.system import SystemClock

        return SystemClock()

    @cached_property
    def cipher(self) -> Any:
        from chalicelib.adapters.crypto import EsdkCipher

        branch_keys: dict[str, str] = {}

        def branch_key(tenant_id: str) -> str:
            if tenant_id not in branch_keys:
                branch_keys[tenant_id] = self.c.tenancy.tenants.get(tenant_id=tenant_id).branch_key_id
            return branch_keys[tenant_id]

        s = self.settings
        return EsdkCipher(kms_client=self.kms_client, ddb_client=self.ddb_client,
                          keystore_table=s.keystore_table_name, kms_key_arn=s.kms_key_arn,
                          branch_key_ttl=s.branch_key_ttl_seconds, tenant_branch_key=branch_key)

    @cached_property
    def payments(self) -> Any:
        from chalicelib.adapters.stripe_gateway import StripeGateway

        s = self.settings
        return StripeGateway(secret_key=s.stripe_secret_key, publishable_key=s.stripe_publishable_key,
                             webhook_secret=s.stripe_webhook_secret, api_base=s.stripe_api_base,
                             platform_fee_bps=s.platform_fee_bps)

    @cached_property
    def mailer(self) -> Any:
        from chalicelib.adapters.email_ses import SesMailer

        return SesMailer(ses_client=self._client("ses"), sender=self.settings.email_from,
                         mail_dir=self.settings.mail_dir)

    @cached_property
    def queue(self) -> Any:
        from chalicelib.adapters.queue_sqs import SqsQueue

        return SqsQueue(sqs_client=self._client("sqs"), queue_url=self.settings.queue_url)

    @cached_property
    def jobs_queue(self) -> Any:
        """Where background work goes (per-shop jobs, history chunks), so it never queues ahead of a buyer's key
        e-mail; without a jobs queue of its own, the outbox queue (or the queue a test injected)."""
        if not self.settings.jobs_queue_url:
            return self.queue
        from chalicelib.adapters.queue_sqs import SqsQueue

        return SqsQueue(sqs_client=self._client("sqs"), queue_url=self.settings.jobs_queue_url)

    @cached_property
    def outbox(self) -> Any:
        from chalicelib.adapters.dynamo.outbox import DynamoOutbox

        return DynamoOutbox()

    @cached_property
    def activity(self) -> Any:
        from chalicelib.adapters.dynamo.activity import DynamoActivityLog

        return DynamoActivityLog()

    @cached_property
    def local_card(self) -> Any:
        from chalicelib.adapters.local_card import LocalCardConfirmer

        return LocalCardConfirmer(secret_key=self.settings.stripe_secret_key,
                                  api_base=self.settings.stripe_api_base or "")

    @cached_property
    def hasher(self) -> Any:
        from chalicelib.adapters.system import Argon2Hasher

        return Argon2Hasher()

    @cached_property
    def order_links(self) -> Any:
        from chalicelib.adapters.order_tokens import DerivedOrderLinks

        return DerivedOrderLinks(unwrap=lambda tenant: self.cipher.decrypt_secret(tenant=tenant))

    @cached_property
    def query_passwords(self) -> Any:
        from chalicelib.adapters.query_passwords import Argon2QueryPasswords

        return Argon2QueryPasswords()
