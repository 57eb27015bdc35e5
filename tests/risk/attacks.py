"""The attackers of the labelled traffic set (their kinds and budgets are described in tests/risk/traffic.py)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from tests.risk.people import (
    PRICES,
    THROWAWAY,
    Event,
    always,
    carrier_pool,
    catch_all_domain,
    day_start,
    device_id,
    flash_sale,
    gmail_variant,
    home_ip,
    operations,
    person_email,
    plus_variant,
    promo_time,
    proxy_ip,
    random_local,
    weighted,
)

# -- attackers -------------------------------------------------------------------------------------------------------

def mailboxes(r: random.Random, strategy: str) -> Callable[[], str]:
    """A source of addresses an operation receives the keys at, one call per checkout."""
    if strategy == "catch_all":
        domain = catch_all_domain(r)
        return lambda: f"{random_local(r)}@{domain}"
    if strategy == "throwaway":
        return lambda: f"{random_local(r)}@{r.choice(THROWAWAY)}"
    bases = [person_email(r, "gmail.com") for _ in range(r.randint(5, 10))]
    used: set[str] = set()
    turns = itertools.count()
    return lambda: gmail_variant(r, bases[next(turns) % len(bases)], used)


def attack(kind: str, variant: str, actor: str, at: int, email: str, ip: str, device: str, units: int,
           price: int, *, fails_after: int | None = None, solves: bool = False) -> Event:
    return Event(at=at, kind=kind, attack=True, actor=actor, variant=variant, email=email, ip=ip, device=device,
                 quantity=units, amount=units * price, fails_after=fails_after, solves=solves)


def bot_device(r: random.Random, mode: str, *, copied: str) -> Callable[[], str]:
    """The device id a script sends: none, one copied from a real browser, or a new made-up one each time."""
    if mode == "fixed_device":
        return always(copied)
    return (lambda: device_id(r)) if mode == "rotating_device" else always("")


def bot_burst(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    modes = ("no_device", "no_device", "fixed_device", "no_device", "rotating_device", "no_device")
    for n, day in enumerate(operations(scale, days, 3)):
        mode = modes[n % len(modes)]
        email = mailboxes(r, weighted(r, (("catch_all", 2), ("gmail_variants", 1), ("throwaway", 1))))
        pool = [proxy_ip(r) for _ in range(r.randint(4, 12))]
        device = bot_device(r, mode, copied=device_id(r))
        start, length = flash_sale(day) + r.randint(-5, 20), r.randint(90, 300)
        units, price = r.choice((1, 2)), r.choice(PRICES)
        for t in sorted(start + r.randrange(length) for _ in range(r.randint(100, 300))):
            out.append(attack("bot_burst", mode, f"bot-{n}", t, email(), r.choice(pool), device(), units, price))
    return out


def card_testing(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for n, day in enumerate(operations(scale, days, 1)):
        devices = [device_id(r) for _ in range(r.randint(2, 3))]
        pool = [proxy_ip(r) for _ in range(r.randint(2, 4))]
        t = day_start(day) + r.randint(1, 4) * 3600 + r.randrange(3600)
        end, gap = t + r.randint(25, 60) * 60, r.uniform(4, 15)
        while t < end:
            email = f"{random_local(r)}@{r.choice(THROWAWAY)}" if r.random() < 0.2 else person_email(r)
            fails = r.randint(5, 30) if r.random() < 0.88 else None
            out.append(attack("card_testing", "replayed_devices", f"cards-{n}", t, email, r.choice(pool),
                              r.choice(devices), 1, min(PRICES), fails_after=fails))
            t += max(1, round(r.expovariate(1 / gap)))
    return out


def bulk_accounts(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for n, day in enumerate(operations(scale, days, 1)):
        profiles = [(device_id(r), proxy_ip(r)) for _ in range(r.randint(4, 6))]
        start, length = promo_time(r, day), r.randint(90, 180) * 60
        price = min(PRICES[1:]) // 2  # the promotion's price
        for t in sorted(start + r.randrange(length) for _ in range(r.randint(50, 120))):
            device, ip = r.choice(profiles)
            email = f"{random_local(r)}@{r.choice(THROWAWAY)}" if r.random() < 0.6 else \
                f"{random_local(r, r.randint(7, 11))}@{r.choice(('outlook.com', 'gmail.com', 'hotmail.com'))}"
            units = r.choices((8, 10, 12, 15, 20, 30, 50), weights=(1, 2, 2, 2, 2, 1, 1))[0]
            out.append(attack("bulk_accounts", "profiles", f"bulk-{n}", t, email, ip, device, units, price))
    return out


def coupon_farming(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for n, day in enumerate(operations(scale, days, 1)):
        home, carrier = home_ip(r), carrier_pool(r, 4)
        bases = [person_email(r, "gmail.com" if r.random() < 0.7 else r.choice(("outlook.com", "163.com")))
                 for _ in range(r.randint(5, 10))]
        used: set[str] = set()
        turn = 0
        start = promo_time(r, day)
        for phone in (device_id(r) for _ in range(r.randint(2, 4))):
            t = start + r.randint(0, 600)
            end = t + r.randint(60, 150) * 60
            while t < end:
                base = bases[turn % len(bases)]
                turn += 1
                email = gmail_variant(r, base, used) if base.endswith("@gmail.com") else plus_variant(r, base, used)
                ip = r.choice(carrier) if r.random() < 0.15 else home
                out.append(attack("coupon_farming", "variants", f"farm-{n}", t, email, ip, phone, 1,
                                  min(PRICES[1:]) // 2))
                t += r.randint(40, 120)
    return out


def pow_bot(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for n, day in enumerate(operations(scale, days, 1)):
        email = mailboxes(r, "catch_all")
        for _ in range(r.randint(3, 5)):  # one persistent browser profile each
            device, ip = device_id(r), proxy_ip(r)
            t = flash_sale(day) + r.randint(0, 10)
            end = t + r.randint(5, 10) * 60
            while t < end:
                out.append(attack("pow_bot", "headless", f"pow-{n}", t, email(), ip, device, r.choice((1, 2)),
                                  r.choice(PRICES), solves=True))
                t += r.randint(6, 15)
    return out
