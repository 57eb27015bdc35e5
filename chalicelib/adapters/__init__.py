"""Adapters around AWS and Stripe that implement the domain ports."""
