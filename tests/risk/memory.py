"""In-memory risk rules and counters that keep the DynamoDB stores' exact rules (chalicelib/risk/store)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.kernel.errors import DependencyUnavailable
from chalicelib.risk.domain.rules import RiskRules

KEPT_SECONDS = 86_400  # as the DynamoDB store: an item outlives its window by a day, then its TTL takes it
DEVICE = "d"  # the subject kind whose counter also keeps the e-mails it used


class MemoryRiskRules:
    """One rules record per shop with the version each write is conditioned on; absent reads as the defaults."""

    def __init__(self, rules: Mapping[str, RiskRules] | None = None) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[RiskRules, int]] = {tid: (r, 1) for tid, r in (rules or {}).items()}

    def read(self, tenant_id: str) -> tuple[RiskRules, int]:
        with self._lock:
            return self._kept.get(tenant_id, (RiskRules(), 0))

    def write(self, tenant_id: str, rules: RiskRules, version: int) -> bool:
        with self._lock:
            # the version read must still be the one kept (none at 0), or another change would be overwritten
            if self._kept.get(tenant_id, (None, 0))[1] != version:
                return False
            self._kept[tenant_id] = (rules, version + 1)
            return True


@dataclass
class Window:
    """One subject's counter in one fixed window: checkouts, failed payments and (a device's) e-mail digests."""

    n: int = 0
    f: int = 0
    emails: set[str] = field(default_factory=set)
    ttl: int = 0


class MemoryVelocity:
    """The counters per (shop, kind, subject digest, window start), fixed windows as the caller names them.

    Set `available = False` to make every call fail as a DynamoDB outage does (DependencyUnavailable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.windows: dict[tuple[str, str, str, int], Window] = {}
        self.spent: dict[tuple[str, str, str], int] = {}  # (shop, subject, salt) → the marker's expiry
        self.available = True

    def count(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int, window_seconds: int,
              email: str) -> dict[str, dict[str, int]]:
        """Adds one checkout to each subject's window and answers its counts after it (`n`, `f`, `e`)."""
        self._check()
        ttl = window_start + window_seconds + KEPT_SECONDS
        out: dict[str, dict[str, int]] = {}
        with self._lock:
            for kind, subject in subjects.items():
                w = self._window(tenant_id, kind, subject, window_start, ttl)
                w.n += 1
                if kind == DEVICE:
                    w.emails.add(email)  # a set: an e-mail the device used already is not counted twice
                out[kind] = {"n": w.n, "f": w.f, "e": len(w.emails)}
        return out

    def peek(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int) -> dict[str, dict[str, int]]:
        """The subjects' counts as they are, adding nothing; a window never written is absent."""
        self._check()
        with self._lock:
            found = {kind: self.windows.get((tenant_id, kind, subject, window_start)) for kind, subject in subjects.items()}
            return {kind: {"n": w.n, "f": w.f, "e": len(w.emails)} for kind, w in found.items() if w is not None}

    def failed(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int, window_seconds: int) -> None:
        """Counts a failed payment against each subject's window (a window no checkout opened is opened by it)."""
        self._check()
        ttl = window_start + window_seconds + KEPT_SECONDS
        with self._lock:
            for kind, subject in subjects.items():
                self._window(tenant_id, kind, subject, window_start, ttl).f += 1

    def spend_challenge(self, *, tenant_id: str, subject: str, salt: str, expires_at: int) -> bool:
        """Marks a solved challenge used; False when it was used already."""
        self._check()
        key = (tenant_id, subject, salt)
        with self._lock:
            if key in self.spent:
                return False
            self.spent[key] = expires_at + KEPT_SECONDS
            return True

    def counts(self, tenant_id: str, kind: str, subject: str, window_start: int) -> Window:
        """What one subject's window holds now (an empty window when none was written): for assertions."""
        with self._lock:
            return self.windows.get((tenant_id, kind, subject, window_start), Window())

    def expire(self, now: int) -> int:
        """Drops what DynamoDB's TTL would have taken by `now`; answers how many items went."""
        with self._lock:
            gone = [k for k, w in self.windows.items() if w.ttl < now]
            for k in gone:
                del self.windows[k]
            spent = [k for k, ttl in self.spent.items() if ttl < now]
            for s in spent:
                del self.spent[s]
        return len(gone) + len(spent)

    def _window(self, tenant_id: str, kind: str, subject: str, window_start: int, ttl: int) -> Window:
        w = self.windows.setdefault((tenant_id, kind, subject, window_start), Window())
        w.ttl = ttl
        return w

    def _check(self) -> None:
        if not self.available:
            raise DependencyUnavailable("risk counters unavailable (simulated)")
