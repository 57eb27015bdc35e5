"""The base of every capability's builder: parts made lazily, once, and replaceable by name (tests)."""

from __future__ import annotations

from functools import cached_property
from typing import Any


class Parts:
    """A capability's stores and services as `cached_property`s: built on first use, once per container.

    `provide(name, value)` installs a part before it is built (tests pass fakes and fault proxies this way);
    `names()` lists what a builder makes, so a container can route an override to the one builder that has it.
    `c` is the container: other capabilities' parts are read through it when a part is first built.
    """

    def __init__(self, c: Any) -> None:
        self.c = c

    @classmethod
    def names(cls) -> set[str]:
        return {name for klass in cls.__mro__ for name, member in vars(klass).items()
                if isinstance(member, cached_property)}

    def provide(self, name: str, value: object) -> None:
        if name not in self.names():
            raise AttributeError(f"{type(self).__name__} builds no part named {name!r}")
        setattr(self, name, value)  # a cached_property reads the instance dict first
