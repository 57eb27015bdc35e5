"""Daily demand models over a weekday profile and a holiday factor: seasonal naive, damped-trend ETS and TSB."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

SEASON = 7
PROFILE_WEEKS = 12  # the weekday profile is read from this many recent weeks: long enough to be steady, short to adapt
FIT_DAYS = 112  # the ETS level and trend are fitted on the last 16 weeks; older days barely move a smoothed level
PROFILE_PRIOR = 5.0  # units of pseudo-demand pulling each weekday factor towards 1 (sparse weekdays are mostly noise)
HOLIDAY_PRIOR = 2.0  # the same pull for the holiday factor, which rests on few days
LOCAL_DAYS = 7  # a day's local level is the median over this many days either side
SPIKE_SIGMAS = 5.0  # above expected + 5 Poisson sigmas (+3 units) a day is a one-off (flash sale, bulk buyer)
OUTAGE_ZERO_LEVEL = 4.6  # a zero where Poisson(expected) gives zero under 1 % (e^-4.6) is an outage, not demand
SES_ALPHAS = (0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3, 0.45)
TREND_ALPHAS = (0.04, 0.1, 0.2, 0.3)
TREND_BETAS = (0.01, 0.03, 0.1)
TREND_PHIS = (0.9, 0.98)
TSB_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3)

Model = Callable[[Sequence[int], date, int, frozenset[date]], list[float]]


@dataclass(frozen=True)
class Calendar:
    """Where each history day and forecast day falls: its weekday and whether it is a holiday."""

    first_weekday: int
    holiday_days: frozenset[int]  # positions counted from the history's first day, forecast days included

    @staticmethod
    def of(length: int, last_day: date, horizon: int, holidays: frozenset[date]) -> Calendar:
        """The calendar of `length` history days ending on last_day and the `horizon` days after."""
        first = last_day - timedelta(days=length - 1)
        end = last_day + timedelta(days=horizon)
        return Calendar(first.weekday(), frozenset((h - first).days for h in holidays if first <= h <= end))

    def weekday(self, position: int) -> int:
        """date.weekday() of the day at this position."""
        return (self.first_weekday + position) % SEASON


@dataclass(frozen=True)
class Shape:
    """The multiplicative calendar effects: one factor per weekday (mean 1) and one for holidays."""

    weekday: tuple[float, ...]
    holiday: float

    def factor(self, calendar: Calendar, position: int) -> float:
        """The expected units of the day at this position over the level."""
        lift = self.holiday if position in calendar.holiday_days else 1.0
        return self.weekday[calendar.weekday(position)] * lift


def seasonal_naive(history: Sequence[int], last_day: date, horizon: int,
                   holidays: frozenset[date] = frozenset()) -> list[float]:
    """Each day repeats the same weekday of the last week (the mean for less than a week of history)."""
    if len(history) < SEASON:
        return flat_mean(history, last_day, horizon)
    last_week = history[-SEASON:]
    return [float(last_week[i % SEASON]) for i in range(horizon)]


def flat_mean(history: Sequence[int], last_day: date, horizon: int,
              holidays: frozenset[date] = frozenset()) -> list[float]:
    """The mean daily units of the history, every day (zero for no history)."""
    level = sum(history) / len(history) if history else 0.0
    return [level] * horizon


def ets(history: Sequence[int], last_day: date, horizon: int, holidays: frozenset[date] = frozenset()) -> list[float]:
    """Holt's damped trend or simple smoothing (by AIC) on the history cleared of weekday, holiday and one-offs."""
    calendar = Calendar.of(len(history), last_day, horizon, holidays)
    start = max(0, len(history) - FIT_DAYS)
    shape, adjusted = deseasonalised(history, calendar, start, robust=True)
    path = smoothed_path(adjusted, horizon)
    n = len(history)
    return [max(0.0, path[j] * shape.factor(calendar, n + j)) for j in range(horizon)]


