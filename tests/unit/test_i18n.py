"""Buyer-facing language: every message in both languages, the same placeholders, locale choice, money."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from chalicelib.kernel.i18n import LOCALES, catalog, format_money, negotiate, parse_locale, text

TEMPLATES = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "templates"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_every_locale_with_the_same_placeholders() -> None:
    for key, texts in catalog().items():
        assert set(texts) == set(LOCALES), f"{key} has {sorted(texts)}"
        assert all(texts[loc].strip() for loc in LOCALES), f"{key} has an empty text"
        assert placeholders(texts["en"]) == placeholders(texts["zh-CN"]), key


def test_every_message_a_template_names_exists() -> None:
    names: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        names |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']""", path.read_text("utf-8")))
        names |= set(re.findall(r'"((?:order|report|checkout)\.[a-z_.]+)"', path.read_text("utf-8")))
    missing = sorted(n for n in names if n not in catalog() and not n.endswith((".", "_")))
    assert missing == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"accept_language": "zh-CN,zh;q=0.9,en;q=0.8"}, "zh-CN"),
    ({"accept_language": "en-US,en;q=0.9,zh;q=0.8"}, "en"),
    ({"accept_language": "fr-FR,zh-TW;q=0.8,en;q=0.5"}, "zh-CN"),
    ({"accept_language": "de-DE,fr;q=0.9"}, "en"),
    ({"accept_language": "de-DE", "default": "zh-CN"}, "zh-CN"),
    ({"accept_language": "zh;q=0, en;q=0.1"}, "en"),
    ({"accept_language": "*"}, "en"),
    ({"accept_language": "en;q=banana, zh"}, "zh-CN"),
    ({"cookie": "zh-CN", "accept_language": "en"}, "zh-CN"),
    ({"query": "en", "cookie": "zh-CN", "accept_language": "zh"}, "en"),
    ({"query": "klingon", "cookie": "zh-CN"}, "zh-CN"),
    ({"accept_language": "x" * 5000}, "en"),
], ids=["zh", "en", "zh-tw-ranked", "neither", "shop-default", "q-zero", "star", "bad-q", "cookie", "query",
        "bad-query", "huge"])
def test_negotiation(kwargs: dict[str, str], expected: str) -> None:
    assert negotiate(**kwargs) == expected


def test_parse_locale() -> None:
    assert [parse_locale(v) for v in ("zh_CN", "ZH-hans", "en-gb", "EN", "fr", "", None)] == [
        "zh-CN", "zh-CN", "en", "en", None, None, None]


def test_money_is_written_per_locale_and_currency_minor_units() -> None:
    assert format_money(1250, "usd", "en") == "$12.50"
    assert format_money(1250, "usd", "zh-CN") == "US$12.50"
    assert format_money(999, "cny", "zh-CN") == "¥9.99"
    assert format_money(1200, "jpy", "en") == "¥1,200"
    assert format_money(123456, "eur", "en") == "€1,234.56"


def test_text_fills_placeholders_and_refuses_unknown_ids() -> None:
    assert text("zh-CN", "stock.count", count=3) == "库存 3"
    assert text("en", "stock.count", count=3) == "3 in stock"
    with pytest.raises(KeyError):
        text("en", "no.such.message")
