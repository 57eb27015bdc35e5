"""Redemption's DynamoDB store: redemptions and licence activations."""
