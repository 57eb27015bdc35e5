"""Building the table's botocore clients before the first request, for multi-threaded servers."""

from __future__ import annotations

from chalicelib.adapters.dynamo.items import every_model, transaction_connection


def warm_clients() -> int:
    """Make every loaded model's botocore client now, from one botocore session, so the service model is read
    once. A multi-threaded server otherwise has its first concurrent requests each build one (~80 ms of CPU
    apiece, all at once: seconds of tail on a cold process). Lambda serves one request at a time and skips this."""
    from botocore.session import get_session

    shared = get_session()
    connections = []
    for model in every_model()[1:]:  # not the base: no item is read through it
        if "_connection" not in vars(model):
            # Each model's own: PynamoDB looks `_connection` up through the class chain, and a connection
            # inherited from a parent knows only the parent's indexes ("Table ... has no index: gsi2").
            model._connection = None
        connections.append(model._get_connection().connection)
    connections.append(transaction_connection())
    for connection in connections:
        connection._local.session = shared  # this thread's session; the client it makes serves every thread
        _ = connection.client
    return len(connections)
