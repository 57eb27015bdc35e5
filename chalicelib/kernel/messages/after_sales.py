"""Buyer-facing texts: after_sales (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # why the buyer reports a key
    "after_sales.reason.already_used": {"en": "Already used", "zh-CN": "卡密已被使用"},
    "after_sales.reason.invalid": {"en": "Invalid key", "zh-CN": "卡密无效"},
    "after_sales.reason.other": {"en": "Other", "zh-CN": "其他问题"},
    # a report's status and a key line's status on the order page
    "after_sales.status.replaced": {"en": "Replaced", "zh-CN": "已补发"},
    "after_sales.status.open": {"en": "Waiting for the shop", "zh-CN": "等待商家处理"},
    "after_sales.status.resolved": {"en": "Resolved", "zh-CN": "已处理"},
    "after_sales.status.rejected": {"en": "Declined", "zh-CN": "已驳回"},
    "after_sales.line.reported": {"en": "Reported", "zh-CN": "已反馈"},
    "after_sales.line.replacement": {"en": "Replacement", "zh-CN": "补发卡密"},
    "after_sales.resolved_in": {"en": "Resolved in {duration}", "zh-CN": "{duration}内处理完毕"},
    # why a report waits for the merchant
    "after_sales.review.auto_replace_off": {"en": "this product is replaced by hand",
                                            "zh-CN": "该商品需商家人工处理"},
    "after_sales.review.outside_window": {"en": "the automatic replacement window has passed",
                                          "zh-CN": "已超过自动补发时限"},
    "after_sales.review.replacement_limit": {"en": "this order used its automatic replacements",
                                             "zh-CN": "本订单的自动补发次数已用完"},
    "after_sales.review.out_of_stock": {"en": "no key was left in stock to replace it",
                                        "zh-CN": "库存不足，无法自动补发"},
    # the merchant's alert
    "after_sales.alert.subject": {"en": "Action needed: a key of order {order_id} was reported",
                                  "zh-CN": "售后提醒：订单 {order_id} 的卡密被反馈有问题"},
    "after_sales.alert.intro": {"en": "A buyer reported a key of {product} (order {order_id}).",
                                "zh-CN": "买家反馈了 {product} 的卡密有问题（订单号 {order_id}）。"},
    "after_sales.alert.reason": {"en": "Reason: {reason}", "zh-CN": "原因：{reason}"},
    "after_sales.alert.why": {"en": "It waits for you because {why}.", "zh-CN": "需要您处理：{why}。"},
    "after_sales.alert.buyer": {"en": "Buyer: {email}", "zh-CN": "买家邮箱：{email}"},
    "after_sales.alert.note": {"en": "The buyer wrote: {note}", "zh-CN": "买家留言：{note}"},
    "after_sales.alert.action": {
        "en": "Replace the key, refund or reject with POST /v1/reports/{report_id}/resolve.",
        "zh-CN": "请通过 POST /v1/reports/{report_id}/resolve 补发、退款或驳回。"},
    # the buyer's outcome e-mail
    "after_sales.outcome.subject": {"en": "Your report on order {order_id} was answered",
                                    "zh-CN": "您的售后申请已处理（订单号 {order_id}）"},
    "after_sales.outcome.replaced": {"en": "{shop} sent you a new key for {product}. It is on your order page.",
                                     "zh-CN": "{shop} 已为您补发 {product} 的新卡密，请在订单页面查看。"},
    "after_sales.outcome.auto_replaced": {"en": "{shop} sent you a new key for {product}. It is on your order page.",
                                          "zh-CN": "{shop} 已为您补发 {product} 的新卡密，请在订单页面查看。"},
    "after_sales.outcome.refunded": {"en": "{shop} refunded your order of {product} in full.",
                                     "zh-CN": "{shop} 已为您的 {product} 订单全额退款。"},
    "after_sales.outcome.rejected": {"en": "{shop} looked into your report on {product} and did not replace the key.",
                                     "zh-CN": "{shop} 已核实您对 {product} 的反馈，暂不补发卡密。"},
    "after_sales.outcome.message": {"en": "Message from the shop: {message}", "zh-CN": "商家留言：{message}"},
    "after_sales.outcome.link": {"en": "Your order page: {link}", "zh-CN": "订单页面：{link}"},
}
