"""Money is an integer in minor units plus a lower-case ISO currency; never a float."""

from __future__ import annotations

from chalicelib.kernel.errors import InvalidRequest

# Currencies we accept, with their minor-unit exponent (ISO 4217).
CURRENCY_EXPONENT: dict[str, int] = {
    "usd": 2, "eur": 2, "gbp": 2, "cny": 2, "hkd": 2, "twd": 2, "sgd": 2, "cad": 2,
    "aud": 2, "myr": 2, "thb": 2, "php": 2, "inr": 2, "jpy": 0, "krw": 0, "vnd": 0,
}
MAX_AMOUNT = 99_999_999  # Stripe's limit for most currencies, in minor units.


def parse_currency(value: object, *, param: str = "currency") -> str:
    if not isinstance(value, str) or value.lower() != value or value not in CURRENCY_EXPONENT:
        raise InvalidRequest(
            f"{param} must be a lower-case ISO currency code we support: {', '.join(sorted(CURRENCY_EXPONENT))}",
            param=param,
        )
    return value


def parse_amount(value: object, *, param: str = "price") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{param} must be an integer amount in minor units (e.g. 500 for 5.00)", param=param)
    if value < 1 or value > MAX_AMOUNT:
        raise InvalidRequest(f"{param} must be between 1 and {MAX_AMOUNT} minor units", param=param)
    return value
