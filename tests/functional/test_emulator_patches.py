"""The test/dev moto server's patches (cheaper transaction rollback, partition-only queries) keep moto's answers."""

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


def _create_indexed_table(ddb, name: str) -> None:
    """pk/sk, and the index by_g on g (hash) and gs (range)."""
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g", "gs")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "gs", "KeyType": "RANGE"}]}])


def _table_with_an_index(ddb, name: str) -> None:
    _create_indexed_table(ddb, name)
    # given three partitions, written out of order, two of whose items also sit in the index
    for pk, sk, g in [("b", "2", "x"), ("a", "3", ""), ("b", "1", ""), ("c", "1", "x"), ("b", "3", "y"), ("a", "1", "")]:
        item = {"pk": {"S": pk}, "sk": {"S": sk}}
        if g:
            item |= {"g": {"S": g}, "gs": {"S": f"{pk}{sk}"}}
        ddb.put_item(TableName=name, Item=item)


def _keys(items: list[dict]) -> list[str]:
    return [i["pk"]["S"] + i["sk"]["S"] for i in items]


def test_a_query_answers_its_partition_in_order_with_paging_as_before(moto_server):
    ddb = boto3.client("dynamodb", endpoint_url=moto_server.url, region_name="us-east-1")
    name = f"query-{secrets.token_hex(4)}"
    _table_with_an_index(ddb, name)
    by_pk = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "b"}}}
    # when a partition is read whole, backwards, in pages of two, with a range condition, and a missing one
    whole = ddb.query(TableName=name, **by_pk)
    backwards = ddb.query(TableName=name, ScanIndexForward=False, **by_pk)
    first = ddb.query(TableName=name, Limit=2, **by_pk)
    rest = ddb.query(TableName=name, Limit=2, ExclusiveStartKey=first["LastEvaluatedKey"], **by_pk)
    ranged = ddb.query(TableName=name, KeyConditionExpression="pk = :p AND sk > :s",
                       ExpressionAttributeValues={":p": {"S": "b"}, ":s": {"S": "1"}})
    missing = ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "zz"}})
    # then each answers exactly that partition's items, in range-key order
    assert _keys(whole["Items"]) == ["b1", "b2", "b3"] and whole["Count"] == 3
    assert _keys(backwards["Items"]) == ["b3", "b2", "b1"]
    assert _keys(first["Items"]) == ["b1", "b2"] and first["LastEvaluatedKey"] == {"pk": {"S": "b"}, "sk": {"S": "2"}}
    assert _keys(rest["Items"]) == ["b3"] and "LastEvaluatedKey" not in rest
    assert _keys(ranged["Items"]) == ["b2", "b3"]
    assert missing["Items"] == [] and missing["Count"] == 0


def test_an_index_query_still_finds_its_items_across_partitions(moto_server):
    ddb = boto3.client("dynamodb", endpoint_url=moto_server.url, region_name="us-east-1")
    name = f"index-{secrets.token_hex(4)}"
    _table_with_an_index(ddb, name)
    # when the index is queried for a value that items in two partitions carry
    found = ddb.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "x"}}, ScanIndexForward=False)
    # then both come back, ordered by the index's range key
    assert _keys(found["Items"]) == ["c1", "b2"]


def test_a_queue_hands_out_its_backlog_with_the_retention_check_patched(moto_server):
    sqs = boto3.client("sqs", endpoint_url=moto_server.url, region_name="us-east-1")
    url = sqs.create_queue(QueueName=f"backlog-{secrets.token_hex(4)}",
                           Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    # given a backlog of 25 messages
    for n in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))
    # when it is received in batches of ten until empty
    bodies: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [m["Body"] for m in batch]
    # then every message came out once, none was taken for expired
    assert sorted(bodies, key=int) == [str(n) for n in range(25)]


