"""Rolling-origin backtest of a daily demand model, scored by MASE, and a replay of stock-out warnings.

The backtest, exactly: a history of n days (oldest first, history[-1] sold on last_day), a horizon h (14), a step s
(7) and a number of origins k (4). The origins are t = n - h - j*s for j = 0 .. k-1, keeping those with at least
MIN_TRAIN (28) days before them; with none left the history is too short and ValueError is raised. At origin t the
model is given history[:t], whose last day is last_day - (n - t) days, and asked for h days; the forecast is scored
against history[t:t+h] by mase(actual, forecast, history[:t], 7). The backtest's MASE is the mean of the origins'
MASE and its MAE the mean absolute error over all forecast days (units per day). The last origin's window ends on
last_day, so the most recent weeks count, and every window lies wholly after the data its model saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .forecast_methods import SEASON, Model, ets, flat_mean, seasonal_naive, tsb

HORIZON = 14
STEP = 7
ORIGINS = 4
MIN_TRAIN = 28
METHODS: dict[str, Model] = {"seasonal_naive": seasonal_naive, "ets": ets, "tsb": tsb, "mean": flat_mean}

Warns = Callable[[Sequence[int], date, int], bool]  # (sales up to a day, that day, stock at its close) -> warn?


@dataclass(frozen=True)
class Score:
    """A backtest's mean MASE over its origins and its mean absolute error in units per day."""

    mase: float
    mae: float


def mase(actual: Sequence[float], predicted: Sequence[float], insample: Sequence[float], season: int = SEASON) -> float:
    """Mean absolute error over the in-sample MAE of the seasonal naive forecast.

    When that scale is 0 (or there is less than a season plus a day), the lag-1 naive MAE is the scale; when that is 0
    too, the mean absolute actual; when everything is 0, 1 (the MASE is then the MAE itself)."""
    if len(actual) != len(predicted) or not actual:
        raise ValueError("actual and predicted must be non-empty and of the same length")
    error = sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual)
    return error / mase_scale(actual, insample, season)


def mase_scale(actual: Sequence[float], insample: Sequence[float], season: int) -> float:
    for lag in (season, 1):
        if len(insample) > lag:
            scale = sum(abs(insample[i] - insample[i - lag]) for i in range(lag, len(insample))) / (len(insample) - lag)
            if scale > 0:
                return scale
    scale = sum(abs(a) for a in actual) / len(actual)
    return scale if scale > 0 else 1.0


def backtest_origins(length: int, *, horizon: int = HORIZON, origins: int = ORIGINS, step: int = STEP) -> list[int]:
    """The backtest's origins (the number of history days each model sees), oldest first."""
    return [t for t in (length - horizon - j * step for j in reversed(range(origins))) if t >= MIN_TRAIN]


def backtest_score(history: Sequence[int], last_day: date, model: str | Model, *, horizon: int = HORIZON,
                   origins: int = ORIGINS, step: int = STEP, holidays: frozenset[date] = frozenset()) -> Score:
    """The rolling-origin backtest of `model` (a name in METHODS or a callable) as the module docstring defines it."""
    run = METHODS[model] if isinstance(model, str) else model
    cuts = backtest_origins(len(history), horizon=horizon, origins=origins, step=step)
    if not cuts:
        raise ValueError(f"{len(history)} days are too few for a backtest (need {MIN_TRAIN + horizon})")
    scores, errors = [], 0.0
    for t in cuts:
        seen, actual = history[:t], history[t:t + horizon]
        predicted = list(run(seen, last_day - timedelta(days=len(history) - t), horizon, holidays))
        scores.append(mase(actual, predicted, seen))
        errors += sum(abs(a - p) for a, p in zip(actual, predicted, strict=True))
    return Score(sum(scores) / len(scores), errors / (len(cuts) * horizon))


def backtest(history: Sequence[int], last_day: date, model: str | Model, *, horizon: int = HORIZON,
             origins: int = ORIGINS, step: int = STEP, holidays: frozenset[date] = frozenset()) -> float:
    """The backtest's MASE (mean over origins) of `model` on this history."""
    return backtest_score(history, last_day, model, horizon=horizon, origins=origins, step=step,
                          holidays=holidays).mase


@dataclass(frozen=True)
class WarningReport:
    """How a warning rule would have done over a stock history.

    A stock-out is a day the stock fell to 0; it is warned `lead` days ahead when the rule warned at the close of the
    day `lead` days before it. A warning day is a day with stock on which the rule warned; it is a false alarm when
    the true demand of the next `horizon` days would not have emptied that day's stock, even with no restock."""

    stockouts: int
    warned: int
    warning_days: int
    false_alarms: int

    @property
    def warned_rate(self) -> float:
        return self.warned / self.stockouts if self.stockouts else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.warning_days if self.warning_days else 0.0


def replay_warnings(sales: Sequence[int], available: Sequence[int], demand: Sequence[int], last_day: date,
                    warns: Warns, *, lead: int = 7, horizon: int = HORIZON, warmup: int = 8 * SEASON) -> WarningReport:
    """Ask `warns` at each day's close from `warmup` on (sales and stock as known then), judge it by the true demand.

    Stock-outs count from warmup + lead on, so each has its warning day replayed; warning days count while the next
    `horizon` days of demand are known."""
    n = len(sales)
    first_day = last_day - timedelta(days=n - 1)
    warned_on = {d for d in range(warmup, n)
                 if available[d] > 0 and warns(sales[:d + 1], first_day + timedelta(days=d), available[d])}
    outs = [s for s in range(warmup + lead, n) if available[s] == 0 and available[s - 1] > 0]
    judged = [d for d in warned_on if d + horizon < n]
    false = sum(1 for d in judged if sum(demand[d + 1:d + horizon + 1]) < available[d])
    return WarningReport(len(outs), sum(1 for s in outs if s - lead in warned_on), len(judged), false)
