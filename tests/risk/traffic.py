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

import itertools
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.risk.domain.emails import disposable

ZONE = ZoneInfo("Asia/Shanghai")
START = int(datetime(2024, 6, 3, tzinfo=ZONE).timestamp())  # a Monday, 00:00 at the shop
DAY = 86_400
FLASH_SALE_HOUR = 20
PROMO_HOURS = (10, 22)  # the coupon and the promotion's price hold from 10:00 to 22:00
LEGIT_KINDS = ("returning", "first_time", "mobile", "wholesale", "shared_address")
ATTACK_KINDS = ("bot_burst", "card_testing", "bulk_accounts", "coupon_farming", "pow_bot")
KINDS = LEGIT_KINDS + ATTACK_KINDS
PRICES = (600, 1500, 3000, 6800, 9800)  # minor units per key of the shop's products
# visits per local hour: quiet at night, busiest in the evening
HOURLY = (3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 7, 8, 9, 10, 12, 12, 10, 6)
WEBMAIL = (("qq.com", 30), ("163.com", 14), ("gmail.com", 22), ("outlook.com", 10), ("icloud.com", 8),
           ("126.com", 6), ("hotmail.com", 4), ("yahoo.com", 3), ("foxmail.com", 3))
THROWAWAY = ("mailinator.com", "guerrillamail.com", "yopmail.com", "sharklasers.com", "maildrop.cc",
             "dispostable.com", "getnada.com", "trashmail.com", "10minutemail.com", "temp-mail.org")
FIRST = ("wei", "jing", "li", "hao", "yan", "chen", "lin", "xin", "jun", "mei", "ming", "lei", "fang", "yu", "tao",
         "mike", "anna", "tom", "lucy", "kevin", "sara", "alex", "nina", "leo", "ivy")
LAST = ("wang", "zhang", "liu", "zhao", "huang", "zhou", "wu", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin",
        "smith", "lee", "chan", "ng", "tan")
ISP_BLOCKS = (36, 39, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115, 116, 119, 120, 121, 122, 123, 124,
              125, 175, 180, 182, 183, 218, 219, 220, 221, 222)
CARRIER_NATS = ("117.136", "112.97", "223.104")  # mobile carriers' NAT ranges
PROXY_BLOCKS = (45, 103, 104, 107, 137, 139, 146, 154, 156, 185, 194, 198)  # hosting and proxy providers
DEVICE_CHARS = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class Event:
    """One checkout attempt and its label."""

    at: int  # epoch seconds
    kind: str
    attack: bool
    actor: str  # the party: one buyer, or one attacker's operation
    variant: str  # how this party works within its kind ("" for an honest buyer)
    email: str  # as typed
    ip: str
    device: str  # "" when none was sent
    quantity: int
    amount: int  # minor units
    bought_before: bool = False  # the e-mail has orders from before the set starts
    fails_after: int | None = None  # seconds after the checkout its payment fails; None: it is paid
    solves: bool = False  # sends the checkout again with the challenge solved


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


# -- identities ------------------------------------------------------------------------------------------------------

# the ways of working whose device ids no page issued (made up per checkout); every other id was issued by the shop's
# page to a real browser (a script replaying one copied it from there)
FORGED_VARIANTS = frozenset({"rotating_device"})


def device_id(r: random.Random) -> str:
    """A device id as the page's script makes one (22 URL-safe characters)."""
    return "".join(r.choice(DEVICE_CHARS) for _ in range(22))


def home_ip(r: random.Random) -> str:
    return f"{r.choice(ISP_BLOCKS)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def proxy_ip(r: random.Random) -> str:
    return f"{r.choice(PROXY_BLOCKS)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def carrier_pool(r: random.Random, size: int = 40) -> list[str]:
    return [f"{r.choice(CARRIER_NATS)}.{r.randrange(256)}.{r.randrange(1, 255)}" for _ in range(size)]


def always(ip: str) -> Callable[[], str]:
    return lambda: ip


