"""The demand forecast's rules on small hand-made cases: baselines, MASE, backtest origins, stock-out and reorder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from chalicelib.insights.domain.backtest import WarningReport, Warns, backtest_origins, replay_warnings
from chalicelib.insights.domain.forecast import (
    Forecast,
    backtest,
    demand_class,
    forecast,
    mase,
    reorder_quantity,
    stockout_date,
    stockout_warning,
)
from chalicelib.insights.domain.forecast_methods import flat_mean, seasonal_naive

LAST_DAY = date(2025, 9, 30)  # a Tuesday
START = LAST_DAY + timedelta(days=1)


def _days_ago(n: int, days: int) -> date:
    """The date of position `days` in a history of n days that ends on LAST_DAY."""
    return LAST_DAY - timedelta(days=n - 1 - days)


def _constant(units: float, mae: float | None = None) -> Forecast:
    return Forecast(START, (units,) * 14, "ets", None, None, mae)


def test_seasonal_naive_repeats_the_last_week_and_is_the_mean_under_a_week() -> None:
    # given two weeks selling 1 to 14
    history = list(range(1, 15))
    # when seasonal naive forecasts ten days
    # then each day repeats its weekday of the last week, and five days of history give their mean instead
    assert seasonal_naive(history, LAST_DAY, 10) == [8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 8.0, 9.0, 10.0]
    assert seasonal_naive([1, 2, 3, 4, 5], LAST_DAY, 3) == [3.0, 3.0, 3.0]
    assert flat_mean([], LAST_DAY, 2) == [0.0, 0.0]


def test_mase_on_a_hand_computed_case() -> None:
    # given an in-sample whose weekly differences are all 1 (scale 1)
    insample = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8]
    # when two days are forecast 1 and 2 units off
    # then the MASE is their mean absolute error, 1.5
    assert mase([3, 5], [2, 7], insample) == 1.5
    # and with season 1 the scale is the mean of |differences| (13 of them: 12 of 1 and one of 5, 17 / 13)
    assert mase([3, 5], [2, 7], insample, season=1) == 1.5 / (17 / 13)


def test_mase_falls_back_to_lag_one_then_to_the_actuals_then_to_one() -> None:
    # given a five-day in-sample (shorter than a season and a day) alternating 1 and 3
    # then the lag-1 naive error (2) is the scale
    assert mase([2], [1], [1, 3, 1, 3, 1]) == 0.5
    # given a flat in-sample (both naive errors 0), the mean absolute actual (3) is the scale
    assert mase([2, 4], [3, 3], [5] * 14) == pytest.approx(1 / 3, rel=1e-12)
    # given nothing but zeros, the scale is 1 and the MASE is the mean absolute error
    assert mase([0, 0], [1, 2], [0] * 14) == 1.5
    with pytest.raises(ValueError):
        mase([1], [1, 2], [1] * 14)


def test_backtest_origins_step_a_week_back_from_the_last_fortnight() -> None:
    # given 180, 56 and 41 days of history
    # then four origins a week apart end with the one whose fortnight ends on the last day, each after 28 days or more
    assert backtest_origins(180) == [145, 152, 159, 166]
    assert backtest_origins(56) == [28, 35, 42]
    assert backtest_origins(41) == []


def test_backtest_gives_each_origin_its_past_and_scores_the_next_fortnight() -> None:
    # given six weeks repeating 0..6 (weekly differences 0, so lag-1 is the scale: 24 steps of 1, 3 of 6, over 27)
    history = [i % 7 for i in range(42)]
    calls: list[tuple[int, date, int]] = []

    def flat_three(seen: Sequence[int], last_day: date, horizon: int, holidays: frozenset[date]) -> list[float]:
        calls.append((len(seen), last_day, horizon))
        return [3.0] * horizon

    # when a model forecasting 3 a day is backtested
    score = backtest(history, LAST_DAY, flat_three)
    # then its one origin saw 28 days ending a fortnight before the last day, and its MASE is (12/7) / (42/27)
    assert calls == [(28, LAST_DAY - timedelta(days=14), 14)]
    assert score == pytest.approx(54 / 49, rel=1e-12)
    # and seasonal naive, perfect on this series, scores 0; too short a history cannot be backtested
    assert backtest(history, LAST_DAY, "seasonal_naive") == 0.0
    with pytest.raises(ValueError):
        backtest(history[:41], LAST_DAY, "seasonal_naive")


def test_stockout_date_is_the_first_day_expected_demand_exceeds_the_stock() -> None:
    # given 2 units a day expected from October 1st
    fc = _constant(2.0)
    # then 5 in stock run out on the third day (2, 4, 6 > 5), 27 on the 14th, and 28 last the fortnight
    assert stockout_date(fc, 5) == date(2025, 10, 3)
    assert stockout_date(fc, 27) == date(2025, 10, 14)
    assert stockout_date(fc, 28) is None
    assert stockout_date(fc, 0) == date(2025, 10, 1)


def test_reorder_quantity_covers_expected_demand_and_its_safety_stock() -> None:
    # given 2 units a day expected, without error, with a backtest error of 1 unit a day, and with no backtest
    exact, tested, untested = _constant(2.0, mae=0.0), _constant(2.0, mae=1.0), _constant(2.0)
    # then without error it is the shortfall; with error 1.65 × 1.25 × MAE × sqrt(days) more; without a
    # backtest 1.65 × sqrt(expected units) more (Poisson); always rounded up and never negative
    assert reorder_quantity(exact, 5, 7) == 9
    assert reorder_quantity(_constant(1.5, mae=0.0), 0, 7) == 11  # 10.5 rounds up
    assert reorder_quantity(tested, 5, 7) == 15  # 14 + 5.46 - 5
    assert reorder_quantity(tested, 5, 14) == 31  # 28 + 7.72 - 5
    assert reorder_quantity(untested, 5, 7) == 16  # 14 + 6.17 - 5
    assert reorder_quantity(exact, 100, 14) == 0
    with pytest.raises(ValueError):
        reorder_quantity(exact, 5, 15)


def test_a_warning_is_up_while_the_stock_does_not_cover_the_horizon_with_its_safety_stock() -> None:
    # given 2 units a day expected over 14 days (28), with a backtest error of 1 a day (safety stock 7.72)
    fc = _constant(2.0, mae=1.0)
    # then 35 in stock warn (35 < 35.72) and 36 do not, although the expected demand alone runs out of neither
    assert (stockout_warning(fc, 35), stockout_warning(fc, 36)) == (True, False)
    assert (stockout_date(fc, 35), stockout_date(fc, 36)) == (None, None)
    assert stockout_warning(Forecast(START, (), "mean", None, None), 0) is False


def test_no_history_forecasts_nothing_and_a_short_one_its_mean_without_a_backtest() -> None:
    # given no sales yet, then three weeks of sales
    empty = forecast([], LAST_DAY)
    short = forecast([3, 1, 2] * 7, LAST_DAY, horizon=7)
    # then the first forecasts zero, the second 2 a day, both by the mean and neither backtested
    assert empty == Forecast(START, (0.0,) * 14, "mean", None, None, None, "intermittent")
    assert (short.daily, short.method, short.mase, short.baseline_mase) == ((2.0,) * 7, "mean", None, None)
    assert stockout_date(empty, 0) is None


def test_five_weeks_get_a_model_but_no_backtest_and_six_weeks_get_both() -> None:
    # given 35 and then 42 days selling 10 a day
    five, six = forecast([10] * 35, LAST_DAY), forecast([10] * 42, LAST_DAY)
    # then both are ETS forecasts of exactly 10 a day; only the six weeks have a backtest (perfect, like the baseline)
    assert (five.method, five.daily, five.mase) == ("ets", (10.0,) * 14, None)
    assert (six.method, six.daily, six.mase, six.baseline_mase, six.mae) == ("ets", (10.0,) * 14, 0.0, 0.0, 0.0)


def test_demand_is_classified_by_the_interval_between_sales_and_their_spread() -> None:
    # given sales every day or on one day in three, of steady or of very uneven sizes
    # then Syntetos-Boylan's four classes come out
    assert demand_class([5, 6, 5, 4] * 10) == "smooth"
    assert demand_class([1, 12, 1, 9] * 10) == "erratic"
    assert demand_class([0, 0, 2, 0, 1, 0] * 10) == "intermittent"
    assert demand_class([0, 0, 9, 0, 0, 1] * 10) == "lumpy"
    assert demand_class([0] * 10) == "intermittent"


def test_intermittent_demand_is_forecast_by_tsb() -> None:
    # given ten weeks selling one unit every third day
    fc = forecast([0, 0, 1] * 24, LAST_DAY)
    # then TSB forecasts a third of a unit a day, give or take the weekday profile's little pull
    assert fc.method == "tsb"
    assert sum(fc.daily) / 14 == pytest.approx(1 / 3, abs=0.02)
    assert fc.mase is not None and fc.baseline_mase is not None


def test_past_holidays_teach_a_factor_that_future_holidays_get() -> None:
    # given ten weeks selling 10 a day, and 20 on each of three holidays, and a holiday on the third forecast day
    n = 70
    holidays = frozenset({_days_ago(n, 20), _days_ago(n, 40), _days_ago(n, 55), START + timedelta(days=2)})
    history = [20 if _days_ago(n, i) in holidays else 10 for i in range(n)]
    # when it is forecast
    fc = forecast(history, LAST_DAY, holidays=holidays)
    # then the holiday gets (60 + 2) / (30 + 2) times an ordinary day (the factor shrunk by a prior of 2 units)
    assert fc.daily[2] / fc.daily[1] == pytest.approx(62 / 32, rel=1e-12)
    assert fc.daily[0] == pytest.approx(10.0, abs=0.02)
    # and holidays that halve demand lower it the same way: (15 + 2) / (30 + 2)
    lowered = [5 if _days_ago(n, i) in holidays else 10 for i in range(n)]
    low = forecast(lowered, LAST_DAY, holidays=holidays)
    assert low.daily[2] / low.daily[1] == pytest.approx(17 / 32, rel=1e-12)


def test_weekday_profile_lifts_the_busy_weekday() -> None:
    # given ten weeks selling 10 a day and 20 on Saturdays
    n = 70
    history = [20 if _days_ago(n, i).weekday() == 5 else 10 for i in range(n)]
    # when it is forecast
    fc = forecast(history, LAST_DAY)
    # then the Saturdays (October 4th and 11th) get nearly twice a weekday: (200 + 5) / (100 + 5) times, the ten
    # Saturdays' 200 units and each other weekday's 100 shrunk by the profile's prior of 5 units
    saturdays = [i for i in range(14) if (START + timedelta(days=i)).weekday() == 5]
    assert saturdays == [3, 10]
    assert fc.daily[3] / fc.daily[0] == pytest.approx(205 / 105, rel=1e-12)
    assert fc.daily[0] == fc.daily[1] == fc.daily[2] == fc.daily[4]


def test_a_flash_sale_and_an_outage_do_not_move_the_forecast() -> None:
    # given ten weeks selling 10 a day, but 100 on one flash-sale day and nothing over three days of outage
    history = [10] * 70
    history[60], history[50:53] = 100, [0, 0, 0]
    # when it is forecast
    fc = forecast(history, LAST_DAY)
    # then both are read as one-offs: 10 a day is still expected
    assert all(abs(units - 10) < 0.01 for units in fc.daily)


def test_replay_counts_warned_stockouts_and_false_alarms() -> None:
    # given 80 days selling 1 a day from a stock that runs out on day 69 (69 at the close of day 0, 1 less each day)
    demand = [1] * 80
    available = [max(0, 69 - d) for d in range(80)]

    def under(line: int) -> Warns:
        return lambda seen, day, stock: stock < line

    # when a rule warning under 20 in stock is replayed from day 48 (lead 7, horizon 14)
    early = replay_warnings(demand, available, demand, LAST_DAY, under(20), warmup=48)
    # then the stock-out was warned on day 62; of the 16 judged warning days (50 to 65), the five with more than 14
    # in stock (days 50 to 54) are false alarms: 14 days of demand would not have emptied them
    assert early == WarningReport(stockouts=1, warned=1, warning_days=16, false_alarms=5)
    assert (early.warned_rate, early.false_alarm_rate) == (1.0, 5 / 16)
    # and a rule warning under 5 warns from day 65 only: too late for a week's notice, but never falsely
    late = replay_warnings(demand, available, demand, LAST_DAY, under(5), warmup=48)
    assert late == WarningReport(stockouts=1, warned=0, warning_days=1, false_alarms=0)
