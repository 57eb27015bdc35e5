"""Translation of PynamoDB failures into domain errors at the store boundary."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException

from chalicelib.kernel.errors import StoreUnavailable


def is_condition_failure(exc: PynamoDBException) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def unavailable(exc: Exception, what: str) -> StoreUnavailable:
    """A store error the caller may retry: the message names the operation, never item contents."""
    code = getattr(exc, "cause_response_code", None) or type(exc).__name__
    return StoreUnavailable(f"the data store did not complete {what} ({code}); retry the request")
