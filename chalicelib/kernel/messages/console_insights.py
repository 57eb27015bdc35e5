"""The console's insights pages: the funnel (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "console.nav.insights": {"en": "Insights", "zh-CN": "运营洞察"},
    "console.insights.tab.funnel": {"en": "Funnel", "zh-CN": "转化漏斗"},
    "console.funnel.title": {"en": "Where buyers come from and where they leave", "zh-CN": "买家从哪里来，在哪里离开"},
    "console.funnel.period": {"en": "{first} – {last}", "zh-CN": "{first} 至 {last}"},
    "console.funnel.days": {"en": "{n} days", "zh-CN": "{n} 天"},
    "console.funnel.today": {"en": "Today", "zh-CN": "今天"},
    "console.funnel.step.shop": {"en": "Storefront views", "zh-CN": "店铺浏览"},
    "console.funnel.step.product": {"en": "Product views", "zh-CN": "商品浏览"},
    "console.funnel.step.checkout": {"en": "Checkouts started", "zh-CN": "发起下单"},
    "console.funnel.step.pay": {"en": "Payments started", "zh-CN": "发起支付"},
    "console.funnel.step.paid": {"en": "Paid orders", "zh-CN": "支付成功"},
    "console.funnel.conversion": {"en": "Conversion (paid per product view)", "zh-CN": "转化率（支付/商品浏览）"},
    "console.funnel.leave": {"en": "{pct} % leave here", "zh-CN": "{pct}% 在此离开"},
    "console.funnel.leaks": {"en": "Worth fixing", "zh-CN": "值得优先处理"},
    "console.funnel.leak.device": {"en": "{pct} % leave at {step} on {who} ({overall} % across the shop).",
                                   "zh-CN": "{who} 端有 {pct}% 的买家在{step}离开（全店 {overall}%）。"},
    "console.funnel.leak.channel": {"en": "{pct} % of buyers from {who} leave at {step} ({overall} % across the shop).",
                                    "zh-CN": "来自 {who} 的买家有 {pct}% 在{step}离开（全店 {overall}%）。"},
    "console.funnel.where.product": {"en": "the product page", "zh-CN": "商品页"},
    "console.funnel.where.checkout": {"en": "checkout", "zh-CN": "下单后、支付前"},
    "console.funnel.where.pay": {"en": "the payment step", "zh-CN": "支付环节"},
    "console.funnel.fix.product": {"en": "Check the price, the description and the stock state these buyers see.",
                                   "zh-CN": "检查这些买家看到的价格、说明和库存状态。"},
    "console.funnel.fix.checkout": {"en": "The form may ask too much: try fewer fields or a clearer total.",
                                    "zh-CN": "下单表单可能过于繁琐：精简字段或更清楚地展示总价。"},
    "console.funnel.fix.pay": {"en": "Offer the payment methods these buyers use (Alipay, WeChat Pay on mobile).",
                               "zh-CN": "提供这些买家常用的支付方式（移动端开通支付宝、微信支付）。"},
    "console.funnel.no_leaks": {"en": "No device or channel leaves a step far more often than the shop as a whole.",
                                "zh-CN": "没有哪个设备或渠道在某一步的流失明显高于全店。"},
    "console.funnel.by_device": {"en": "By device", "zh-CN": "按设备"},
    "console.funnel.by_channel": {"en": "By channel", "zh-CN": "按渠道"},
    "console.funnel.who": {"en": "Who", "zh-CN": "来源"},
    "console.funnel.device.mobile": {"en": "Mobile", "zh-CN": "移动端"},
    "console.funnel.device.desktop": {"en": "Desktop", "zh-CN": "电脑端"},
    "console.funnel.channel.direct": {"en": "Direct (no referrer)", "zh-CN": "直接访问"},
    "console.funnel.empty": {"en": "No storefront visits counted in these days yet.",
                             "zh-CN": "这段时间还没有记录到店铺访问。"},
    "console.funnel.how": {
        "en": "Counted first-party on your storefront: no tracking script, no buyer identified. Tag the links you "
              "share with ?utm_source=name (for example ?utm_source=newsletter) to see each campaign as a channel.",
        "zh-CN": "在您的店铺内第一方统计：无第三方脚本，不识别具体买家。给分享的链接加上 ?utm_source=名称"
                 "（例如 ?utm_source=newsletter），即可按渠道查看每次推广的效果。"},
}
