"""Builds risk's parts: the rules and counters stores, the checkout's engine and the rules service."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class RiskParts(Parts):
    @cached_property
    def risk_rules_store(self) -> Any:
        from chalicelib.risk.store.rules import DynamoRiskRules

        return DynamoRiskRules(default_on=self.c.platform.settings.risk_default_on)

    @cached_property
    def risk_velocity(self) -> Any:
        from chalicelib.risk.store.velocity import DynamoVelocity

        return DynamoVelocity()

    @cached_property
    def risk_engine(self) -> Any:
        from chalicelib.risk.service.engine import RiskService

        c = self.c
        return RiskService(rules=self.risk_rules_store, velocity=self.risk_velocity, clock=c.platform.clock,
                           sign=c.platform.order_links.risk_mac,
                           recent_seconds=float(c.platform.settings.console_cache_seconds))

    @cached_property
    def risk_rules(self) -> Any:
        from chalicelib.risk.service.rules import RiskRulesService

        c = self.c
        return RiskRulesService(store=self.risk_rules_store, engine=self.risk_engine, activity=c.platform.activity,
                                clock=c.platform.clock)
