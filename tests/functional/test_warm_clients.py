"""Building the models' AWS clients at boot keeps each model's own connection (and so its indexes)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute

from chalicelib.adapters.dynamo.items import Gsi2, Item
from chalicelib.adapters.dynamo.warm import warm_clients


def test_a_model_keeps_its_indexes_when_its_parent_already_has_a_connection(container: Any) -> None:
    # given the base item class holding a connection of its own (it knows no index), and a model defined
    # after the table was configured (as the stores' models are, imported lazily)
    Item._connection = None
    base = Item._get_connection()

    class LateItem(Item):
        gsi2pk = UnicodeAttribute(null=True)
        gsi2sk = UnicodeAttribute(null=True)
        by_listing = Gsi2()

    try:
        # when the clients are built at boot, and a late model is written and read through its index
        warm_clients()
        LateItem("T#warm", "1", gsi2pk="G#warm", gsi2sk="1").save()
        found = [i.sk for i in LateItem.by_listing.query("G#warm")]
        # then the late model has its own connection, and the index query answers
        assert LateItem._get_connection() is not base
        assert found == ["1"]
    finally:
        Item._connection = None
