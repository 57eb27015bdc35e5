"""Stripe PaymentIntents and webhook verification, with credentials passed per call (no global key)."""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.errors import PaymentProviderUnavailable, WebhookRejected
from chalicelib.sales.domain.payments import PaymentEvent, PaymentIntentView
from chalicelib.tenancy.domain.models import Tenant

WEBHOOK_TOLERANCE_SECONDS = 300


def _view(obj: Any) -> PaymentIntentView:
    pi = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    metadata = dict(pi.get("metadata") or {})
    return PaymentIntentView(
        id=str(pi["id"]), status=str(pi["status"]), amount=int(pi["amount"]), currency=str(pi["currency"]),
        metadata={str(k): str(v) for k, v in metadata.items()}, client_secret=pi.get("client_secret"),
    )


class StripeGateway:
    def __init__(self, *, secret_key: str, publishable_key: str, webhook_secret: str, api_base: str | None,
                 platform_fee_bps: int, http_client: Any = None) -> None:
        import stripe

        self.publishable_key = publishable_key
        self._webhook_secret = webhook_secret
        self._fee_bps = platform_fee_bps
        # localstripe rejects Connect parameters; against real Stripe they are sent (see tests).
        self._connect = api_base is None
        kwargs: dict[str, Any] = {"max_network_retries": 2}
        if api_base:
            kwargs["base_addresses"] = {"api": api_base}
        if http_client is not None:
            kwargs["http_client"] = http_client
        self._client = stripe.StripeClient(secret_key, **kwargs)

    def _options(self, tenant: Tenant, idempotency_key: str | None = None) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if idempotency_key:
            options["idempotency_key"] = idempotency_key
        if self._connect and tenant.stripe_account_id:
            options["stripe_account"] = tenant.stripe_account_id  # direct charge on the merchant's account
        return options

    def intent_params(self, *, tenant: Tenant, amount: int, currency: str, metadata: dict[str, str],
                      email: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "amount": amount, "currency": currency, "metadata": metadata,
            # card always; Alipay and WeChat Pay only where the merchant switched them on (PATCH /v1/tenant)
            "payment_method_types": list(tenant.payment_methods or ("card",)), "receipt_email": email,
        }
        if "wechat_pay" in params["payment_method_types"]:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        if self._connect and tenant.stripe_account_id and self._fee_bps:
            params["application_fee_amount"] = amount * self._fee_bps // 10_000
        if not self._connect:
            params.pop("receipt_email")  # localstripe does not know it
        return params

    def create_intent(self, *, tenant: Tenant, amount: int, currency: str, metadata: dict[str, str],
                      idempotency_key: str, email: str) -> PaymentIntentView:
        import stripe

        params = self.intent_params(tenant=tenant, amount=amount, currency=currency, metadata=metadata, email=email)
        try:
            service: Any = self._client.v1.payment_intents  # params are built as plain dicts
            pi = service.create(params=params, options=self._options(tenant, idempotency_key))
        except stripe.StripeError as exc:
            raise PaymentProviderUnavailable("the payment provider is not answering; retry in a moment") from exc
        return _view(pi)

    def retrieve_intent(self, *, tenant: Tenant, intent_id: str) -> PaymentIntentView:
        import stripe

        try:
            service: Any = self._client.v1.payment_intents
            pi = service.retrieve(intent_id, options=self._options(tenant))
        except stripe.StripeError as exc:
            raise PaymentProviderUnavailable("the payment provider is not answering; retry in a moment") from exc
        return _view(pi)

    def refund(self, *, tenant: Tenant, intent_id: str, idempotency_key: str) -> str:
        import stripe

        try:
            service: Any = self._client.v1.refunds
            # A retry after our own write failed must not refund twice, even past Stripe's 24 h
            # idempotency window: an existing refund of this intent is the answer.
            existing = service.list(params={"payment_intent": intent_id, "limit": 10}, options=self._options(tenant))
            for refund in existing.data:
                if refund["status"] in ("succeeded", "pending", "requires_action"):
                    return str(refund["id"])
            refund = service.create(params={"payment_intent": intent_id},
                                    options=self._options(tenant, idempotency_key))
        except stripe.StripeError as exc:
            raise PaymentProviderUnavailable("the refund could not be issued yet; it will be retried") from exc
        return str(refund["id"])

    def parse_event(self, *, payload: bytes, signature: str) -> PaymentEvent | None:
        """Verify the raw body's signature and age; None for event types we do not handle."""
        import stripe

        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret,
                                                   tolerance=WEBHOOK_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected("the Stripe signature is missing, wrong or too old",
                                  code="invalid_signature") from exc
        except ValueError as exc:
            raise WebhookRejected("the webhook body is not valid JSON", code="invalid_payload") from exc
        obj = event["data"]["object"].to_dict()
        if obj.get("object") != "payment_intent":
            return None
        return PaymentEvent(id=str(event["id"]), type=str(event["type"]), intent=_view(obj))
