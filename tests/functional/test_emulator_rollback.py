"""The test/dev moto server's cheaper transaction rollback must undo a cancelled transaction exactly."""

from __future__ import annotations

import secrets

import boto3
import pytest
from botocore.exceptions import ClientError


def test_a_cancelled_transaction_leaves_every_item_as_it_was(moto_server):
    # given a table with one existing item
    ddb = boto3.client("dynamodb", endpoint_url=moto_server.url, region_name="us-east-1")
    name = f"rollback-{secrets.token_hex(4)}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    # when a transaction puts a new item, updates the existing one, and then fails a condition
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
            {"Update": {"TableName": name, "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET n = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "zz"}, "sk": {"S": "1"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    # then it was cancelled, the new item is gone and the old one is unchanged
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    items = ddb.scan(TableName=name)["Items"]
    assert items == [{"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}}]
