"""Builds insights' parts: the rollup store, the service that counts into it and reads the dashboard, heatmaps."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class InsightsParts(Parts):
    @cached_property
    def rollup_store(self) -> Any:
        from chalicelib.insights.store.rollups import DynamoRollupStore

        return DynamoRollupStore()

    @cached_property
    def rollups(self) -> Any:
        from chalicelib.insights.service.rollups import RollupService

        c = self.c
        return RollupService(store=self.rollup_store, tenants=c.tenancy.tenants, customers=c.sales.customers,
                             inventory=c.inventory.keys, clock=c.platform.clock, settings=self.insight_settings,
                             recent_seconds=float(c.platform.settings.console_cache_seconds))

    @cached_property
    def insight_settings_store(self) -> Any:
        from chalicelib.insights.store.settings import DynamoInsightSettings

        return DynamoInsightSettings()

    @cached_property
    def insight_settings(self) -> Any:
        from chalicelib.insights.service.settings import InsightSettingsService

        c = self.c
        return InsightSettingsService(store=self.insight_settings_store, subscriptions=self.report_subscriptions,
                                      activity=c.platform.activity, clock=c.platform.clock,
                                      recent_seconds=float(c.platform.settings.console_cache_seconds))

    @cached_property
    def heatmaps(self) -> Any:
        from chalicelib.insights.service.heatmap import HeatmapService

        c = self.c
        return HeatmapService(store=self.rollup_store, tenants=c.tenancy.tenants, clock=c.platform.clock)

    @cached_property
    def funnel_store(self) -> Any:
        from chalicelib.insights.store.funnel import DynamoFunnelStore

        return DynamoFunnelStore(flush_seconds=self.c.platform.settings.funnel_flush_seconds)

    @cached_property
    def funnel(self) -> Any:
        from chalicelib.insights.service.funnel import FunnelService

        c = self.c
        return FunnelService(store=self.funnel_store, tenants=c.tenancy.tenants, orders=c.sales.orders,
                             clock=c.platform.clock)

    @cached_property
    def segment_store(self) -> Any:
        from chalicelib.insights.store.segments import DynamoSegmentStore

        return DynamoSegmentStore()

    @cached_property
    def nightly(self) -> Any:
        from chalicelib.insights.service.nightly import NightlyService

        c = self.c
        return NightlyService(buyers=self.rollup_store, store=self.segment_store, forecasts=self.stock_outlook,
                              tenants=c.tenancy.tenants, clock=c.platform.clock, settings=self.insight_settings,
                              digests=self.slow_movers,
                              reports=self.reports)

    @cached_property
    def outlook_store(self) -> Any:
        from chalicelib.insights.store.outlooks import DynamoOutlookStore

        return DynamoOutlookStore()

    @cached_property
    def stock_outlook(self) -> Any:
        from chalicelib.insights.service.stock_outlook import StockOutlookService

        c = self.c
        return StockOutlookService(store=self.outlook_store, rollups=self.rollup_store, stock=c.inventory.keys,
                                   levels=c.inventory.pool, products=c.catalog.products, tenants=c.tenancy.tenants,
                                   settings=self.insight_settings, clock=c.platform.clock)

    @cached_property
    def segments(self) -> Any:
        from chalicelib.insights.service.segments import SegmentService

        c = self.c
        return SegmentService(store=self.segment_store, tenants=c.tenancy.tenants, clock=c.platform.clock)

    @cached_property
    def recommendations(self) -> Any:
        from chalicelib.insights.service.recommendations import RecommendationService

        return RecommendationService(store=self.segment_store, products=self.c.catalog.products,
                                     ttl=float(self.c.platform.settings.recommendations_cache_seconds))

    @cached_property
    def history_store(self) -> Any:
        from chalicelib.insights.store.history import DynamoHistoryStore

        return DynamoHistoryStore()

    @cached_property
    def history(self) -> Any:
        from chalicelib.insights.service.history_import import HistoryImportService

        c = self.c
        return HistoryImportService(store=self.history_store, counter=self.rollup_store, products=c.catalog.products,
                                    nightly=self.nightly, tenants=c.tenancy.tenants, queue=c.platform.jobs_queue,
                                    clock=c.platform.clock)

    @cached_property
    def sent_marks(self) -> Any:
        from chalicelib.insights.store.sent_marks import DynamoSentMarks

        return DynamoSentMarks()

    @cached_property
    def slow_movers(self) -> Any:
        from chalicelib.insights.service.slow_movers import SlowMoverService

        c = self.c
        return SlowMoverService(rollups=self.rollup_store, stock=c.inventory.keys, marks=self.sent_marks,
                                tenants=c.tenancy.tenants, mailer=c.platform.mailer, clock=c.platform.clock)

    @cached_property
    def report_subscriptions(self) -> Any:
        from chalicelib.insights.store.report_subscriptions import DynamoReportSubscriptions

        return DynamoReportSubscriptions()

    @cached_property
    def reports(self) -> Any:
        from chalicelib.insights.service.reports import ReportService

        c = self.c
        return ReportService(rollups=self.rollup_store, funnel=self.funnel_store, stock=c.inventory.keys,
                             subscriptions=self.report_subscriptions, marks=self.sent_marks, staff=c.tenancy.staff,
                             events=c.integrations.events, mailer=c.platform.mailer, tenants=c.tenancy.tenants,
                             clock=c.platform.clock, base_url=c.platform.settings.public_base_url)

    @cached_property
    def cockpit(self) -> Any:
        from chalicelib.insights.service.cockpit import CockpitService

        c = self.c
        return CockpitService(rollups=self.rollup_store, funnel=self.funnel_store, outlook=self.stock_outlook,
                              tenants=c.tenancy.tenants, clock=c.platform.clock,
                              recent_seconds=float(c.platform.settings.console_cache_seconds))

    @cached_property
    def alert_store(self) -> Any:
        from chalicelib.insights.store.stock_alerts import DynamoAlertStore

        return DynamoAlertStore()

    @cached_property
    def stock_alerts(self) -> Any:
        from chalicelib.insights.service.stock_alerts import StockAlertService

        c = self.c
        return StockAlertService(store=self.alert_store, figures=self.rollups, stock=c.inventory.keys,
                                 tenants=c.tenancy.tenants, settings=self.insight_settings, staff=c.tenancy.staff,
                                 events=c.integrations.events, mailer=c.platform.mailer,
                                 clock=c.platform.clock)
