"""A browser's cookie jar and forms over the Chalice test client, for the console's pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Browser:
    """A browser's cookie jar and forms over the Chalice test client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return h

    def _keep(self, r: Any) -> Any:
        raw = r.headers.get("Set-Cookie") or r.headers.get("set-cookie")
        for value in ([] if raw is None else raw if isinstance(raw, list) else [raw]):
            name, _, rest = value.partition("=")
            content = rest.split(";", 1)[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = content
        return r

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self._keep(self.client.http.get(path, headers=self._headers(headers)))

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None = None) -> Any:
        body = dict(fields)
        if csrf is not None:
            body["csrf"] = csrf
        return self._keep(self.client.http.post(path, headers=self._headers(FORM), body=urlencode(body)))

    def form(self, path: str, action: str, fields: dict[str, str]) -> Any:
        """Opens the page, then sends its form with the page's CSRF token (as a browser would)."""
        page = self.get(path)
        assert page.status_code == 200, page.body[:300]
        return self.post(action, fields, csrf=csrf_of(page))


def csrf_of(r: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', r.body.decode())
    assert found, "the page has no CSRF field"
    return found.group(1)


def link_in(mail: dict[str, str], path: str) -> str:
    found = re.search(r"https?://[^\s]+" + re.escape(path) + r"\?token=[A-Za-z0-9_\-]+", mail["text"])
    assert found, mail["text"]
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def cookie_header(r: Any, name: str) -> str:
    raw = r.headers.get("Set-Cookie")
    values = raw if isinstance(raw, list) else [raw]
    matches = [v for v in values if v and v.startswith(name + "=")]
    assert matches, values
    return str(matches[0])