def tsb(history: Sequence[int], last_day: date, horizon: int, holidays: frozenset[date] = frozenset()) -> list[float]:
    """Teunter-Syntetos-Babai: smoothed chance of a sale day times smoothed size, spread by weekday and holiday."""
    calendar = Calendar.of(len(history), last_day, horizon, holidays)
    shape, adjusted = deseasonalised(history, calendar, 0, robust=False)
    level = tsb_level(adjusted)
    n = len(history)
    return [level * shape.factor(calendar, n + j) for j in range(horizon)]


def deseasonalised(history: Sequence[int], calendar: Calendar, start: int, *,
                   robust: bool) -> tuple[Shape, list[float]]:
    """The calendar shape and history[start:] divided by it; robust=True also replaces one-offs by the local level."""
    first_guess = weekday_profile(history, calendar, set(), trim=True)
    locals_ = local_levels(history, calendar, first_guess, start) if robust else {}
    odd = unusual_days(history, calendar, first_guess, locals_)
    profile = weekday_profile(history, calendar, odd, trim=False)
    holiday = holiday_factor(history, calendar, profile, odd)
    shape = Shape(profile, holiday)
    adjusted = [locals_[i] * first_guess[calendar.weekday(i)] / profile[calendar.weekday(i)] if i in odd
                else history[i] / shape.factor(calendar, i) for i in range(start, len(history))]
    return shape, adjusted


def weekday_profile(history: Sequence[int], calendar: Calendar, skip: set[int], *, trim: bool) -> tuple[float, ...]:
    """Weekday factors from the recent weeks, holidays and `skip` left out, shrunk towards 1 (mean 1).

    trim=True drops each weekday's largest day first, so a single spike cannot bend the first guess."""
    start = max(0, len(history) - PROFILE_WEEKS * SEASON)
    days: list[list[int]] = [[] for _ in range(SEASON)]
    for i in range(start, len(history)):
        if i not in calendar.holiday_days and i not in skip:
            days[calendar.weekday(i)].append(history[i])
    if trim:
        days = [sorted(d)[:-1] if len(d) > 1 else d for d in days]
    counted = sum(len(d) for d in days)
    rate = sum(sum(d) for d in days) / counted if counted else 0.0
    if rate <= 0:
        return (1.0,) * SEASON
    raw = [(sum(d) + PROFILE_PRIOR) / (len(d) * rate + PROFILE_PRIOR) for d in days]
    mean = sum(raw) / SEASON
    return tuple(r / mean for r in raw)


def local_levels(history: Sequence[int], calendar: Calendar, profile: Sequence[float], start: int) -> dict[int, float]:
    """Each day's deseasonalised median over the days around it (holidays left out): a level spikes cannot move."""
    plain = [None if i in calendar.holiday_days else history[i] / profile[calendar.weekday(i)]
             for i in range(len(history))]
    wanted = set(range(start, len(history))) | {h for h in calendar.holiday_days if h < len(history)}
    levels: dict[int, float] = {}
    for i in wanted:
        window = [v for v in plain[max(0, i - LOCAL_DAYS):i + LOCAL_DAYS + 1] if v is not None]
        levels[i] = statistics.median(window) if window else 0.0
    return levels


def unusual_days(history: Sequence[int], calendar: Calendar, profile: Sequence[float],
                 levels: dict[int, float]) -> set[int]:
    """Non-holiday days far outside Poisson noise around their local level: spikes, and zeros that are outages."""
    odd: set[int] = set()
    for i, level in levels.items():
        if i in calendar.holiday_days:
            continue
        expected = level * profile[calendar.weekday(i)]
        spike = history[i] > expected + SPIKE_SIGMAS * math.sqrt(expected) + 3
        if spike or (history[i] == 0 and expected > OUTAGE_ZERO_LEVEL):
            odd.add(i)
    return odd


def holiday_factor(history: Sequence[int], calendar: Calendar, profile: Sequence[float], skip: set[int]) -> float:
    """Units on past holidays over what their weekday and the level of their fortnight would give, shrunk to 1."""
    sold = expected = 0.0
    for h in calendar.holiday_days:
        if h >= len(history):
            continue
        around = [history[i] / profile[calendar.weekday(i)] for i in range(max(0, h - LOCAL_DAYS),
                  min(len(history), h + LOCAL_DAYS + 1)) if i not in calendar.holiday_days and i not in skip]
        if around:
            sold += history[h]
            expected += sum(around) / len(around) * profile[calendar.weekday(h)]
    return (sold + HOLIDAY_PRIOR) / (expected + HOLIDAY_PRIOR)


