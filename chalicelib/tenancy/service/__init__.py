"""Tenancy's use cases: sign-up and authentication, API keys, shop settings."""
