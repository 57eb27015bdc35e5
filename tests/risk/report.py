"""The labelled traffic set through the risk engine: detection of each attack kind, false positives of each honest one.

An attack attempt is detected when its decision is not allow (challenge, review or block); an honest attempt is a
false positive when its decision is not allow. The decision is the one the checkout first got: what a party that
solves the challenge does after it (the checkout sent again, counted once more) is the attempt's outcome, reported
beside it. A checkout let through is paid, or its payment fails when the event says so, and the failure is counted
the way the payment provider's webhook counts it.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import hmac
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from chalicelib.risk.domain.assessment import ALLOW, BLOCK, CHALLENGE, REVIEW
from chalicelib.risk.domain.challenge import solves
from chalicelib.risk.domain.rules import RiskRules
from chalicelib.risk.service.engine import Attempt, RiskService, Verdict
from chalicelib.tenancy.domain.models import Tenant
from tests.fakes import FixedClock
from tests.risk.memory import MemoryRiskRules, MemoryVelocity
from tests.risk.traffic import ATTACK_KINDS, FORGED_VARIANTS, KINDS, Event, Traffic

DETECTION_AT_LEAST = 0.95  # of all attack attempts
FALSE_POSITIVES_AT_MOST = 0.005  # of all honest attempts
KIND_DETECTION_AT_LEAST = 0.90  # of each attack kind's attempts
SHOP = Tenant(id="ten_risk_report", slug="risk-report", name="Risk report shop", email="owner@example.com",
              plan="pro", branch_key_id="", fingerprint_key_ciphertext=b"", created_at=0)
SECRET = b"risk report shop secret"
SOLVE_SECONDS = 2  # a browser's time to solve a challenge and send the checkout again
MAX_ROUNDS = 3  # a browser answers a harder challenge the resent checkout gets, up to this many times
PASSED = "passed_challenge"
OUTCOMES = (ALLOW, PASSED, CHALLENGE, REVIEW, BLOCK)


@dataclass
class Tally:
    """The attempts of one kind (or one way of working within it): first decisions, outcomes and the reasons."""

    attempts: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # of the attempts not allowed

    @property
    def flagged(self) -> int:
        return self.attempts - self.decisions[ALLOW]

    @property
    def rate(self) -> float:
        return self.flagged / self.attempts if self.attempts else 0.0

    def add(self, verdict: Verdict) -> None:
        self.attempts += 1
        self.decisions[verdict.decision] += 1
        if verdict.decision != ALLOW:
            self.reasons.update(reason for reason, _ in verdict.assessment.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "flagged": self.flagged, "rate": round(self.rate, 4),
                "by_decision": {d: self.decisions[d] for d in (ALLOW, CHALLENGE, REVIEW, BLOCK)},
                "by_outcome": {o: self.outcomes[o] for o in OUTCOMES}, "reasons": dict(self.reasons.most_common())}


@dataclass(frozen=True)
class Report:
    seed: int
    rules: RiskRules
    kinds: dict[str, Tally]
    variants: dict[str, dict[str, Tally]]  # attack kind → way of working → tally

    def _sum(self, attack: bool) -> tuple[int, int]:
        tallies = [t for k, t in self.kinds.items() if (k in ATTACK_KINDS) == attack]
        return sum(t.flagged for t in tallies), sum(t.attempts for t in tallies)

    @property
    def detection(self) -> float:
        flagged, attempts = self._sum(attack=True)
        return flagged / attempts if attempts else 0.0

    @property
    def false_positives(self) -> float:
        flagged, attempts = self._sum(attack=False)
        return flagged / attempts if attempts else 0.0

    def short_of_goal(self) -> list[str]:
        """What falls past the goal, one line each; empty when it is met."""
        out = []
        if self.detection < DETECTION_AT_LEAST:
            out.append(f"detection {self.detection:.2%} < {DETECTION_AT_LEAST:.0%}")
        if self.false_positives > FALSE_POSITIVES_AT_MOST:
            out.append(f"false positives {self.false_positives:.2%} > {FALSE_POSITIVES_AT_MOST:.1%}")
        for kind in ATTACK_KINDS:
            if kind in self.kinds and self.kinds[kind].rate < KIND_DETECTION_AT_LEAST:
                out.append(f"{kind} detection {self.kinds[kind].rate:.2%} < {KIND_DETECTION_AT_LEAST:.0%}")
        return out

    def table(self) -> str:
        head = (f"{'kind':<22}{'party':<8}{'attempts':>9}{'flagged':>9}{'rate':>9}{'allow':>8}{'challenge':>10}"
                f"{'review':>8}{'block':>7}{'passed':>8}")
        lines = [head, "-" * len(head)]
        for kind, tally in self.kinds.items():
            lines.append(_row(kind, "attack" if kind in ATTACK_KINDS else "legit", tally))
            for variant, sub in self.variants.get(kind, {}).items():
                if len(self.variants[kind]) > 1:
                    lines.append(_row(f"  {variant}", "", sub))
        flagged, attempts = self._sum(attack=True)
        fp, honest = self._sum(attack=False)
        lines += ["-" * len(head),
                  f"detection {self.detection:.2%} ({flagged}/{attempts} attack attempts), "
                  f"false positives {self.false_positives:.2%} ({fp}/{honest} honest attempts)",
                  "passed: challenged, solved, then let through (a browser solves a challenge by itself)"]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        flagged, attempts = self._sum(attack=True)
        fp, honest = self._sum(attack=False)
        rules = {**asdict(self.rules), "points": dict(self.rules.points)}
        return {"seed": self.seed, "rules": {k: v for k, v in rules.items() if not isinstance(v, tuple)},
                "detection": round(self.detection, 4), "attack_attempts": attempts,
                "detected": flagged, "false_positive_rate": round(self.false_positives, 4),
                "honest_attempts": honest, "false_positives": fp,
                "goal": {"detection_at_least": DETECTION_AT_LEAST, "false_positives_at_most": FALSE_POSITIVES_AT_MOST,
                         "each_attack_kind_at_least": KIND_DETECTION_AT_LEAST, "short_of_goal": self.short_of_goal()},
                "kinds": {kind: {"attack": kind in ATTACK_KINDS, **tally.as_dict(),
                                 **({"variants": {v: t.as_dict() for v, t in self.variants[kind].items()}}
                                    if kind in self.variants else {})}
                          for kind, tally in self.kinds.items()}}


def _row(name: str, party: str, t: Tally) -> str:
    d = t.decisions
    return (f"{name:<22}{party:<8}{t.attempts:>9}{t.flagged:>9}{t.rate:>9.2%}{d[ALLOW]:>8}{d[CHALLENGE]:>10}"
            f"{d[REVIEW]:>8}{d[BLOCK]:>7}{t.outcomes[PASSED]:>8}")


def sign(tenant: Tenant, message: str) -> str:
    """The shop's MAC as the engine asks for it (the real one is keyed by the shop's own secret)."""
    return hmac.new(SECRET + tenant.id.encode(), message.encode(), hashlib.sha256).hexdigest()


def solve(token: str, bits: int) -> str:
    """The nonce the domain's `solve` finds (counting up from 0), found about twice as fast: the hash of the
    challenge's prefix is taken once and copied for each nonce. Solving is most of the report's time."""
    prefix = hashlib.sha256(f"{token}:".encode())
    shift = 64 - bits
    for n in itertools.count():
        h = prefix.copy()
        h.update(b"%d" % n)
        d = h.digest()
        if (bits < 8 or d[0] == 0) and int.from_bytes(d[:8], "big") >> shift == 0:
            nonce = str(n)
            assert solves(token, nonce, bits)
            return nonce
    raise AssertionError("unreachable: the count goes on until a nonce solves it")


class Replay:
    """Sends the events to one engine in time order, with the failures and resent checkouts they cause."""

    def __init__(self, traffic: Traffic, rules: RiskRules) -> None:
        self.clock = FixedClock(traffic.start)
        self.velocity = MemoryVelocity()
        self.engine = RiskService(rules=MemoryRiskRules({SHOP.id: rules}), velocity=self.velocity,
                                  clock=self.clock, sign=sign)
        self._issued: dict[str, str] = {}  # a browser's id → the id the shop's page issued it
        self.paid: set[str] = set()  # e-mails (as typed) with a paid order: they have bought before
        self.kinds: dict[str, Tally] = {kind: Tally() for kind in KINDS}
        self.variants: dict[str, dict[str, Tally]] = {}
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()
        for event in traffic.events:
            self._at(event.at, functools.partial(self._checkout, event))

    def run(self) -> None:
        while self._queue:
            at, _, action = heapq.heappop(self._queue)
            self.clock.set(max(at, self.clock.now()))
            action()

    def _at(self, at: int, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (at, next(self._order), action))

    def _checkout(self, event: Event) -> None:
        attempt = Attempt(tenant=SHOP, email=event.email, ip=event.ip, device=self._device(event),
                          quantity=event.quantity, amount=event.amount)
        verdict = self._assess(event, attempt)
        for tally in self._tallies(event):
            tally.add(verdict)
        self._answer(event, attempt, verdict, 1)

    def _answer(self, event: Event, attempt: Attempt, verdict: Verdict, rounds: int) -> None:
        """What the party does with the decision: pays, solves the challenge and sends it again, or gives up."""
        if verdict.decision == CHALLENGE and event.solves and rounds <= MAX_ROUNDS:
            solved = replace(attempt, challenge=verdict.challenge, nonce=solve(verdict.challenge, verdict.bits))
            self._at(self.clock.now() + SOLVE_SECONDS,
                     lambda: self._answer(event, solved, self._assess(event, solved), rounds + 1))
            return
        outcome = PASSED if verdict.assessment.challenge_passed else verdict.decision
        for tally in self._tallies(event):
            tally.outcomes[outcome] += 1
        if outcome not in (ALLOW, PASSED):
            return
        if event.fails_after is None:
            self.paid.add(event.email.lower())
        else:
            self._at(self.clock.now() + event.fails_after,
                     lambda: self.engine.payment_failed(tenant_id=SHOP.id, subjects=verdict.subjects))

    def _device(self, event: Event) -> str:
        """The id as the engine gets it: one the shop's page issued to that browser (the same every visit), or
        the made-up one a script sends."""
        if not event.device or event.variant in FORGED_VARIANTS:
            return event.device
        if event.device not in self._issued:
            self._issued[event.device] = self.engine.issue_device(SHOP, random_part=event.device)
        return self._issued[event.device]

    def _assess(self, event: Event, attempt: Attempt) -> Verdict:
        return self.engine.assess(attempt, bought_before=lambda: event.bought_before or event.email.lower() in self.paid)

    def _tallies(self, event: Event) -> list[Tally]:
        if not event.attack:
            return [self.kinds[event.kind]]
        return [self.kinds[event.kind], self.variants.setdefault(event.kind, {}).setdefault(event.variant, Tally())]


def report(traffic: Traffic, rules: RiskRules | None = None) -> Report:
    """The traffic set through an engine with `rules` (the product's defaults when None) on fresh counters."""
    rules = rules or RiskRules()
    replay = Replay(traffic, rules)
    replay.run()
    return Report(seed=traffic.seed, rules=rules, kinds=replay.kinds, variants=replay.variants)
