"""Local stack only: confirms a PaymentIntent with a test card on localstripe, as Stripe.js would."""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.errors import InvalidRequest, PaymentFailed, PaymentProviderUnavailable
from chalicelib.sales.domain.models import Order
from chalicelib.tenancy.domain.models import Tenant

# Stripe's documented test cards that the bank declines at confirmation (generic decline, insufficient funds,
# lost card, stolen card). localstripe declines these only when attached to a customer, and declines at charge
# time only its own 4000000000000341; so the stand-in charges that number for them, and localstripe fails the
# intent and sends payment_intent.payment_failed exactly as Stripe would.
DECLINED_AT_CONFIRM = frozenset({"4000000000000002", "4000000000009995", "4000000000009987", "4000000000009979"})
LOCALSTRIPE_DECLINE = "4000000000000341"


class LocalCardConfirmer:
    def __init__(self, *, secret_key: str, api_base: str) -> None:
        import stripe

        self._client = stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=0)

    def pay(self, *, tenant: Tenant, order: Order, card: Any) -> str:
        import stripe

        if not isinstance(card, dict) or not all(isinstance(card.get(k), str) for k in ("number", "exp_month",
                                                                                      "exp_year", "cvc")):
            raise InvalidRequest("card needs number, exp_month, exp_year and cvc", param="card")
        number = card["number"].replace(" ", "")
        if number in DECLINED_AT_CONFIRM:
            number = LOCALSTRIPE_DECLINE
        try:
            pm = self._client.v1.payment_methods.create(params={"type": "card", "card": {
                "number": number, "exp_month": int(card["exp_month"] or 0), "exp_year": int(card["exp_year"] or 0),
                "cvc": card["cvc"]}})
            self._client.v1.payment_intents.update(order.payment_intent_id or "", params={"payment_method": pm.id})
            intent = self._client.v1.payment_intents.confirm(order.payment_intent_id or "")
        except stripe.CardError as exc:
            raise PaymentFailed(exc.user_message or "your card was declined", code="card_declined") from exc
        except stripe.InvalidRequestError as exc:
            raise InvalidRequest("the card details are not valid", code="invalid_card", param="card") from exc
        except stripe.StripeError as exc:
            raise PaymentProviderUnavailable("the payment provider is not answering; retry") from exc
        except ValueError as exc:
            raise InvalidRequest("expiry month and year must be numbers", param="card") from exc
        return str(intent["status"])
