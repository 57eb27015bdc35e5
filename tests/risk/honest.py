"""The honest buyers of the labelled traffic set (their kinds are described in tests/risk/traffic.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from tests.risk.people import (
    PRICES,
    Event,
    always,
    carrier_pool,
    day_start,
    device_id,
    gmail_dotless,
    home_ip,
    home_or_phone,
    person_email,
    rush_time,
    visit_time,
)

# -- honest buyers ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Buyer:
    actor: str
    email: str
    devices: tuple[str, ...]
    ip: Callable[[], str]  # the address of one checkout (a phone's may change each time)
    bought_before: bool
    gmail_either: bool = False  # types the Gmail address with its dots one time, without the next


def quantity(r: random.Random) -> int:
    return r.choices((1, 2, 3, 5, 10), weights=(70, 18, 7, 3, 2))[0]


def visit(r: random.Random, kind: str, buyer: Buyer, at: int, *, units: int | None = None) -> list[Event]:
    """One buyer's checkouts of one visit, with the noise honest buyers make."""
    price = r.choice(PRICES)
    units = units or quantity(r)
    device = r.choice(buyer.devices)

    def checkout(t: int, email: str = buyer.email, fails: bool = False) -> Event:
        typed = gmail_dotless(email) if buyer.gmail_either and r.random() < 0.5 else email
        return Event(at=t, kind=kind, attack=False, actor=buyer.actor, variant="", email=typed, ip=buyer.ip(),
                     device=device, quantity=units, amount=units * price, bought_before=buyer.bought_before,
                     fails_after=r.randint(20, 90) if fails else None, solves=True)

    out: list[Event] = []
    t = at
    if r.random() < 0.015:  # a typo in the e-mail, seen on the confirmation and sent again right
        local, _, domain = buyer.email.partition("@")
        out.append(checkout(t, f"{local[:-1] or local}@{domain}"))
        t += r.randint(40, 150)
    declines = 2 if r.random() < 0.003 else 1 if r.random() < 0.03 else 0
    for _ in range(declines):  # the card is declined; another card a few minutes later
        out.append(checkout(t, fails=True))
        t += r.randint(100, 300)
    out.append(checkout(t))
    if r.random() < 0.08:  # back for a second order within ten minutes
        out.append(replace(checkout(t + r.randint(120, 540)), quantity=1, amount=price))
    if r.random() < 0.002:  # gifts: a key sent straight to each of two or three friends' addresses
        for _ in range(r.choice((2, 3))):
            t += r.randint(60, 200)
            out.append(replace(checkout(t, person_email(r)), quantity=1, amount=price))
    return out


def returning(r: random.Random, days: int, scale: float) -> list[Event]:
    carrier = carrier_pool(r)
    people = []
    for i in range(round(600 * scale)):
        email = person_email(r)
        ip = home_or_phone(r, home_ip(r), carrier, phone=r.random() < 0.3)
        people.append(Buyer(actor=f"returning-{i}", email=email, devices=tuple(
            device_id(r) for _ in range(r.choice((1, 1, 2)))), ip=ip, bought_before=True,
            gmail_either=email.endswith("@gmail.com") and "." in email.split("@")[0] and r.random() < 0.3))
    out: list[Event] = []
    for day in range(days):
        for buyer in people:
            if r.random() < 0.28:
                at = rush_time(r, day) if r.random() < 0.2 else visit_time(r, day)
                out.extend(visit(r, "returning", buyer, at))
    return out


def first_time(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for day in range(days):
        for i in range(round(300 * scale)):
            buyer = Buyer(actor=f"first-{day}-{i}", email=person_email(r), devices=(device_id(r),),
                          ip=always(home_ip(r)), bought_before=False)
            at = rush_time(r, day) if r.random() < 0.25 else visit_time(r, day)
            out.extend(visit(r, "first_time", buyer, at))
    return out


def mobile(r: random.Random, days: int, scale: float) -> list[Event]:
    carrier = carrier_pool(r)
    out: list[Event] = []
    for day in range(days):
        for i in range(round(220 * scale)):
            buyer = Buyer(actor=f"mobile-{day}-{i}", email=person_email(r), devices=(device_id(r),),
                          ip=lambda: r.choice(carrier), bought_before=r.random() < 0.4)
            at = rush_time(r, day) if r.random() < 0.25 else visit_time(r, day)
            out.extend(visit(r, "mobile", buyer, at))
    return out


def wholesale(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for i in range(max(1, round(3 * scale))):
        buyer = Buyer(actor=f"wholesale-{i}", email=person_email(r, r.choice(("163.com", "qq.com", "outlook.com"))),
                      devices=tuple(device_id(r) for _ in range(r.choice((1, 2)))), ip=always(home_ip(r)),
                      bought_before=True)
        for day in range(days):
            for _ in range(r.choice((1, 2, 2, 3))):
                at = day_start(day) + r.randint(9, 18) * 3600 + r.randrange(3600)
                for _ in range(r.choice((1, 2, 3))):  # one order per product in a session
                    out.extend(visit(r, "wholesale", buyer, at, units=r.randint(20, 200)))
                    at += r.randint(60, 240)
    return out


def shared_address(r: random.Random, days: int, scale: float) -> list[Event]:
    out: list[Event] = []
    for day in range(days):
        campus = always(f"202.{r.randrange(96, 127)}.{r.randrange(256)}.{r.randrange(1, 255)}")
        lab_pc = ""
        for i in range(round(r.randint(150, 220) * scale)):
            # a lab PC is used by two students in turn, each with their own e-mail
            device = lab_pc if lab_pc and r.random() < 0.5 else device_id(r)
            lab_pc = device if r.random() < 0.05 and device != lab_pc else ""
            buyer = Buyer(actor=f"campus-{day}-{i}", email=person_email(r), devices=(device,),
                          ip=campus, bought_before=r.random() < 0.3)
            out.extend(visit(r, "shared_address", buyer, rush_time(r, day, mean=120, longest=1200),
                             units=r.choice((1, 1, 2))))
    return out
