"""The funnel's pure rules: telling a channel and a device from a request, and finding the leaks in the counts."""

from __future__ import annotations

from datetime import date

from chalicelib.insights.domain.funnel import CHECKOUT, PAID, PAY, PRODUCT, FunnelCounts, from_row
from chalicelib.insights.domain.funnel_report import report
from chalicelib.kernel.attribution import Visit, channel, clean_channel, device, is_robot, origin


def test_a_campaign_names_the_channel_before_the_referring_site() -> None:
    assert channel("WeChat Moments", "https://www.google.com/", "shop.example") == "wechat-moments"
    assert channel(None, "https://www.google.com/search?q=x", "shop.example") == "google.com"
    assert channel("", "https://t.me/some_channel", None) == "t.me"
    # a move inside the shop, no referrer, or a malformed one is no channel
    assert channel(None, "https://shop.example/s/acme", "shop.example:443") == "direct"
    assert channel(None, None, "shop.example") == "direct"
    assert channel(None, "http://[::1", "shop.example") == "direct"
    assert channel("=cmd|' /C calc'!A0", None, None) == "cmd-c-calc-a0"
    assert len(channel("x" * 300, None, None)) == 40


def test_the_cookie_is_cleaned_again_and_keeps_the_arrival_channel() -> None:
    assert clean_channel("Evil<script>") == "evil-script"
    assert clean_channel(None) == "direct"
    visit = Visit(referrer="https://shop.example/s/acme", host="shop.example", source_cookie="newsletter")
    assert (visit.arrival(), visit.channel()) == (None, "newsletter")
    assert Visit(utm_source="ads", source_cookie="newsletter").channel() == "ads"


def test_devices_robots_and_the_origin_of_a_checkout() -> None:
    assert device("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36") == "mobile"
    assert device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0") == "desktop"
    assert device("Mozilla/5.0 (iPhone) MicroMessenger/8.0.47") == "mobile"
    assert [is_robot(ua) for ua in (None, "", "Googlebot/2.1", "curl/8.5", "Mozilla/5.0 (X11) Firefox/128")] == [
        True, True, True, True, False]
    assert origin("newsletter", "Mozilla/5.0 (iPhone) Mobile") == (origin("newsletter", "Mozilla/5.0 (iPhone) Mobile"))
    assert (origin("newsletter", "Mozilla/5.0 (iPhone) Mobile").source, origin(None, "Mozilla/5.0 (iPad)").device) == (
        "newsletter", "mobile")
    assert (origin("x", "python-requests/2.32").source, origin("x", "python-requests/2.32").device) == ("", "")


def _counts(rows: dict[tuple[str, str, str], int]) -> FunnelCounts:
    return from_row({f"{step}|{dev}|{ch}": n for (step, dev, ch), n in rows.items()})


def test_a_step_where_one_device_leaves_far_more_than_the_shop_is_a_leak() -> None:
    # given 100 product views on each device; mobile buyers reach payment like desktop ones but 60 % leave there
    rows = {}
    for dev, paid in (("mobile", 16), ("desktop", 36)):
        rows.update({(PRODUCT, dev, "direct"): 100, (CHECKOUT, dev, "direct"): 50, (PAY, dev, "direct"): 40,
                     (PAID, dev, "direct"): paid})
    # when the report is made
    found = report(_counts(rows), date(2026, 12, 1), date(2026, 12, 7))
    # then the payment step on mobile is the leak: 60 % leave there against 35 % for the whole shop
    assert [(s.step, s.count, s.leave) for s in found.overall.steps] == [
        (PRODUCT, 200, 0.5), (CHECKOUT, 100, 0.19999999999999996), (PAY, 80, 0.35), (PAID, 52, None)]
    assert [(leak.who, leak.kind, leak.step, round(leak.leave, 2), round(leak.overall, 2), leak.entrants)
            for leak in found.leaks] == [("mobile", "device", PAY, 0.6, 0.35, 40)]
    assert found.overall.conversion == 0.26


def test_too_few_entrants_are_no_leak_and_counts_beyond_the_step_before_leave_nobody() -> None:
    # given 9 mobile payment starts of which none paid, and a day where more paid than started paying
    rows = {(PRODUCT, "mobile", "direct"): 20, (CHECKOUT, "mobile", "direct"): 10, (PAY, "mobile", "direct"): 9,
            (PRODUCT, "desktop", "direct"): 20, (CHECKOUT, "desktop", "direct"): 9, (PAY, "desktop", "direct"): 2,
            (PAID, "desktop", "direct"): 5}
    found = report(_counts(rows), date(2026, 12, 1), date(2026, 12, 1))
    # then nothing is called a leak (9 entrants at each suspicious step), and desktop's pay step leaves nobody
    assert found.leaks == ()
    assert [None if s.leave is None else round(s.leave, 3) for s in found.devices[1].steps] == [
        0.55, 0.778, 0.0, None]
