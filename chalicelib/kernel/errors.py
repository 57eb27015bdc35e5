"""One error tree with stable codes; the API maps each type to an HTTP status in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the platform answers with; `type` and `code` are part of the contract."""

    type = "api_error"
    default_code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.param = param
        self.extra = extra or {}


class InvalidRequest(DomainError):
    type = "invalid_request"
    default_code = "invalid_request"


class PayloadTooLarge(InvalidRequest):
    default_code = "payload_too_large"


class MethodNotAllowed(InvalidRequest):
    default_code = "method_not_allowed"


class UnsupportedMediaType(InvalidRequest):
    """The body's Content-Type is not one the route accepts."""

    default_code = "unsupported_media_type"


class AuthenticationFailed(DomainError):
    type = "authentication"
    default_code = "invalid_api_key"


class PermissionDenied(DomainError):
    type = "permission"
    default_code = "permission_denied"


class RiskRefused(PermissionDenied):
    """The shop's risk rules block this checkout (a listed buyer, or a score at the block line)."""

    default_code = "risk_blocked"


class ChallengeRequired(PermissionDenied):
    """The checkout must prove work first: `extra` carries the challenge and its difficulty in bits."""

    default_code = "challenge_required"


class NotFound(DomainError):
    type = "not_found"
    default_code = "resource_missing"


class Conflict(DomainError):
    type = "conflict"
    default_code = "conflict"


class VersionConflict(Conflict):
    """The object changed since the version the writer read (optimistic concurrency)."""

    default_code = "version_conflict"


class OutOfStock(Conflict):
    default_code = "out_of_stock"


class BuyerLimitReached(Conflict):
    """One buyer (e-mail) would hold more of a product than the shop allows per day, month or ever."""

    default_code = "buyer_limit_reached"


class ReservationLost(Conflict):
    """A key of the order is no longer reserved for it (expired and released)."""

    default_code = "reservation_lost"


class RateLimited(DomainError):
    type = "rate_limited"
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, retry_after)
        self.headers = headers or {}


class PaymentFailed(DomainError):
    type = "payment"
    default_code = "payment_failed"


class DependencyUnavailable(DomainError):
    """A store, KMS, Stripe or email call failed; the operation may be retried safely."""

    type = "api_error"
    default_code = "dependency_unavailable"


class StoreUnavailable(DependencyUnavailable):
    default_code = "store_unavailable"


class EncryptionUnavailable(DependencyUnavailable):
    default_code = "encryption_unavailable"


class PaymentProviderUnavailable(DependencyUnavailable):
    default_code = "payment_provider_unavailable"


class EmailUnavailable(DependencyUnavailable):
    default_code = "email_unavailable"


class QueueUnavailable(DependencyUnavailable):
    default_code = "queue_unavailable"


class MediaUnavailable(DependencyUnavailable):
    default_code = "media_unavailable"


class DecryptionRefused(DomainError):
    """A ciphertext did not decrypt under the given tenant and purpose."""

    default_code = "decryption_refused"


class WebhookRejected(InvalidRequest):
    default_code = "webhook_rejected"
