"""Redemption's use cases: redeem a key once, and licence activations."""
