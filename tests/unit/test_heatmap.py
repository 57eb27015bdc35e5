"""Peak windows of the weekday × hour map: runs of strong hours, noise left out, strongest first."""

from __future__ import annotations

from chalicelib.insights.domain.heatmap import Peak, peaks


def _grid(cells: dict[tuple[int, int], int], base: int = 0) -> list[list[int]]:
    grid = [[base] * 24 for _ in range(7)]
    for (weekday, hour), value in cells.items():
        grid[weekday][hour] = value
    return grid


def test_adjacent_strong_hours_are_one_window_with_its_mean_lift() -> None:
    # given every hour selling 1, Friday 20 and 21 selling 6 and 4, and Monday 9 selling 3
    grid = _grid({(4, 20): 6, (4, 21): 4, (0, 9): 3}, base=1)
    mean = (168 - 3 + 6 + 4 + 3) / 168  # 1.06
    # when the peaks are found
    found = peaks(grid)
    # then Friday 20–22 is one window (5 a hour, +372 %), then Monday 9–10 (+183 %)
    assert found == [Peak(4, 20, 22, 10, round((5 / mean - 1) * 100)), Peak(0, 9, 10, 3, round((3 / mean - 1) * 100))]
    assert [p.lift for p in found] == [372, 183]
    assert found[0].words() == "Friday 20–22 h: +372 % over the weekly mean"


def test_a_window_with_too_few_orders_is_noise_and_an_empty_map_has_no_peaks() -> None:
    assert peaks(_grid({(2, 3): 2})) == []  # 2 orders in the whole week: no peak however high its lift
    assert peaks(_grid({})) == []
    many = _grid({(d, 12): 5 for d in range(7)})
    assert [(p.weekday, p.start) for p in peaks(many)] == [(0, 12), (1, 12), (2, 12)]  # ties: by time, top 3
