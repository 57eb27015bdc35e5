"""API conventions with state: rate-limit windows and idempotency records (services and their store)."""