def home_or_phone(r: random.Random, home: str, carrier: list[str], phone: bool) -> Callable[[], str]:
    """A buyer's address: home, or (a phone user, half the time) one of the carrier's shared ones."""
    return lambda: r.choice(carrier) if phone and r.random() < 0.5 else home


def weighted(r: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return r.choices([k for k, _ in pairs], weights=[w for _, w in pairs])[0]


def person_email(r: random.Random, domain: str = "") -> str:
    """An address a person picks: a name, maybe digits; a QQ number at qq.com; Gmail's often with a dot."""
    domain = domain or weighted(r, WEBMAIL)
    if domain == "qq.com" and r.random() < 0.7:
        return f"{r.randrange(10_000_000, 3_999_999_999)}@qq.com"
    first, last = r.choice(FIRST), r.choice(LAST)
    local = r.choice((f"{first}{last}", f"{first}.{last}", f"{last}{first}{r.randrange(70, 100)}",
                      f"{first}_{last}{r.randrange(1, 999)}", f"{first}{r.randrange(100, 99_999)}"))
    return f"{local}@{domain}"


def gmail_dotless(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local.replace('.', '')}@{domain}"


def random_local(r: random.Random, size: int = 9) -> str:
    return r.choice(string.ascii_lowercase) + "".join(
        r.choice(string.ascii_lowercase + string.digits) for _ in range(size - 1))


def catch_all_domain(r: random.Random) -> str:
    """An attacker's own domain, every address at it delivered to one inbox (not on any throwaway list)."""
    while True:
        domain = f"{r.choice(('kuai', 'mall', 'shop', 'box', 'key', 'hub'))}{r.randrange(10, 999)}." + r.choice(
            ("top", "xyz", "site", "online", "club"))
        if not disposable(f"x@{domain}"):
            return domain


def gmail_variant(r: random.Random, base: str, used: set[str]) -> str:
    """A new spelling of a Gmail mailbox: dots between letters, maybe a "+tag"; never one used before."""
    local = base.split("@", 1)[0].replace(".", "")
    while True:
        dotted = local[0] + "".join(("." if r.random() < 0.3 else "") + c for c in local[1:])
        tag = f"+{random_local(r, 4)}" if r.random() < 0.4 else ""
        candidate = f"{dotted}{tag}@gmail.com"
        if candidate not in used:
            used.add(candidate)
            return candidate


def plus_variant(r: random.Random, base: str, used: set[str]) -> str:
    local, _, domain = base.partition("@")
    while True:
        candidate = f"{local}+{random_local(r, r.randint(3, 6))}@{domain}"
        if candidate not in used:
            used.add(candidate)
            return candidate


# -- time ------------------------------------------------------------------------------------------------------------

def day_start(day: int) -> int:
    return START + day * DAY


def visit_time(r: random.Random, day: int) -> int:
    hour = r.choices(range(24), weights=HOURLY)[0]
    return day_start(day) + hour * 3600 + r.randrange(3600)


def flash_sale(day: int) -> int:
    return day_start(day) + FLASH_SALE_HOUR * 3600


def rush_time(r: random.Random, day: int, mean: float = 150.0, longest: int = 900) -> int:
    """A moment of the flash sale's rush: most in its first few minutes."""
    return flash_sale(day) + min(longest, int(r.expovariate(1 / mean)))


def promo_time(r: random.Random, day: int) -> int:
    low, high = PROMO_HOURS
    return day_start(day) + low * 3600 + r.randrange((high - low) * 3600)


def operations(scale: float, days: int, per_day: float) -> Iterator[int]:
    """The day of each of an attack kind's operations: `per_day` a day (scaled), spread over the days."""
    total = max(1, round(per_day * days * scale))
    for i in range(total):
        yield i % days


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


GENERATORS: dict[str, Callable[[random.Random, int, float], list[Event]]] = {
    "returning": returning, "first_time": first_time, "mobile": mobile, "wholesale": wholesale,
    "shared_address": shared_address, "bot_burst": bot_burst, "card_testing": card_testing,
    "bulk_accounts": bulk_accounts, "coupon_farming": coupon_farming, "pow_bot": pow_bot,
}