def test_sending_to_a_queue_keeps_fifo_deduplication_and_its_attributes(moto_server):
    sqs = boto3.client("sqs", endpoint_url=moto_server.url, region_name="us-east-1")
    name = f"dedupe-{secrets.token_hex(4)}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true",
                                                        "ContentBasedDeduplication": "true"})["QueueUrl"]
    # given a FIFO queue that deduplicates by content, when the same body is sent twice and another once
    for body in ("same", "same", "other"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    # then the duplicate was dropped, and the queue still reports its attributes in full
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ContentBasedDeduplication"]) == ("2", "true")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ["same", "other"]


def _index(ddb, name: str, g: str) -> list[str]:
    found = ddb.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": g}})
    return _keys(found["Items"])


def _scanned(ddb, name: str, g: str) -> list[str]:
    """What the index must hold, from a Scan (which lists the table the way moto always did)."""
    items = [i for i in ddb.scan(TableName=name)["Items"] if i.get("g") == {"S": g} and "gs" in i]
    return _keys(sorted(items, key=lambda i: i["gs"]["S"]))


def test_index_partitions_follow_every_kind_of_write(moto_server):
    # given a table whose index partitions were read once (so they are kept from now on)
    ddb = boto3.client("dynamodb", endpoint_url=moto_server.url, region_name="us-east-1")
    name = f"kept-{secrets.token_hex(4)}"
    _table_with_an_index(ddb, name)
    assert _index(ddb, name, "x") == ["b2", "c1"]

    def update(pk: str, sk: str, expression: str, values: dict | None = None) -> None:
        ddb.update_item(TableName=name, Key={"pk": {"S": pk}, "sk": {"S": sk}}, UpdateExpression=expression,
                        **({"ExpressionAttributeValues": values} if values else {}))

    # when items move between index partitions, join one and leave one by updates in place
    update("b", "2", "SET g = :y", {":y": {"S": "y"}})
    update("a", "1", "SET g = :x, gs = :s", {":x": {"S": "x"}, ":s": {"S": "a1"}})
    update("c", "1", "REMOVE g")
    # and an item is put over, a new one put and a cancelled transaction touches both
    ddb.put_item(TableName=name, Item={"pk": {"S": "d"}, "sk": {"S": "1"}, "g": {"S": "x"}, "gs": {"S": "d1"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "e"}, "sk": {"S": "1"}, "g": {"S": "x"},
                                                 "gs": {"S": "e1"}}}},
            {"Update": {"TableName": name, "Key": {"pk": {"S": "d"}, "sk": {"S": "1"}}, "UpdateExpression": "REMOVE g"}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "zz"}, "sk": {"S": "1"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    # and a batch puts one item and deletes another, and a delete removes one more
    ddb.batch_write_item(RequestItems={name: [
        {"PutRequest": {"Item": {"pk": {"S": "f"}, "sk": {"S": "1"}, "g": {"S": "x"}, "gs": {"S": "f1"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "b"}, "sk": {"S": "3"}}}}]})
    ddb.put_item(TableName=name, Item={"pk": {"S": "g"}, "sk": {"S": "1"}, "g": {"S": "y"}, "gs": {"S": "g1"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "g"}, "sk": {"S": "1"}})
    # then each index partition holds exactly what the table says, in the index's order
    assert _index(ddb, name, "x") == _scanned(ddb, name, "x") == ["a1", "d1", "f1"]
    assert _index(ddb, name, "y") == _scanned(ddb, name, "y") == ["b2"]
    assert _index(ddb, name, "zz") == []


@pytest.fixture(scope="module")
def plain_moto():
    """moto as it ships, without the patches: the answers to match."""
    import sys

    from tests.support.servers import Server, free_port

    port = free_port()
    server = Server([sys.executable, "-m", "moto.server", "-p", str(port)], f"http://127.0.0.1:{port}",
                    "/moto-api/")
    yield server
    server.stop()


def _pages(ddb, name: str, **query) -> list[dict]:
    """Every page of a Query, following LastEvaluatedKey, without the response metadata."""
    pages, start = [], None
    while True:
        page = ddb.query(TableName=name, **query, **({"ExclusiveStartKey": start} if start else {}))
        page.pop("ResponseMetadata", None)
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start or len(pages) > 100:
            return pages


def test_paged_index_queries_answer_exactly_as_moto_does(moto_server, plain_moto):
    import random

    # given the same table, with an index whose range values repeat and items outside it, on both servers
    rng = random.Random(20261204)
    rows = []
    for n in range(80):
        item = {"pk": {"S": f"p{n % 7}"}, "sk": {"S": f"{n:03d}"}, "g": {"S": rng.choice("xy")}, "v": {"N": str(n % 5)}}
        if n % 9:
            item["gs"] = {"S": f"r{rng.randint(0, 20):02d}"}
        rows.append(item)
    clients = []
    for server in (moto_server, plain_moto):
        ddb = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        name = f"paged-{secrets.token_hex(4)}"
        _create_indexed_table(ddb, name)
        for item in rows:
            ddb.put_item(TableName=name, Item=item)
        clients.append((ddb, name))
    ranges = [("g = :g", {}), ("g = :g AND gs BETWEEN :lo AND :hi", {":lo": {"S": "r05"}, ":hi": {"S": "r14"}}),
              ("g = :g AND gs > :lo", {":lo": {"S": "r10"}}), ("g = :g AND begins_with(gs, :b)", {":b": {"S": "r1"}})]
    # when every combination of value, range, direction, page size and filter is read page by page
    checked = 0
    for g in ("x", "y"):
        for condition, values in ranges:
            for forward in (True, False):
                for limit in (1, 2, 3, 7, 50):
                    for filtered in (False, True):
                        query = {"IndexName": "by_g", "KeyConditionExpression": condition, "Limit": limit,
                                 "ScanIndexForward": forward,
                                 "ExpressionAttributeValues": {":g": {"S": g}, **values}}
                        if filtered:
                            query["FilterExpression"] = "v < :v"
                            query["ExpressionAttributeValues"][":v"] = {"N": "3"}
                        patched, plain = (_pages(ddb, name, **query) for ddb, name in clients)
                        # then the patched server answers every page exactly as moto does
                        assert patched == plain, (g, condition, forward, limit, filtered)
                        checked += 1
    assert checked == 160


def _every_kind(n: int) -> dict:
    """An item with every kind of attribute, nested ones included, and a counter per n."""
    return {"pk": {"S": f"p{n % 3}"}, "sk": {"S": f"{n:03d}"}, "n": {"N": str(n)}, "flag": {"BOOL": n % 2 == 0},
            "none": {"NULL": True}, "bin": {"B": bytes([n, 0, 255])}, "ss": {"SS": ["a", f"s{n}"]},
            "ns": {"NS": ["1", str(n + 2)]}, "bs": {"BS": [b"\x00\x01", bytes([n])]},
            "m": {"M": {"inner": {"S": "x"}, "deep": {"L": [{"N": "1"}, {"B": b"\x02"}, {"M": {}}]}}},
            "l": {"L": [{"S": "y"}, {"SS": ["q"]}]}, **{f"c{i}": {"N": str(i * n)} for i in range(n % 5)}}


def _sets_sorted(value):
    """DynamoDB sets have no order (moto's projection passes them through a Python set): sorted to compare."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _sets_sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sets_sorted(v) for v in value]
    return value


def test_table_queries_and_reads_answer_exactly_as_moto_does(moto_server, plain_moto):
    # given the same table on both servers: items with every kind of attribute, and a partition of items
    # large enough that a Query stops at DynamoDB's 1 MB page
    clients = []
    for server in (moto_server, plain_moto):
        ddb = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        name = f"reads-{secrets.token_hex(4)}"
        _create_indexed_table(ddb, name)
        for n in range(30):
            ddb.put_item(TableName=name, Item=_every_kind(n))
        for n in range(12):
            ddb.put_item(TableName=name, Item={"pk": {"S": "big"}, "sk": {"S": f"{n:02d}"},
                                               "blob": {"S": "z" * 200_000}})
        ddb.update_item(TableName=name, Key={"pk": {"S": "p1"}, "sk": {"S": "001"}},
                        UpdateExpression="ADD n :one, ss :s", ExpressionAttributeValues={
                            ":one": {"N": "1"}, ":s": {"SS": ["added"]}})
        clients.append((ddb, name))
    queries = [{"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": p}}}
               for p in ("p0", "p1", "p2", "big", "none")]
    queries += [{"KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi", "ExpressionAttributeValues": {
        ":p": {"S": "p1"}, ":lo": {"S": "004"}, ":hi": {"S": "022"}}, "Limit": 2, "ScanIndexForward": False},
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :b)", "ExpressionAttributeValues": {
            ":p": {"S": "p2"}, ":b": {"S": "01"}}, "Limit": 1},
        {"KeyConditionExpression": "pk = :p AND sk > :lo", "ExpressionAttributeValues": {
            ":p": {"S": "big"}, ":lo": {"S": "03"}}, "Limit": 3, "ScanIndexForward": False},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p2"}, ":v": {"N": "10"}},
         "FilterExpression": "n > :v", "Limit": 3},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p0"}},
         "ProjectionExpression": "sk, m.deep, ss, bin"},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p0"}}, "Select": "COUNT"}]
    # when both answer the same Queries page by page, and the same item reads
    for query in queries:
        patched, plain = (_sets_sorted(_pages(ddb, name, **query)) for ddb, name in clients)
        # then every page is the same, the large partition's cut at 1 MB included
        assert patched == plain, query
    big = _pages(*clients[0], **queries[3])  # the "big" partition, whole
    assert [len(page["Items"]) for page in big] == [4, 4, 4]
    keys = [{"pk": {"S": f"p{n % 3}"}, "sk": {"S": f"{n:03d}"}} for n in (1, 5, 29)]
    answers = []
    for ddb, name in clients:
        got = ddb.get_item(TableName=name, Key=keys[0])["Item"]
        batch = ddb.batch_get_item(RequestItems={name: {"Keys": keys}})["Responses"][name]
        answers.append((got, sorted(batch, key=lambda i: i["sk"]["S"])))
    assert answers[0] == answers[1]
    assert answers[0][0]["n"] == {"N": "2"} and answers[0][0]["bin"] == {"B": bytes([1, 0, 255])}
