"""Public holidays a shop's demand follows, from the maintained `holidays` package (loaded only when forecasting)."""

from __future__ import annotations

from datetime import date

# The country whose holidays a shop's buyers keep, told from the shop's time zone (a shop sets its zone, not a
# country); zones not listed get no holidays, which the forecast handles as plain weekdays.
ZONE_COUNTRY = {
    "Asia/Shanghai": "CN", "Asia/Chongqing": "CN", "Asia/Urumqi": "CN", "Asia/Hong_Kong": "HK", "Asia/Macau": "MO",
    "Asia/Taipei": "TW", "Asia/Tokyo": "JP", "Asia/Seoul": "KR", "Asia/Singapore": "SG", "Asia/Kuala_Lumpur": "MY",
    "Asia/Bangkok": "TH", "Asia/Ho_Chi_Minh": "VN", "Asia/Manila": "PH", "Asia/Jakarta": "ID", "Asia/Kolkata": "IN",
    "Europe/London": "GB", "Europe/Berlin": "DE", "Europe/Paris": "FR", "Europe/Madrid": "ES", "Europe/Rome": "IT",
    "Europe/Amsterdam": "NL", "Europe/Moscow": "RU", "America/New_York": "US", "America/Chicago": "US",
    "America/Denver": "US", "America/Los_Angeles": "US", "America/Toronto": "CA", "America/Sao_Paulo": "BR",
    "America/Mexico_City": "MX", "Australia/Sydney": "AU",
}


def holidays_for(zone: str, first: date, last: date) -> frozenset[date]:
    """The public holidays between `first` and `last` of the country the zone belongs to (none if unknown)."""
    country = ZONE_COUNTRY.get(zone)
    if country is None:
        return frozenset()
    import holidays  # ~5 MB of calendars: loaded by the nightly forecast only

    found = holidays.country_holidays(country, years=range(first.year, last.year + 1))
    return frozenset(d for d in found if first <= d <= last)
