"""Tenancy: sign-up, tenants, API keys and shop settings."""