def smoothed_path(values: Sequence[float], horizon: int) -> list[float]:
    """The forecast path of the better (AIC) of simple smoothing and damped Holt, each with its best grid parameters."""
    if not values:
        return [0.0] * horizon
    n = len(values)
    level0 = sum(values[:SEASON]) / len(values[:SEASON])  # the first week: one day alone is too noisy a start
    # ties in squared error go to the smaller constants (tuples compare in order): the steadier forecast
    ses_error, ses_alpha = min((ses_sse(values, a, level0), a) for a in SES_ALPHAS)
    level, trend, phi = ses_state(values, ses_alpha, level0), 0.0, 1.0
    if n >= 4 * SEASON:  # a trend needs a month to tell from noise
        holt_error, alpha, beta, holt_phi = min((holt_sse_of(values, a, b, p, level0), a, b, p)
                                                for a in TREND_ALPHAS for b in TREND_BETAS for p in TREND_PHIS)
        # AIC as AutoETS uses it: the trend's two more parameters (beta, phi) must pay for themselves
        if aic(holt_error, n, 4) < aic(ses_error, n, 2):
            level, trend = holt_state(values, alpha, beta, holt_phi, level0)
            phi = holt_phi
    path, damped = [], 0.0
    for j in range(horizon):
        damped += phi ** (j + 1)  # a damped trend adds phi + phi² + ... + phi^h of itself by day h
        path.append(level + trend * damped)
    return path


def aic(sse: float, n: int, parameters: int) -> float:
    """Akaike's criterion of a Gaussian one-step error model (the floor keeps a perfect fit finite)."""
    return n * math.log(sse / n + 1e-12) + 2 * parameters


def ses_sse(values: Sequence[float], alpha: float, level: float) -> float:
    """One-step-ahead squared errors of simple exponential smoothing."""
    sse = 0.0
    for v in values:
        error = v - level
        sse += error * error
        level += alpha * error
    return sse


def ses_state(values: Sequence[float], alpha: float, level: float) -> float:
    """The level after simple exponential smoothing of the values."""
    for v in values:
        level += alpha * (v - level)
    return level


def holt_sse_of(values: Sequence[float], alpha: float, beta: float, phi: float, level: float) -> float:
    """One-step-ahead squared errors of Holt's damped trend (error-correction form)."""
    sse, trend = 0.0, 0.0
    for v in values:
        guess = level + phi * trend
        error = v - guess
        sse += error * error
        level = guess + alpha * error
        trend = phi * trend + alpha * beta * error
    return sse


def holt_state(values: Sequence[float], alpha: float, beta: float, phi: float, level: float) -> tuple[float, float]:
    """The (level, trend) after Holt's damped trend over the values, as holt_sse_of runs it."""
    trend = 0.0
    for v in values:
        guess = level + phi * trend
        error = v - guess
        level = guess + alpha * error
        trend = phi * trend + alpha * beta * error
    return level, trend


def tsb_level(values: Sequence[float]) -> float:
    """TSB's expected demand per day (chance of a sale day × size), smoothing constants by one-step squared error."""
    if not any(values):
        return 0.0
    head = values[:4 * SEASON]
    sizes = [v for v in head if v > 0] or [v for v in values if v > 0]
    chance0, size0 = sum(1 for v in head if v > 0) / len(head), sum(sizes) / len(sizes)
    best = min((tsb_run(values, a, b, chance0, size0), a, b) for a in TSB_ALPHAS for b in TSB_ALPHAS)
    return best[0][1]


def tsb_run(values: Sequence[float], alpha_size: float, alpha_chance: float, chance: float,
            size: float) -> tuple[float, float]:
    """(one-step squared error, final chance × size) of TSB with these smoothing constants."""
    sse = 0.0
    for v in values:
        error = v - chance * size
        sse += error * error
        if v > 0:
            chance += alpha_chance * (1 - chance)
            size += alpha_size * (v - size)
        else:
            chance -= alpha_chance * chance
    return sse, chance * size
