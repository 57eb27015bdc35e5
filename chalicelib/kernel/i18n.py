"""Buyer-facing language: locale choice (query, cookie, Accept-Language), message catalogs, money and times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

LOCALES = ("en", "zh-CN")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "zh-CN": "简体中文"}
# babel's identifiers: zh-CN is Simplified Chinese as written in mainland China
BABEL_LOCALES = {"en": "en_US", "zh-CN": "zh_Hans_CN"}
_TAG = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$")


def parse_locale(value: str | None) -> str | None:
    """The supported locale a tag names (`zh`, `zh-Hans`, `zh_CN`, `en-GB` ...), or None."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag == "en" or tag.startswith("en-"):
        return "en"
    if tag == "zh" or tag.startswith("zh-"):
        # Traditional-script tags still read Simplified better than English for most such buyers.
        return "zh-CN"
    return None


def negotiate(*, query: str | None = None, cookie: str | None = None, accept_language: str | None = None,
              default: str = DEFAULT_LOCALE) -> str:
    """An explicit choice (the switch's `?lang=`, then its cookie) beats the browser's Accept-Language."""
    for explicit in (query, cookie):
        chosen = parse_locale(explicit)
        if chosen:
            return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "")[:512].split(",")):
        match = _TAG.match(part)
        if not match or match.group(1) == "*":
            continue
        quality = float(match.group(2)) if match.group(2) else 1.0
        locale = parse_locale(match.group(1))
        if locale and quality > 0:
            ranked.append((-quality, position, locale))
    if ranked:
        return min(ranked)[2]
    return default if default in LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=1)
def catalog() -> Mapping[str, Mapping[str, str]]:
    """Every message id with its text per locale, merged from the catalogs in `domain/messages/`."""
    from chalicelib.kernel.messages import (
        after_sales,
        checkout,
        common,
        console,
        console_insights,
        console_media,
        console_shop,
        console_team,
        insights,
        lookup,
        mail,
        order,
        reports,
    )

    merged: dict[str, Mapping[str, str]] = {}
    for module in (common, checkout, order, lookup, after_sales, mail, console, console_shop, console_team,
                   console_media, console_insights, insights, reports):
        for key, texts in module.MESSAGES.items():
            if key in merged:
                raise ValueError(f"message id {key!r} is defined twice")
            merged[key] = texts
    return merged


def text(locale: str, key: str, **values: Any) -> str:
    """The message in `locale` (English if missing there), with `{name}` placeholders filled in."""
    texts = catalog().get(key)
    if texts is None:
        raise KeyError(f"no message {key!r}")
    template = texts.get(locale) or texts[DEFAULT_LOCALE]
    return template.format(**values) if values else template


class Translator:
    """One locale's `t(key, **values)`, `money(amount, currency)` and `when(ts)` for a page or an e-mail."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LOCALES else DEFAULT_LOCALE
        self.html_lang = "zh-CN" if self.locale == "zh-CN" else "en"

    def __call__(self, key: str, **values: Any) -> str:
        return text(self.locale, key, **values)

    def money(self, amount: int, currency: str) -> str:
        return format_money(amount, currency, self.locale)

    def when(self, ts: int) -> str:
        return format_time(ts, self.locale)

    def duration(self, seconds: int) -> str:
        return format_duration(seconds, self.locale)

    def messages(self, keys: tuple[str, ...]) -> dict[str, str]:
        """A subset of the catalog for a page's script (error texts it shows without a round trip)."""
        return {k: self(k) for k in keys}


@lru_cache(maxsize=8)
def babel_locale(locale: str) -> Any:
    """The parsed babel Locale of one of ours: babel parses a locale name again on every call it is given one
    (a dozen times per formatted amount or date), which a page of 50 orders pays 1,500 times."""
    from babel import Locale

    return Locale.parse(BABEL_LOCALES.get(locale, "en_US"))


def format_money(amount: int, currency: str, locale: str) -> str:
    """Integer minor units as the locale writes them: `$12.50`, `US$12.50`, `¥1,200` ..."""
    from babel.numbers import format_currency, get_currency_precision

    code = currency.upper()
    digits = get_currency_precision(code)
    return str(format_currency(amount / (10 ** digits) if digits else amount, code, locale=babel_locale(locale)))


def format_time(ts: int, locale: str) -> str:
    """A moment in UTC, written the locale's way (the buyer's zone is unknown to the server)."""
    from datetime import UTC, datetime

    from babel.dates import format_datetime

    moment = datetime.fromtimestamp(ts, tz=UTC)
    return str(format_datetime(moment, "medium", tzinfo=UTC, locale=babel_locale(locale))) + " UTC"


def format_duration(seconds: int, locale: str) -> str:
    """`3 minutes`, `45 seconds`, `3分钟` ... for waiting and resolution times."""
    from datetime import timedelta

    from babel.dates import format_timedelta

    return str(format_timedelta(timedelta(seconds=max(0, seconds)), threshold=1.5, locale=babel_locale(locale)))
