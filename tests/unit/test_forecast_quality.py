"""Quality bars of the demand forecast on seeded synthetic series, against statsforecast's automatic models (test only).

Every model, ours and the oracle's, goes through the same rolling-origin backtest (backtest.py) with 8 origins on
the same 26-week series: 8 series per class. A class's score is the mean of its series' backtest MASE. The oracle is
the best per class of statsforecast's AutoETS(7), CrostonOptimized, ADIDA, IMAPA, TSB(0.1, 0.1) and AutoTheta(7);
AutoARIMA is left out, at about a second a fit it would take minutes. The oracle never sees the holidays (none of
these models takes them), which is part of what our forecast is for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pytest
from statsforecast.models import ADIDA, IMAPA, TSB, AutoETS, AutoTheta, CrostonOptimized, SeasonalNaive

from chalicelib.insights.domain.backtest import Model, WarningReport, Warns, backtest, replay_warnings
from chalicelib.insights.domain.forecast import Forecast, forecast, stockout_date, stockout_warning
from tests.support.series import GENERATORS, KINDS, stock_history

SERIES_PER_CLASS = 8
ORIGINS = 8
STOCK_PRODUCTS = 30  # about 70 stock-outs, a third of them of products selling a few a week
ORACLE: dict[str, Callable[[], Any]] = {
    "AutoETS": lambda: AutoETS(season_length=7),
    "CrostonOptimized": CrostonOptimized,
    "ADIDA": ADIDA,
    "IMAPA": IMAPA,
    "TSB": lambda: TSB(alpha_d=0.1, alpha_p=0.1),
    "AutoTheta": lambda: AutoTheta(season_length=7),
}
WARNED_AT_LEAST = 0.90
FALSE_ALARMS_AT_MOST = 0.30  # a warning rests on a safety stock, so a day near the line warns whether or not it runs out


def statsforecast_model(make: Callable[[], Any]) -> Model:
    """A statsforecast model as a backtest model: fitted afresh on each origin's past, holidays unseen."""
    def run(seen: Sequence[int], last_day: date, horizon: int, holidays: frozenset[date]) -> list[float]:
        return [float(v) for v in make().forecast(y=np.asarray(seen, dtype=float), h=horizon)["mean"]]
    return run


def ours(seen: Sequence[int], last_day: date, horizon: int, holidays: frozenset[date]) -> list[float]:
    return list(forecast(seen, last_day, horizon=horizon, holidays=holidays).daily)


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, float]]:
    """Mean backtest MASE per class and model: ours, seasonal naive (ours and statsforecast's) and the oracle."""
    models: dict[str, str | Model] = {"ours": ours, "seasonal_naive": "seasonal_naive",
                                      "statsforecast SeasonalNaive": statsforecast_model(lambda: SeasonalNaive(7)),
                                      **{name: statsforecast_model(make) for name, make in ORACLE.items()}}
    result: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        series = [GENERATORS[kind](seed) for seed in range(SERIES_PER_CLASS)]
        result[kind] = {name: sum(backtest(s.values, s.last_day, model, origins=ORIGINS, holidays=s.holidays)
                                  for s in series) / len(series) for name, model in models.items()}
    print("\nclass          ours  seasonal naive  best oracle")
    for kind, row in result.items():
        best = min(ORACLE, key=lambda name: row[name])
        print(f"{kind:<13} {row['ours']:.3f}  {row['seasonal_naive']:.3f}           {row[best]:.3f} {best}")
    return result


def test_the_oracle_scores_seasonal_naive_exactly_as_we_do(table: dict[str, dict[str, float]]) -> None:
    # given statsforecast's SeasonalNaive and ours through the same backtest
    # then they score alike: the oracle's forecasts really go through our scoring
    for row in table.values():
        assert row["statsforecast SeasonalNaive"] == pytest.approx(row["seasonal_naive"], rel=1e-12)


def test_the_forecast_beats_seasonal_naive_on_every_class(table: dict[str, dict[str, float]]) -> None:
    # given the mean backtest MASE per class
    # then ours is below seasonal naive's on each
    for kind, row in table.items():
        assert row["ours"] < row["seasonal_naive"], kind


def test_the_forecast_is_within_ten_percent_of_the_best_oracle_model_on_every_class(
        table: dict[str, dict[str, float]]) -> None:
    # given the mean backtest MASE per class
    # then ours is at most 1.10 times the best of statsforecast's automatic models on each
    for kind, row in table.items():
        best = min(row[name] for name in ORACLE)
        assert row["ours"] <= 1.10 * best, (kind, row)


def replayed(seed: int) -> dict[str, WarningReport]:
    """One stock history replayed by our warning and by the expected stock-out date alone, on the same forecasts."""
    history = stock_history(seed)
    made: dict[int, Forecast] = {}

    def forecast_of(seen: Sequence[int], day: date) -> Forecast:
        if len(seen) not in made:  # both rules read the day's one forecast
            made[len(seen)] = forecast(seen, day, holidays=history.holidays)
        return made[len(seen)]

    rules: dict[str, Warns] = {
        "warning": lambda seen, day, stock: stockout_warning(forecast_of(seen, day), stock),
        "expected date": lambda seen, day, stock: stockout_date(forecast_of(seen, day), stock) is not None}
    return {name: replay_warnings(history.sales, history.available, history.demand, history.last_day, rule)
            for name, rule in rules.items()}


def summed(reports: Sequence[WarningReport]) -> WarningReport:
    return WarningReport(*(sum(getattr(r, name) for r in reports)
                           for name in ("stockouts", "warned", "warning_days", "false_alarms")))


@pytest.fixture(scope="module")
def warnings() -> dict[str, WarningReport]:
    """Stock-out warnings replayed over the synthetic stock histories: by our warning and by the expected date alone."""
    per_product = [replayed(seed) for seed in range(STOCK_PRODUCTS)]
    reports = {name: summed([product[name] for product in per_product]) for name in ("warning", "expected date")}
    for name, r in reports.items():
        print(f"\n{name}: {r.warned}/{r.stockouts} stock-outs warned a week ahead ({r.warned_rate:.1%}), "
              f"{r.false_alarms}/{r.warning_days} warning days false ({r.false_alarm_rate:.1%})")
    return reports


def test_nine_stockouts_in_ten_are_warned_a_week_ahead(warnings: dict[str, WarningReport]) -> None:
    # given the warnings replayed day by day over the stock histories
    report = warnings["warning"]
    # then at least 90 % of the stock-outs were warned 7 days before them
    assert report.stockouts >= 50
    assert report.warned_rate >= WARNED_AT_LEAST


def test_warnings_are_mostly_true(warnings: dict[str, WarningReport]) -> None:
    # given the same replay
    report = warnings["warning"]
    # then at most 30 % of warning days were false alarms (14 days of true demand would not have emptied the stock)
    assert report.false_alarm_rate <= FALSE_ALARMS_AT_MOST
