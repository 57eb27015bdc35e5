"""Creates the main table (and the key store table) where they are missing: dev stack and tests."""

from __future__ import annotations

from typing import Any


def ensure_main_table(client: Any, table_name: str) -> None:
    """Same schema as infra/resources.json: pk/sk, sparse gsi1 (due work), gsi2 (listings), TTL."""
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        return
    attrs = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
    client.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [{"AttributeName": f"{name}pk", "KeyType": "HASH"},
                              {"AttributeName": f"{name}sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name in ("gsi1", "gsi2")
        ],
    )
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(TableName=table_name,
                               TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
