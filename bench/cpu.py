"""CPU seconds spent by each part of a stack (a process group each), read from /proc, for a per-process split."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in the group, with the children it has reaped."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # the command name (field 2) may hold spaces: split after its closing parenthesis
        fields = raw[raw.rindex(")") + 2:].split()
        if int(fields[2]) != pgid:  # field 5: process group
            continue
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICKS


class CpuSplit:
    """CPU seconds per named process group between start() and take(), and this process's own."""

    def __init__(self, groups: Mapping[str, int]) -> None:
        self.groups = dict(groups)
        self.before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {name: group_cpu_seconds(pgid) for name, pgid in self.groups.items()}
        times = os.times()
        now["bench client"] = times.user + times.system
        return now

    def start(self) -> None:
        self.before = self._now()

    def take(self, per: int = 1) -> dict[str, float]:
        """CPU milliseconds spent since start(), divided by `per` (for example per order)."""
        after = self._now()
        return {name: round((after[name] - self.before.get(name, 0.0)) * 1000 / max(per, 1), 2)
                for name in after}
