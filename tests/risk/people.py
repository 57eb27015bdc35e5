"""The labelled traffic set's people and places: the shop's hours, e-mail, address and device makers, and the
Event each checkout attempt becomes (the kinds are described in tests/risk/traffic.py)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
