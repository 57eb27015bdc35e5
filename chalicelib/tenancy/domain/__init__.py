"""Tenancy's pure rules: tenants, API-key scopes and the store port."""
