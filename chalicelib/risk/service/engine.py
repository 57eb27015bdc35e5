"""The checkout's risk assessment: the shop's rules, the counters of the buyer's device, e-mail and address, the
score, and — for a challenged checkout — the proof of work the buyer sent back."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from chalicelib.kernel.errors import DependencyUnavailable
from chalicelib.kernel.ports import Clock
from chalicelib.kernel.recent import Recent
from chalicelib.risk.domain import challenge as pow_
from chalicelib.risk.domain import devices
from chalicelib.risk.domain.assessment import (
    CHALLENGE,
    REVIEW,
    Assessment,
    Counts,
    Signals,
    asks_history,
    assess,
    passed,
)
from chalicelib.risk.domain.emails import canonical, disposable
from chalicelib.risk.domain.rules import RiskRules
from chalicelib.tenancy.domain.models import Tenant

log = logging.getLogger(__name__)
DEVICE, EMAIL, IP_DEVICE = "d", "e", "id"
FAILING = (DEVICE, EMAIL, IP_DEVICE)  # what a failed payment counts against: the counters the checkout had


class RulesStore(Protocol):
    def read(self, tenant_id: str) -> tuple[RiskRules, int]: ...
    def write(self, tenant_id: str, rules: RiskRules, version: int) -> bool: ...


class Velocity(Protocol):
    def count(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int, window_seconds: int,
              email: str) -> dict[str, dict[str, int]]: ...  # email: the e-mail's digest
    def failed(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int,
               window_seconds: int) -> None: ...
    def peek(self, *, tenant_id: str, subjects: Mapping[str, str], window_start: int) -> dict[str, dict[str, int]]: ...
    def spend_challenge(self, *, tenant_id: str, subject: str, salt: str, expires_at: int) -> bool: ...


@dataclass(frozen=True)
class Attempt:
    """What the checkout knows of the buyer: the e-mail as typed, the client's address, the device id the
    page's script sent ("" none), the CDN's country and network headers, the order's size, and the challenge
    the buyer solved ("" none)."""

    tenant: Tenant
    email: str
    ip: str
    device: str
    quantity: int
    amount: int
    country: str = ""
    network: str = ""
    challenge: str = ""
    nonce: str = ""


@dataclass(frozen=True)
class Verdict:
    assessment: Assessment
    subjects: dict[str, str] = field(default_factory=dict)  # kind → digest, for failed payments later
    challenge: str = ""  # when challenged: the challenge to solve
    bits: int = 0
    review_seconds: int = 0  # when held for review: how long the order waits for the merchant

    @property
    def decision(self) -> str:
        return self.assessment.decision


class RiskService:
    def __init__(self, *, rules: RulesStore, velocity: Velocity, clock: Clock, sign: Callable[[Tenant, str], str],
                 recent_seconds: float = 0) -> None:
        self._rules = rules
        self._velocity = velocity
        self._clock = clock
        self._sign = sign  # (shop, message) → MAC under the shop's own secret key
        self._recent: Recent[RiskRules] = Recent(recent_seconds)

    def rules(self, tenant_id: str) -> RiskRules:
        """The shop's rules as checkout uses them: a change reaches every server within `recent_seconds`."""
        return self._recent.get(tenant_id, lambda: self._rules.read(tenant_id)[0])

    def forget(self, tenant_id: str) -> None:
        self._recent.forget(tenant_id)

    def issue_device(self, tenant: Tenant, *, random_part: str | None = None) -> str:
        """A new device id for a browser that has none (the checkout page's script keeps it)."""
        body = devices.body_of(random_part or secrets.token_urlsafe(16), self._clock.now())
        return f"{body}.{self._device_mac(tenant, body)}"

    def assess(self, attempt: Attempt, *, bought_before: Callable[[], bool]) -> Verdict:
        """Counts the checkout and decides. `bought_before` is asked only for an order above the new-buyer
        limits. A checkout sent again with its challenge solved is not counted twice: the counters are read as
        they are, and it passes unless they have risen past the challenge since. A counter outage lets the
        checkout through on what is known without counts (logged): a risk store that is down must not stop every
        sale."""
        tenant = attempt.tenant
        rules = self.rules(tenant.id)
        device = self._device(tenant, attempt.device)  # an id no page of this shop issued counts as none
        attempt = replace(attempt, device=device)
        if not rules.enabled:
            return Verdict(assess(rules, _signals(attempt, "", Counts(), None)))
        email = canonical(attempt.email)

        def digest(kind: str, value: str) -> str:
            # keyed by the shop's secret: a digest of an address cannot be reversed by trying every address
            return self._sign(tenant, f"risk subject\n{kind}\n{value}")[:24]

        # two counters a checkout: its e-mail, and its device — or, without one, its address (a script's count;
        # honest buyers always send a device, so many of them behind one address never share this counter)
        subjects = {EMAIL: digest(EMAIL, email)}
        if device:
            subjects[DEVICE] = digest(DEVICE, device)
        else:
            subjects[IP_DEVICE] = digest(IP_DEVICE, f"{attempt.ip}|")
        window = rules.window_minutes * 60
        now = self._clock.now()
        subject = pow_.subject_of(tenant.id, email, device)
        solved = bool(attempt.challenge) and self._solved(attempt, subject, now)
        try:
            if solved:
                seen = self._velocity.peek(tenant_id=tenant.id, subjects=subjects, window_start=now - now % window)
            else:
                seen = self._velocity.count(tenant_id=tenant.id, subjects=subjects, window_start=now - now % window,
                                            window_seconds=window, email=subjects[EMAIL])
        except DependencyUnavailable:
            log.warning("risk counters unavailable; checkout assessed without them")
            seen = {}
        counts = Counts(
            device=seen.get(DEVICE, {}).get("n", 0), email=seen.get(EMAIL, {}).get("n", 0),
            ip_device=seen.get(IP_DEVICE, {}).get("n", 0),
            emails_on_device=seen.get(DEVICE, {}).get("e", 0),
            failed=max((seen.get(k, {}).get("f", 0) for k in FAILING), default=0))
        new_buyer = (not bought_before()) if asks_history(rules, attempt.quantity, attempt.amount) else None
        result = assess(rules, _signals(attempt, email, counts, new_buyer))
        if result.decision == REVIEW:
            return Verdict(result, subjects, review_seconds=rules.review_hours * 3600)
        if result.decision != CHALLENGE:
            return Verdict(result, subjects)
        if solved:
            return Verdict(passed(result), subjects)
        bits = pow_.bits_for(rules, result.score)
        body = pow_.body_of(expires_at=now + pow_.LIFETIME_SECONDS, bits=bits, subject=subject,
                            salt=secrets.token_urlsafe(9).replace("-", "x").replace("_", "y"))
        return Verdict(result, subjects, challenge=f"{body}.{self._mac(tenant, body)}", bits=bits)

    def payment_failed(self, *, tenant_id: str, subjects: Mapping[str, str]) -> None:
        """A payment of an order these subjects placed failed: it counts against them (card testing)."""
        rules = self.rules(tenant_id)
        window = rules.window_minutes * 60
        now = self._clock.now()
        wanted = {k: v for k, v in subjects.items() if k in FAILING}
        if wanted:
            self._velocity.failed(tenant_id=tenant_id, subjects=wanted, window_start=now - now % window,
                                  window_seconds=window)

    def _mac(self, tenant: Tenant, body: str) -> str:
        return self._sign(tenant, f"risk challenge\n{body}")[:32]

    def _device(self, tenant: Tenant, value: str) -> str:
        found = devices.parse(value) if value else None
        if found is None:
            return ""
        return value if hmac.compare_digest(found.mac, self._device_mac(tenant, found.body)) else ""

    def _device_mac(self, tenant: Tenant, body: str) -> str:
        return self._sign(tenant, "risk device\n" + body)[:devices.MAC_CHARS]

    def _solved(self, attempt: Attempt, subject: str, now: int) -> bool:
        """The challenge is the shop's own (its MAC, which also fixes its difficulty), for this buyer and device,
        not expired, solved, and not spent on an earlier checkout."""
        found = pow_.parse(attempt.challenge)
        if found is None or found.subject != subject or found.expires_at < now or found.bits < pow_.MIN_BITS:
            return False
        if not hmac.compare_digest(found.mac, self._mac(attempt.tenant, found.body)):
            return False
        if not pow_.solves(found.token, attempt.nonce, found.bits):
            return False
        return self._velocity.spend_challenge(tenant_id=attempt.tenant.id, subject=subject,
                                              salt=found.body.rsplit(".", 1)[-1], expires_at=found.expires_at)


def _signals(attempt: Attempt, email: str, counts: Counts, new_buyer: bool | None) -> Signals:
    return Signals(email=email or canonical(attempt.email), ip=attempt.ip, device=attempt.device,
                   quantity=attempt.quantity, amount=attempt.amount, country=attempt.country.upper(),
                   network=_network(attempt.network), disposable=disposable(attempt.email),
                   new_buyer=new_buyer, counts=counts)


def _network(raw: str) -> str:
    raw = raw.strip().upper()
    if not raw:
        return ""
    return raw if raw.startswith("AS") else "AS" + raw
