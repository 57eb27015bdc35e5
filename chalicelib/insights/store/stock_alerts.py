"""What was last told of each product's stock, one item per product in the shop's alert partition."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import Item
from chalicelib.insights.domain.stock_alerts import AlertState


class AlertStateItem(Item):
    level = UnicodeAttribute()
    told_at = NumberAttribute()
    version = NumberAttribute()
    pending = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    available = NumberAttribute()


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#SA"


def _state(item: AlertStateItem) -> AlertState:
    return AlertState(str(item.sk), item.level, int(item.told_at), int(item.version),
                      tuple(str(c) for c in item.pending or ()), int(item.available))


class DynamoAlertStore:
    def states(self, tenant_id: str) -> dict[str, AlertState]:
        try:
            return {str(i.sk): _state(i) for i in AlertStateItem.query(partition(tenant_id))}
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the stock alerts") from exc

    def save(self, tenant_id: str, new: AlertState, previous: AlertState | None) -> bool:
        """Writes the new state on condition the stored one is still `previous` (two runs at once: one wins,
        the other tells nothing); False when it was not."""
        item = AlertStateItem(partition(tenant_id), new.product_id, level=new.level, told_at=new.told_at,
                              version=new.version, pending=list(new.pending), available=new.available)
        # first telling: no item yet; later: the same version and level as read
        condition = (AlertStateItem.pk.does_not_exist() if previous is None else
                     (AlertStateItem.version == previous.version) & (AlertStateItem.level == previous.level))
        try:
            item.save(condition=condition)
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "keeping a stock alert") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "keeping a stock alert") from exc
        return True

    def sent(self, tenant_id: str, state: AlertState, channel: str) -> AlertState:
        """The channel was sent for this telling: off the pending list (unless a newer telling replaced it)."""
        after = replace(state, pending=tuple(c for c in state.pending if c != channel))
        item = AlertStateItem(partition(tenant_id), state.product_id)
        try:
            item.update(actions=[AlertStateItem.pending.set(list(after.pending))],  # type: ignore[arg-type]
                        condition=AlertStateItem.version == state.version)
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "keeping a stock alert") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "keeping a stock alert") from exc
        return after
