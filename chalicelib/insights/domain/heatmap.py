"""The weekday × hour sales map of the shop's own time zone, and its peak windows put in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .rollups import DayTotals

MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 1, 13, 4
PEAK_RATIO = 1.5  # an hour is in a peak when it sells at least this many times the weekly mean hour
MIN_PEAK_ORDERS = 3  # a window with fewer orders than this is noise, not a peak
TOP_PEAKS = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Peak:
    """Hours `start` to `end` (exclusive) of one weekday, selling `lift` percent above the weekly mean hour."""

    weekday: int  # 0 = Monday
    start: int
    end: int
    orders: int
    lift: int  # percent over the mean hour of the week

    def words(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start}–{self.end} h: +{self.lift} % over the weekly mean"


@dataclass(frozen=True)
class Heatmap:
    first: date  # the first and last day counted (shop days)
    last: date
    weeks: int
    grid: list[list[int]]  # [weekday 0=Mon][hour] orders
    peaks: list[Peak]

    @property
    def orders(self) -> int:
        return sum(map(sum, self.grid))


def window(today: date, weeks: int) -> tuple[date, date]:
    """The whole weeks ending today: each weekday counted `weeks` times."""
    return today - timedelta(days=weeks * 7 - 1), today


def grid_of(days: Sequence[DayTotals], first: date, last: date) -> list[list[int]]:
    grid = [[0] * 24 for _ in range(7)]
    for day in days:
        if day.product_id is None and first <= day.day <= last:
            for hour, count in enumerate(day.hours):
                grid[day.day.weekday()][hour] += count
    return grid


def peaks(grid: list[list[int]], top: int = TOP_PEAKS) -> list[Peak]:
    """Runs of hours on one weekday each selling ≥ PEAK_RATIO × the mean hour of the week, with at least
    MIN_PEAK_ORDERS orders between them; the strongest first (by lift, then orders, then time)."""
    mean = sum(map(sum, grid)) / (7 * 24)
    if mean <= 0:
        return []
    found: list[Peak] = []
    for weekday, hours in enumerate(grid):
        hour = 0
        while hour < 24:
            if hours[hour] < PEAK_RATIO * mean:
                hour += 1
                continue
            start = hour
            while hour < 24 and hours[hour] >= PEAK_RATIO * mean:
                hour += 1
            orders = sum(hours[start:hour])
            if orders >= MIN_PEAK_ORDERS:
                lift = round((orders / (hour - start) / mean - 1) * 100)
                found.append(Peak(weekday, start, hour, orders, lift))
    found.sort(key=lambda p: (-p.lift, -p.orders, p.weekday, p.start))
    return found[:top]


def heatmap(days: Sequence[DayTotals], today: date, weeks: int) -> Heatmap:
    first, last = window(today, weeks)
    grid = grid_of(days, first, last)
    return Heatmap(first, last, weeks, grid, peaks(grid))
