"""Device ids the shop issues: `d1.<random>.<issued at>.<mac>`, made when a checkout page is served and kept by the
page's script in the browser's storage, so the same browser sends the same id on every visit.

The MAC (the shop's own key) is what makes a device id worth counting: a script that makes up a new id for every
checkout to look like a crowd sends ids no page issued, and the rules treat them as no id at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "d1"
_SHAPE = re.compile(r"^d1\.([A-Za-z0-9_-]{16,32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16,43})$")
MAC_CHARS = 22


@dataclass(frozen=True)
class DeviceId:
    body: str  # what the MAC covers: "d1.<random>.<issued at>"
    mac: str
    issued_at: int


def body_of(random_part: str, issued_at: int) -> str:
    return f"{VERSION}.{random_part}.{issued_at}"


def parse(value: str) -> DeviceId | None:
    """The parts of a device id, or None when it is not one the shop could have issued (its MAC is the caller's)."""
    found = _SHAPE.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    return DeviceId(body_of(found.group(1), int(found.group(2))), found.group(3), int(found.group(2)))
