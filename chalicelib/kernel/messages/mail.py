"""Buyer e-mails: delivery with keys and order link, refunds, sign-in links (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "mail.delivered.subject": {"en": "Your {product} from {shop} — order {order_id}",
                               "zh-CN": "您在{shop}购买的{product}已发货 — 订单号 {order_id}"},
    "mail.delivered.thanks": {"en": "Thank you for your order at {shop}.", "zh-CN": "感谢您在{shop}下单。"},
    "mail.delivered.keys": {"en": "Your keys:", "zh-CN": "您的卡密："},
    "mail.delivered.link": {"en": "Your order page (keep this e-mail; the link shows your keys again):",
                            "zh-CN": "订单页面（请保存本邮件，打开链接可随时再次查看卡密）："},
    "mail.order_number": {"en": "Order number: {order_id}", "zh-CN": "订单号：{order_id}"},
    "mail.approved.subject": {"en": "Your order {order_id} at {shop} is ready to pay",
                              "zh-CN": "您在{shop}的订单 {order_id} 已通过审核，请付款"},
    "mail.approved.body": {"en": "{shop} has checked your order of {product} × {quantity} and accepted it.\nPay "
                                 "for it on the order page before {deadline} (UTC); your keys are kept for you until "
                                 "then and appear on that page as soon as the payment goes through.",
                           "zh-CN": "{shop}已审核并接受您的订单：{product} × {quantity}。\n请在 {deadline}（UTC）前在订单"
                                    "页面完成付款；卡密会为您保留到那时，付款成功后即在该页面显示。"},
    "mail.rejected.subject": {"en": "Your order {order_id} at {shop} was not accepted",
                              "zh-CN": "您在{shop}的订单 {order_id} 未通过审核"},
    "mail.rejected.body": {"en": "{shop} could not accept your order of {product} × {quantity}.\nNothing was "
                                 "charged. If you think this is a mistake, reply to the shop's support contact.",
                           "zh-CN": "很抱歉，{shop}未能接受您的订单：{product} × {quantity}。\n您没有被扣款。如有疑问，"
                                    "请联系商家客服。"},
    "mail.refunded.subject": {"en": "Your order {order_id} at {shop} was refunded",
                              "zh-CN": "您在{shop}的订单 {order_id} 已退款"},
    "mail.refunded.by_shop": {"en": "{shop} refunded your order of {product}.\nYour payment has been refunded in "
                                    "full; the keys of this order no longer work.",
                              "zh-CN": "{shop}已为您的{product}订单退款。\n款项已全额退回，该订单的卡密已失效。"},
    "mail.refunded.sold_out": {"en": "We are sorry: {product} sold out before your payment arrived.\nYour payment "
                                     "has been refunded in full.",
                               "zh-CN": "很抱歉：您付款时{product}已售罄。\n款项已全额退回。"},
    "mail.login.subject": {"en": "Your sign-in link for {shop}", "zh-CN": "{shop}订单查询登录链接"},
    "mail.login.intro": {"en": "Open this link within 30 minutes to see all your orders at {shop}:",
                         "zh-CN": "请在 30 分钟内打开以下链接，查看您在{shop}的全部订单："},
    "mail.login.ignore": {"en": "If you did not ask for this link, ignore this e-mail: nobody can sign in "
                                "without it.",
                          "zh-CN": "如果不是您本人操作，请忽略本邮件：没有此链接，任何人都无法登录。"},
}
