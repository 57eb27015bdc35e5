"""Partition and sort key layout: tenant items first, platform lookups (SLUG#, APIKEY#, EMAIL#) apart."""

from __future__ import annotations

DUE_PARTITIONS = 8  # spreads platform-wide due work over several index partitions


def tenant(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def products(tenant_id: str) -> str:
    return f"T#{tenant_id}#PRODUCTS"


def shard(tenant_id: str, product_id: str, shard_no: int) -> str:
    return f"T#{tenant_id}#P#{product_id}#S#{shard_no}"


def counter(tenant_id: str, product_id: str, shard_no: int) -> str:
    return f"T#{tenant_id}#P#{product_id}#S#{shard_no}#CTR"


def key_sk(seq: int) -> str:
    return f"K#{seq:010d}"


def fingerprint(tenant_id: str, fp: str) -> str:
    return f"T#{tenant_id}#FP#{fp}"


def stat(tenant_id: str, product_id: str, bucket: int) -> str:
    return f"T#{tenant_id}#P#{product_id}#STAT#{bucket}"


def lease(tenant_id: str, product_id: str) -> str:
    return f"T#{tenant_id}#P#{product_id}#LEASE"


def order(tenant_id: str, order_id: str) -> str:
    return f"T#{tenant_id}#O#{order_id}"


def orders_index(tenant_id: str) -> str:
    return f"T#{tenant_id}#ORDERS"


def outbox(tenant_id: str, outbox_id: str) -> str:
    return f"T#{tenant_id}#OBX#{outbox_id}"


def due(kind: str, spread_on: str) -> str:
    """A gsi1 partition for due work of one kind; the bucket comes from a stable hash of an id."""
    bucket = sum(spread_on.encode()) % DUE_PARTITIONS
    return f"{kind}#{bucket}"


def due_sk(at: int, ident: str) -> str:
    return f"{at:012d}#{ident}"


STAT_BUCKETS = 8
