"""A report as the e-mail staff get and the lines the console shows: anomalies and headline figures in the shop's
language (every value escaped in the HTML)."""

from __future__ import annotations

import html
from typing import Any

from chalicelib.insights.domain.anomalies import Anomaly
from chalicelib.kernel.i18n import Translator
from chalicelib.tenancy.domain.models import Tenant


def anomaly_line(t: Translator, a: Anomaly) -> str:
    """One line per anomaly, e.g. "Tue 2026-11-17: orders 42, 3.4× the usual spread above a Tuesday (median 12)"."""
    p = a.params
    what = t(f"report.metric.{p['metric']}")
    value = f"{p['value']} {a.currency.upper()}" if a.currency else p["value"]
    median = f"{p['median']} {a.currency.upper()}" if a.currency else p["median"]
    weekday = t(f"report.weekday.{p['weekday']}")
    return t(a.key, day=p["day"], weekday=weekday, what=what, value=value, median=median, z=p["z"], n=p["n"])


def report_mail(tenant: Tenant, view: Any, link: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the report e-mail."""
    t = Translator(tenant.locale)
    r = view.report
    cur = r.main_currency
    period = r.first.isoformat() if r.first == r.last else f"{r.first.isoformat()} – {r.last.isoformat()}"
    subject = t(f"report.subject.{r.kind}", shop=tenant.name, period=period)
    figures = [(t("report.revenue"), t.money(r.revenue.get(cur, 0), cur) if cur else "0"),
               (t("report.orders"), str(r.orders)), (t("report.units"), str(r.units)),
               (t("report.refund_rate"), _pct(r.refund_rate)),
               (t("report.buyers"), t("report.buyers_split", new=r.buyers_new, returning=r.buyers_returning))]
    if cur and cur in r.margin:
        figures.insert(1, (t("report.margin"), t.money(r.margin[cur], cur)))
    anomalies = [anomaly_line(t, a) for a in r.anomalies]
    top = [f"{view.names.get(p.product_id, p.product_id)}: {p.units} × · "
           f"{t.money(p.revenue.get(cur, 0), cur) if cur else ''}" for p in r.top_products[:5]]
    text = "\n".join([subject, ""] + [f"{k}: {v}" for k, v in figures]
                     + ([""] + [t("report.anomalies")] + [f"- {a}" for a in anomalies] if anomalies else [])
                     + ([""] + [t("report.top")] + [f"- {x}" for x in top] if top else [])
                     + ["", t("report.open", link=link)]) + "\n"
    rows = "".join(f"<tr><th align=left>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in figures)
    body = (f'<!doctype html><html lang="{t.html_lang}"><body><h2>{html.escape(subject)}</h2><table>{rows}</table>'
            + (f"<h3>{html.escape(t('report.anomalies'))}</h3><ul>"
               + "".join(f"<li>{html.escape(a)}</li>" for a in anomalies) + "</ul>" if anomalies else "")
            + (f"<h3>{html.escape(t('report.top'))}</h3><ol>"
               + "".join(f"<li>{html.escape(x)}</li>" for x in top) + "</ol>" if top else "")
            + f'<p><a href="{html.escape(link)}">{html.escape(t("report.open", link=""))}</a></p></body></html>')
    return subject, text, body


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
