"""The operations platform's messages to merchants: stock alerts, the slow-mover digest (English and Simplified
Chinese)."""

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
    "insights.slow.subject": {"en": "Weekly: {count} product(s) not selling", "zh-CN": "每周提醒：{count} 个商品滞销"},
    "insights.slow.intro": {"en": "{shop}: {count} product(s) have keys in stock and no sale for 30 days or more.",
                            "zh-CN": "{shop}：有 {count} 个商品有库存但 30 天以上没有售出。"},
    "insights.slow.promote": {"en": "{product} ({available} keys): never sold in {days} days — feature it on the "
                                    "shop or in the announcement, and check its price.",
                              "zh-CN": "{product}（{available} 个卡密）：上架 {days} 天从未售出——在店铺或公告中推荐它，并检查定价。"},
    "insights.slow.discount": {"en": "{product} ({available} keys): no sale for {days} days — try a discount.",
                               "zh-CN": "{product}（{available} 个卡密）：{days} 天没有售出——试试打折。"},
    "insights.slow.delist": {"en": "{product} ({available} keys): idle {days} days — delist it, or return the keys "
                                   "to your supplier.",
                             "zh-CN": "{product}（{available} 个卡密）：已闲置 {days} 天——考虑下架，或将卡密退回供应商。"},
    "insights.slow.where": {"en": "The console lists them under Insights → Stock outlook.",
                            "zh-CN": "控制台“运营洞察 → 库存预测”中可查看。"},
}
