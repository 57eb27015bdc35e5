"""The risk decision at checkout: each rule a checkout trips adds its points with its reason; the score decides
allow, challenge (a proof of work the buyer's browser solves), review (held before payment) or block.

The score reads only what it is given (the shop's rules and the checkout's signals, the counters included), so the
same checkout always gets the same decision; the counters are the store's.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from .rules import (
    BLOCKLISTED,
    COUNTRY,
    DEVICE_EMAILS,
    DEVICE_VELOCITY,
    DISPOSABLE_EMAIL,
    EMAIL_VELOCITY,
    FAILED_PAYMENTS,
    IP_DEVICE_VELOCITY,
    NETWORK,
    NEW_BUYER_LARGE,
    NO_DEVICE,
    RiskRules,
)

ALLOW, CHALLENGE, REVIEW, BLOCK = "allow", "challenge", "review", "block"
DECISIONS = (ALLOW, CHALLENGE, REVIEW, BLOCK)
ALLOWLISTED = "allowlisted"  # the reason an allowed buyer's checkout carries instead of a score


@dataclass(frozen=True)
class Counts:
    """What the counters of the rules' window say, this checkout included."""

    device: int = 0  # checkouts from the device
    email: int = 0  # checkouts with the e-mail (as canonical)
    ip_device: int = 0  # checkouts from the address without a device id
    emails_on_device: int = 0  # distinct e-mails the device used
    failed: int = 0  # failed payments of the device, the e-mail or the address-and-device, the most of them


@dataclass(frozen=True)
class Signals:
    email: str  # canonical (emails.canonical)
    ip: str
    device: str  # "" when the checkout sent none (a script, or an integrator's server)
    quantity: int
    amount: int
    country: str = ""  # from the CDN's header, "" when absent
    network: str = ""  # "AS4134", "" when absent
    disposable: bool = False
    new_buyer: bool | None = None  # None: not asked (the order is below the new-buyer limits)
    counts: Counts = Counts()


@dataclass(frozen=True)
class Assessment:
    score: int
    decision: str
    reasons: tuple[tuple[str, int], ...]  # (reason, points) in the order the rules ran
    challenge_passed: bool = False

    @property
    def stopped(self) -> bool:
        return self.decision != ALLOW


def asks_history(rules: RiskRules, quantity: int, amount: int) -> bool:
    """Whether the new-buyer rule needs to know if the e-mail bought before: only for an order above its limits."""
    return quantity > rules.new_buyer_max_units or 0 < rules.new_buyer_max_amount < amount


def assess(rules: RiskRules, s: Signals) -> Assessment:
    """The score of `s` under `rules` and the decision it makes (allow when the rules are off or it is allowed)."""
    if not rules.enabled:
        return Assessment(0, ALLOW, ())
    if _listed(rules, s, "allowed"):
        return Assessment(0, ALLOW, ((ALLOWLISTED, 0),))
    tripped: list[str] = []
    if _listed(rules, s, "blocked"):
        tripped.append(BLOCKLISTED)
    if s.disposable:
        tripped.append(DISPOSABLE_EMAIL)
    if not s.device:
        tripped.append(NO_DEVICE)
    c = s.counts
    for reason, count, limit in ((DEVICE_VELOCITY, c.device if s.device else 0, rules.max_orders_per_device),
                                 (EMAIL_VELOCITY, c.email, rules.max_orders_per_email),
                                 (IP_DEVICE_VELOCITY, 0 if s.device else c.ip_device, rules.max_orders_per_ip_device),
                                 (DEVICE_EMAILS, c.emails_on_device if s.device else 0, rules.max_emails_per_device),
                                 (FAILED_PAYMENTS, c.failed, rules.max_failed_payments - 1)):
        if count > limit:  # the checkout past the limit trips it (failures: the limit-th failure already did)
            tripped.append(reason)
    if s.new_buyer and asks_history(rules, s.quantity, s.amount):
        tripped.append(NEW_BUYER_LARGE)
    if s.country and s.country in rules.blocked_countries:
        tripped.append(COUNTRY)
    if s.network and s.network in rules.blocked_networks:
        tripped.append(NETWORK)
    reasons = tuple((r, rules.points_for(r)) for r in tripped if rules.points_for(r))
    score = sum(points for _, points in reasons)
    return Assessment(score, rules.decision_for(score), reasons)


def passed(a: Assessment) -> Assessment:
    """The assessment of a challenged checkout whose proof of work was right: let through, the score kept."""
    return Assessment(a.score, ALLOW, a.reasons, challenge_passed=True) if a.decision == CHALLENGE else a


def _listed(rules: RiskRules, s: Signals, kind: str) -> bool:
    emails: tuple[str, ...] = getattr(rules, f"{kind}_emails")
    domain = "@" + s.email.rsplit("@", 1)[-1]
    if s.email in emails or domain in emails:
        return True
    if s.device and s.device in getattr(rules, f"{kind}_devices"):
        return True
    networks: tuple[str, ...] = getattr(rules, f"{kind}_ips")
    return bool(networks) and _in_networks(s.ip, networks)


def _in_networks(ip: str, networks: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in _parsed(networks) if net.version == address.version)


@lru_cache(maxsize=256)
def _parsed(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n) for n in networks)
