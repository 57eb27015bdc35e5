"""The console's account e-mails (confirm the address, reset the password) in the merchant's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from chalicelib.kernel.i18n import Translator
from chalicelib.tenancy.domain.accounts import LinkPurpose
from chalicelib.tenancy.domain.models import Tenant


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def link(t: Translator, *, purpose: LinkPurpose, shop: Tenant, url: str, hours: int,
         extra: Mapping[str, str] | None = None) -> Mail:
    """The link on a line of its own, how long it works, and what to do if the mail was not expected."""
    kind = {LinkPurpose.CONFIRM_EMAIL: "confirm", LinkPurpose.RESET_PASSWORD: "reset",
            LinkPurpose.INVITE: "invite"}[purpose]
    intro = t(f"console.mail.{kind}.intro", shop=shop.name, **(extra or {}))
    valid = t("console.mail.valid_for_days", days=hours // 24) if hours >= 48 else t("console.mail.valid_for",
                                                                                      hours=hours)
    ignore = t(f"console.mail.{kind}.ignore")
    text = "\n".join([intro, "", url, "", valid, ignore, ""])
    html = (f'<!doctype html><html lang="{t.html_lang}"><body><p>{escape(intro)}</p>'
            f'<p><a href="{escape(url)}">{escape(t(f"console.mail.{kind}.button", shop=shop.name))}</a></p>'
            f"<p>{escape(url)}</p><p>{escape(valid)} {escape(ignore)}</p></body></html>")
    return Mail(t(f"console.mail.{kind}.subject", shop=shop.name, **(extra or {})), text, html)
