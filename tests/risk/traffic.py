"""Seeded, labelled checkout traffic of one card-key shop over a few days: honest buyers and attackers, interleaved.

Each event is one checkout attempt as the risk engine sees it (e-mail as typed, address, device id, quantity,
amount) with its label: the kind of party that sent it and whether that is an attack. A paid order whose payment
fails carries the delay after which the payment provider says so. The shop runs in Asia/Shanghai; every day has a
flash sale at 20:00 and a promotion from 10:00 to 22:00. The same seed always gives the same stream.

Honest kinds (every storefront buyer runs the page's script, so every one sends a device id, and a browser solves a
challenge by itself, in a second or two, without the buyer doing anything):
- returning: buyers with orders before the set starts, on one or two devices of their own at a home address (a
  third of them on a phone's mobile data half the time); mostly 1-3 keys; a visit is likelier in the evening and
  one in five is at the flash sale.
- first_time: new buyers, small orders (1-10 keys), own device and home address.
- mobile: new and returning buyers on a phone's mobile data: the carrier puts them behind a few dozen shared
  addresses (carrier-grade NAT) and a phone's address may change between two checkouts a minute apart.
- wholesale: a few resellers who bought before, from an office (one address, one or two PCs), ordering 20-200 keys
  several times a day, up to three orders in a session (one per product).
- shared_address: the flash sale seen from one campus or dormitory NAT: 150-220 students behind ONE address in the
  sale's first minutes, each with their own device and e-mail; a few share a lab PC with one other student.
Noise on every honest kind: a card declined once and the checkout sent again a few minutes later (a few per cent),
declined twice before a third card works (rare), a second order within ten minutes, an e-mail typo corrected by a
second checkout, Gmail users typing their address with or without dots, now and then a buyer sending keys straight
to two or three friends' addresses from one device.

Attack kinds (each party is an operation with a budget: a small pool of addresses and devices, never one address
per checkout; none of them solves a challenge unless said, and not solving is the harder case for the rules: a
solved challenge is one more checkout on the counters):
- bot_burst: scripts hoarding flash-sale stock: 100-300 checkouts in the sale's first minutes from 4-12 proxy
  addresses, one or two keys each (the per-buyer limit). They run no page script, so most send no device id (four
  operations in six); of the rest, one replays a device id copied from a real browser, one makes up a new id per
  checkout. Mailboxes (one source per operation, a fresh address each checkout): their own catch-all domain (half
  of them), Gmail dot and plus variants of a few accounts, or a throwaway service. No JavaScript: no challenge is
  solved.
- card_testing: a script checking stolen cards at night: small one-key orders of the cheapest product every few
  seconds for half an hour to an hour, a fresh made-up e-mail each (some throwaway), from 2-3 device ids captured
  from a real browser and replayed and 2-4 proxy addresses; nearly nine in ten payments fail.
- bulk_accounts: an operator of anti-detect browser profiles (4-6, each bound to its own proxy) placing 50-120
  large orders (mostly above ten keys, some at ten or below) at the promotion's price, a fresh mailbox each:
  mostly throwaway, the rest fresh webmail; the payments go through.
- coupon_farming (羊毛党): one operator with 2-4 phones at home (Wi-Fi, sometimes mobile data) cycling 5-10 real
  mailboxes, every order under an address variant never used before (Gmail dots, "+tag" anywhere), one key with
  the coupon per order, one every 40-120 s per phone for one to two and a half hours.
- pow_bot: headless browsers at the flash sale (3-5, each with its own persistent profile and proxy), a fresh
  catch-all address per checkout, one every 6-15 s for five to ten minutes; they run the page, so they solve every
  challenge they get and send the checkout again.

Left out: an integrator's server checking out through the API (it sends no device id, so the defaults challenge
every such checkout) and honest buyers on throwaway mailboxes (challenged likewise).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from tests.risk.attacks import bot_burst, bulk_accounts, card_testing, coupon_farming, pow_bot
from tests.risk.honest import first_time, mobile, returning, shared_address, wholesale
from tests.risk.people import ATTACK_KINDS, DAY, FORGED_VARIANTS, KINDS, LEGIT_KINDS, START, Event

__all__ = ["ATTACK_KINDS", "FORGED_VARIANTS", "KINDS", "LEGIT_KINDS", "Event", "Traffic", "generate"]


@dataclass(frozen=True)
class Traffic:
    seed: int
    start: int
    end: int
    events: tuple[Event, ...]  # in time order


def generate(seed: int = 1, *, days: int = 3, scale: float = 1.0) -> Traffic:
    """`days` of traffic; `scale` multiplies honest visits and attacking operations alike."""
    events: list[Event] = []
    for kind, make in GENERATORS.items():
        # one random stream per kind: changing one kind leaves the others' traffic as it was
        events.extend(make(random.Random(f"{seed}:{kind}"), days, scale))
    events.sort(key=lambda e: (e.at, e.actor, e.email))
    return Traffic(seed=seed, start=START, end=START + days * DAY, events=tuple(events))


GENERATORS: dict[str, Callable[[random.Random, int, float], list[Event]]] = {
    "returning": returning, "first_time": first_time, "mobile": mobile, "wholesale": wholesale,
    "shared_address": shared_address, "bot_burst": bot_burst, "card_testing": card_testing,
    "bulk_accounts": bulk_accounts, "coupon_farming": coupon_farming, "pow_bot": pow_bot,
}
