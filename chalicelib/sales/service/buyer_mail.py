"""The buyer's e-mails in the buyer's language: plain text and HTML, every value escaped in the HTML."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from chalicelib.kernel.i18n import Translator
from chalicelib.sales.domain.models import Order
from chalicelib.tenancy.domain.models import Tenant


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def _html(t: Translator, *paragraphs: str) -> str:
    """A minimal HTML body; callers pass paragraphs already escaped."""
    return f'<!doctype html><html lang="{t.html_lang}"><body>' + "".join(paragraphs) + "</body></html>"


def _link(url: str) -> str:
    return f'<p><a href="{escape(url)}">{escape(url)}</a></p>'


def delivered(t: Translator, *, tenant: Tenant, order: Order, keys: list[str], order_url: str) -> Mail:
    """The keys, each on a line of its own, and the order page's permanent link."""
    shop, product = tenant.name, order.product_name
    subject = t("mail.delivered.subject", product=product, shop=shop, order_id=order.id)
    text = "\n".join([
        t("mail.delivered.thanks", shop=shop), "", f"{product} × {order.quantity}",
        t("mail.order_number", order_id=order.id), "", t("mail.delivered.keys"), *keys, "",
        t("mail.delivered.link"), order_url, ""])
    items = "".join(f"<li><code>{escape(k)}</code></li>" for k in keys)
    body = _html(t, f"<p>{escape(t('mail.delivered.thanks', shop=shop))}</p>",
                 f"<p>{escape(product)} × {order.quantity}<br>{escape(t('mail.order_number', order_id=order.id))}</p>",
                 f"<p>{escape(t('mail.delivered.keys'))}</p><ul>{items}</ul>",
                 f"<p>{escape(t('mail.delivered.link'))}</p>", _link(order_url))
    return Mail(subject, text, body)


def refunded(t: Translator, *, tenant: Tenant, order: Order) -> Mail:
    key = "mail.refunded.by_shop" if order.failure_reason == "merchant_refund" else "mail.refunded.sold_out"
    text = t(key, shop=tenant.name, product=order.product_name) + "\n"
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.strip().splitlines())
    return Mail(t("mail.refunded.subject", order_id=order.id, shop=tenant.name), text, _html(t, paragraphs))


def reviewed(t: Translator, *, tenant: Tenant, order: Order, approved: bool, order_url: str) -> Mail:
    """The shop's decision on an order held for review: approved (pay on the order page by the hold's end) or
    not accepted (nothing charged)."""
    from datetime import UTC, datetime

    kind = "approved" if approved else "rejected"
    deadline = datetime.fromtimestamp(order.expires_at, tz=UTC).strftime("%Y-%m-%d %H:%M")
    text = t(f"mail.{kind}.body", shop=tenant.name, product=order.product_name, quantity=order.quantity,
             deadline=deadline)
    lines = [*text.splitlines(), "", t("mail.order_number", order_id=order.id)]
    paragraphs = [f"<p>{escape(line)}</p>" for line in lines if line]
    if approved:
        lines += ["", order_url]
        paragraphs.append(_link(order_url))
    if not approved and tenant.support_contact:
        lines += [tenant.support_contact]
        paragraphs.append(f"<p>{escape(tenant.support_contact)}</p>")
    return Mail(t(f"mail.{kind}.subject", order_id=order.id, shop=tenant.name), "\n".join(lines) + "\n",
                _html(t, *paragraphs))


def sign_in_link(t: Translator, *, tenant: Tenant, url: str) -> Mail:
    text = "\n".join([t("mail.login.intro", shop=tenant.name), url, "", t("mail.login.ignore"), ""])
    body = _html(t, f"<p>{escape(t('mail.login.intro', shop=tenant.name))}</p>", _link(url),
                 f"<p>{escape(t('mail.login.ignore'))}</p>")
    return Mail(t("mail.login.subject", shop=tenant.name), text, body)
