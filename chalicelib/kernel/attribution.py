"""Where a buyer came from and on what: the channel (a campaign's `utm_source` or the referring site) and the kind
of device, told from the request alone. No identifier of the buyer: the channel rides in a first-party cookie of
the shop's own path only so that a checkout can say where its buyer came from, and holds nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEVICES = ("mobile", "desktop")
DIRECT = "direct"
CHANNEL_MAX = 40
SOURCE_COOKIE = "kd_src"
SOURCE_COOKIE_SECONDS = 7 * 24 * 3600  # a buyer who comes back within the week still counts for the channel

_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_MOBILE = re.compile(r"mobi|android|iphone|ipod|ipad|windows phone|micromessenger|harmonyos", re.IGNORECASE)
_BOT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests|headless", re.IGNORECASE)


def channel(utm_source: str | None, referrer: str | None, own_host: str | None) -> str:
    """The channel a buyer arrived from: the campaign's `utm_source` when given, else the referring site's host
    (without `www.`), else `direct`; the shop's own host is no channel (a buyer moving between its pages)."""
    if utm_source and (named := _clean(utm_source)):
        return named
    if not referrer:
        return DIRECT
    try:
        host = (urlsplit(referrer).hostname or "").lower()
    except ValueError:
        return DIRECT  # a malformed Referer is no channel, never an error
    if not host or host == (own_host or "").split(":")[0].lower():
        return DIRECT
    return _clean(host.removeprefix("www.")) or DIRECT


def arrival_channel(utm_source: str | None, referrer: str | None, own_host: str | None) -> str | None:
    """The channel a page view brings, or None when it brings none (a move inside the shop, a direct visit):
    the cookie keeps the channel the buyer arrived with until a new one arrives."""
    found = channel(utm_source, referrer, own_host)
    return None if found == DIRECT else found


def _clean(raw: str) -> str:
    return _UNSAFE.sub("-", raw.strip().lower()).strip("-")[:CHANNEL_MAX]


def clean_channel(raw: str | None) -> str:
    """A channel read back from the buyer's cookie, made safe again (the cookie is theirs to change)."""
    return (_clean(raw) if raw else "") or DIRECT


def device(user_agent: str | None) -> str:
    """`mobile` or `desktop`, from the User-Agent's well-known mobile markers."""
    return "mobile" if user_agent and _MOBILE.search(user_agent) else "desktop"


def is_robot(user_agent: str | None) -> bool:
    """Crawlers, link previews and scripts are not buyers: their views are not counted."""
    return not user_agent or bool(_BOT.search(user_agent))


@dataclass(frozen=True)
class Origin:
    """Where a checkout's buyer came from and on what: kept on the order for the funnel's paid step."""

    source: str = ""  # a channel; "" when not known (an order placed through the API)
    device: str = ""


UNKNOWN = Origin()  # an order placed by a script or through the API: no channel, no device


def origin(source_cookie: str | None, user_agent: str | None) -> Origin:
    """A storefront checkout's origin from the channel cookie and the User-Agent; a script's checkout has none."""
    if is_robot(user_agent):
        return UNKNOWN
    return Origin(source=clean_channel(source_cookie), device=device(user_agent))


@dataclass(frozen=True)
class Visit:
    """What a storefront page view says of its buyer's arrival, as the request carried it."""

    utm_source: str | None = None
    referrer: str | None = None
    host: str | None = None  # the shop's own host: a Referer from it is a move inside the shop
    source_cookie: str | None = None
    user_agent: str | None = None

    def arrival(self) -> str | None:
        """The channel this view brings (to keep in the cookie), None when it brings none."""
        return arrival_channel(self.utm_source, self.referrer, self.host)

    def channel(self) -> str:
        """The channel the view counts for: the one it brings, else the one the buyer arrived with."""
        return self.arrival() or clean_channel(self.source_cookie)
