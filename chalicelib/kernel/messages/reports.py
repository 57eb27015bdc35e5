"""The shop's reports in words: e-mail, anomalies, console (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "report.subject.daily": {"en": "{shop}: daily report for {period}", "zh-CN": "{shop}：{period} 日报"},
    "report.subject.weekly": {"en": "{shop}: weekly report, {period}", "zh-CN": "{shop}：周报（{period}）"},
    "report.subject.monthly": {"en": "{shop}: monthly report, {period}", "zh-CN": "{shop}：月报（{period}）"},
    "report.revenue": {"en": "Revenue", "zh-CN": "营收"},
    "report.margin": {"en": "Margin (sales with a known cost)", "zh-CN": "毛利（已知成本的销售）"},
    "report.orders": {"en": "Orders", "zh-CN": "订单"},
    "report.units": {"en": "Keys sold", "zh-CN": "售出卡密"},
    "report.refund_rate": {"en": "Refund rate", "zh-CN": "退款率"},
    "report.buyers": {"en": "Buyers", "zh-CN": "买家"},
    "report.buyers_split": {"en": "{new} new, {returning} returning", "zh-CN": "新客 {new}，回头客 {returning}"},
    "report.anomalies": {"en": "Out of the ordinary", "zh-CN": "异常波动"},
    "report.top": {"en": "Top products", "zh-CN": "热销商品"},
    "report.open": {"en": "Open the full report: {link}", "zh-CN": "查看完整报表：{link}"},
    "report.metric.orders": {"en": "orders", "zh-CN": "订单数"},
    "report.metric.units": {"en": "keys sold", "zh-CN": "售出卡密数"},
    "report.metric.refunds": {"en": "refunds", "zh-CN": "退款数"},
    "report.metric.revenue": {"en": "revenue", "zh-CN": "营收"},
    "report.anomaly.high": {"en": "{weekday} {day}: {what} {value}, far above a usual {weekday} (median {median}, "
                                  "{z} robust z)",
                            "zh-CN": "{day}（{weekday}）：{what} {value}，远高于往常的{weekday}（中位数 {median}，稳健 z 值 {z}）"},
    "report.anomaly.low": {"en": "{weekday} {day}: {what} {value}, far below a usual {weekday} (median {median}, "
                                 "{z} robust z)",
                           "zh-CN": "{day}（{weekday}）：{what} {value}，远低于往常的{weekday}（中位数 {median}，稳健 z 值 {z}）"},
    "report.anomaly.high_flat": {"en": "{weekday} {day}: {what} {value}, above the {median} of each of the last {n} "
                                       "{weekday}s",
                                 "zh-CN": "{day}（{weekday}）：{what} {value}，高于过去 {n} 个{weekday}一直保持的 {median}"},
    "report.anomaly.low_flat": {"en": "{weekday} {day}: {what} {value}, below the {median} of each of the last {n} "
                                      "{weekday}s",
                                "zh-CN": "{day}（{weekday}）：{what} {value}，低于过去 {n} 个{weekday}一直保持的 {median}"},
    "report.weekday.0": {"en": "Monday", "zh-CN": "周一"},
    "report.weekday.1": {"en": "Tuesday", "zh-CN": "周二"},
    "report.weekday.2": {"en": "Wednesday", "zh-CN": "周三"},
    "report.weekday.3": {"en": "Thursday", "zh-CN": "周四"},
    "report.weekday.4": {"en": "Friday", "zh-CN": "周五"},
    "report.weekday.5": {"en": "Saturday", "zh-CN": "周六"},
    "report.weekday.6": {"en": "Sunday", "zh-CN": "周日"},
}
