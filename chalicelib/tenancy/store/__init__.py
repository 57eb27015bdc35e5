"""Tenancy's DynamoDB store: tenants, API keys and the per-container tenant cache."""
