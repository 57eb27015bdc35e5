"""The operations platform's messages to merchants: stock alerts (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "insights.alert.subject": {"en": "Stock alert: {count} product(s) need keys", "zh-CN": "库存提醒：{count} 个商品需要补货"},
    "insights.alert.intro": {"en": "{shop}: {count} product(s) will run out soon or have run out.",
                             "zh-CN": "{shop}：{count} 个商品即将售罄或已售罄。"},
    "insights.alert.out": {"en": "{product}: out of stock — buyers cannot buy it now.",
                           "zh-CN": "{product}：已售罄，买家现在无法购买。"},
    "insights.alert.critical": {"en": "{product}: {available} left, about {days} days of sales (safety line {line}).",
                                "zh-CN": "{product}：剩余 {available} 个，约可售 {days} 天（安全线 {line}）。"},
    "insights.alert.low": {"en": "{product}: {available} left, about {days} days of sales (safety line {line}).",
                           "zh-CN": "{product}：剩余 {available} 个，约可售 {days} 天（安全线 {line}）。"},
    "insights.alert.action": {"en": "Import keys in the console (Products → Keys) to keep selling.",
                              "zh-CN": "请在控制台（商品 → 卡密）导入卡密以免断货。"},
}
