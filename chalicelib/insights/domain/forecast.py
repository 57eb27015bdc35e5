"""Per-product daily demand forecast, the stock-out date it predicts, its stock-out warning and reorder quantity.

The method is chosen by demand classification (Syntetos-Boylan, on the last 16 weeks), not by backtest: a product
sold on fewer than one day in 1.32 (ADI > 1.32) is intermittent or lumpy and gets TSB; a smooth or erratic one gets
ETS (damped trend or simple smoothing, by AIC). Both see the history divided by a weekday profile and by a holiday
factor learnt from past holidays; ETS also sees one-offs (flash-sale spikes, outage zeros) replaced by the local
level. (Picking by a four-origin backtest on the series itself was tried: on intermittent series it chose seasonal
naive four times in ten, by noise, and forecast worse.) The chosen method and seasonal naive are then backtested on
the series (backtest.py) to report both MASE and the method's MAE, which sizes the safety stock. Under
MIN_MODEL_DAYS of history the forecast is the flat mean; under MIN_BACKTEST_DAYS there is no backtest (mase None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .backtest import HORIZON, METHODS, MIN_TRAIN, Score, backtest, backtest_score, mase
from .forecast_methods import SEASON

# backtest and mase live in backtest.py and are re-exported: the whole public API is importable from here
__all__ = ["Forecast", "backtest", "demand_class", "forecast", "mase", "reorder_quantity", "stockout_date",
           "stockout_warning"]

MIN_MODEL_DAYS = 4 * SEASON  # four of each weekday before a weekday profile means anything
MIN_BACKTEST_DAYS = MIN_TRAIN + HORIZON
CLASS_DAYS = 16 * SEASON  # demand is classified on its recent weeks: a product's pattern drifts
INTERMITTENT_ADI = 1.32  # Syntetos-Boylan cut-off on the average interval between sale days
LUMPY_CV2 = 0.49  # ... and on the squared coefficient of variation of the sizes
SAFETY_Z = 1.65  # one-sided normal quantile: stock for ~95 % of demand outcomes over the covered days
MAE_TO_SIGMA = 1.25  # sigma of normal errors is sqrt(pi/2) ~ 1.25 times their mean absolute error


@dataclass(frozen=True)
class Forecast:
    """Expected units per day from `start` on, with the method that made them and its backtest."""

    start: date
    daily: tuple[float, ...]
    method: str  # "ets", "tsb" or "mean" (short history); METHODS also knows "seasonal_naive", the baseline
    mase: float | None  # backtest MASE of the method (None: history too short to backtest)
    baseline_mase: float | None  # the same backtest of seasonal naive
    mae: float | None = None  # the method's backtest mean absolute error, units per day
    demand_class: str = "smooth"  # Syntetos-Boylan: smooth, erratic, intermittent or lumpy


def demand_class(history: Sequence[int]) -> str:
    """Syntetos-Boylan class of the recent history: ADI splits smooth|erratic from intermittent|lumpy, CV² the rest."""
    recent = history[-CLASS_DAYS:]
    sizes = [v for v in recent if v > 0]
    if not sizes:
        return "intermittent"
    adi = len(recent) / len(sizes)
    mean = sum(sizes) / len(sizes)
    cv2 = sum((s - mean) ** 2 for s in sizes) / len(sizes) / (mean * mean)
    if adi > INTERMITTENT_ADI:
        return "lumpy" if cv2 >= LUMPY_CV2 else "intermittent"
    return "erratic" if cv2 >= LUMPY_CV2 else "smooth"


def forecast(history: Sequence[int], last_day: date, *, horizon: int = HORIZON,
             holidays: frozenset[date] = frozenset()) -> Forecast:
    """Forecast the `horizon` days after last_day (history[-1] sold on last_day); see the module docstring."""
    start = last_day + timedelta(days=1)
    kind = demand_class(history)
    if len(history) < MIN_MODEL_DAYS:
        return Forecast(start, tuple(METHODS["mean"](history, last_day, horizon, holidays)), "mean", None, None,
                        None, kind)
    method = "tsb" if kind in ("intermittent", "lumpy") else "ets"
    score: Score | None = None
    baseline: Score | None = None
    if len(history) >= MIN_BACKTEST_DAYS:
        score = backtest_score(history, last_day, method, holidays=holidays)
        baseline = backtest_score(history, last_day, "seasonal_naive", holidays=holidays)
    daily = tuple(max(0.0, v) for v in METHODS[method](history, last_day, horizon, holidays))
    return Forecast(start, daily, method, score.mase if score else None, baseline.mase if baseline else None,
                    score.mae if score else None, kind)


def stockout_date(fc: Forecast, available: int) -> date | None:
    """The first day whose cumulative expected demand exceeds `available`; None when that is beyond the horizon."""
    total = 0.0
    for day, units in enumerate(fc.daily):
        total += units
        if total > available + 1e-9:  # the sum of floats must not tip over an exact integer by rounding
            return fc.start + timedelta(days=day)
    return None


def reorder_quantity(fc: Forecast, available: int, days: int) -> int:
    """Units to order now so that stock covers `days` days of expected demand plus safety stock (ceil, >= 0).

    The safety stock is SAFETY_Z sigmas of the demand over those days: sigma per day from the backtest's MAE
    (MAE_TO_SIGMA × MAE), growing with sqrt(days) as independent daily errors would; without a backtest, Poisson
    demand is assumed (sigma = sqrt of the expected units)."""
    if not 0 < days <= len(fc.daily):
        raise ValueError(f"days must be within the forecast's horizon of {len(fc.daily)}")
    expected = sum(fc.daily[:days])
    sigma = MAE_TO_SIGMA * fc.mae * math.sqrt(days) if fc.mae is not None else math.sqrt(expected)
    return max(0, math.ceil(expected + SAFETY_Z * sigma - available - 1e-9))


def stockout_warning(fc: Forecast, available: int) -> bool:
    """Whether to warn of a stock-out: the stock does not cover the horizon's expected demand plus its safety stock.

    That is reorder_quantity over the whole horizon being positive, so a warning always comes with a quantity. The
    safety stock is what makes the warning early enough for products that sell a few a week: their stock-outs come
    from bursts that the expected demand alone (stockout_date) does not foresee."""
    return bool(fc.daily) and reorder_quantity(fc, available, len(fc.daily)) > 0
