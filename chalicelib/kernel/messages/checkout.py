"""Buyer-facing texts: the product page and its hosted checkout (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "checkout.how_to_use": {"en": "How to use", "zh-CN": "使用说明"},
    "checkout.sold_out": {"en": "Sold out. Check back later or pick another product.",
                          "zh-CN": "已售罄，请稍后再来或选择其他商品。"},
    "checkout.step_details": {"en": "1. Your details", "zh-CN": "1. 填写信息"},
    "checkout.step_payment": {"en": "2. Payment", "zh-CN": "2. 付款"},
    "checkout.email": {"en": "E-mail for your keys", "zh-CN": "接收卡密的邮箱"},
    "checkout.email_hint": {"en": "We send the keys and your order link here.",
                            "zh-CN": "卡密和订单链接会发送到这个邮箱。"},
    "checkout.email_again": {"en": "E-mail again", "zh-CN": "再次输入邮箱"},
    "checkout.quantity": {"en": "Quantity", "zh-CN": "购买数量"},
    "checkout.quantity_hint": {"en": "{low} to {high} per order", "zh-CN": "每单 {low} 至 {high} 件"},
    "checkout.query_password": {"en": "Query password (optional)", "zh-CN": "查询密码（选填）"},
    "checkout.query_password_hint": {
        "en": "6 to 64 characters. With your order number it lets you find this order again.",
        "zh-CN": "6 至 64 位。凭订单号和查询密码可随时找回本订单。"},
    "checkout.total": {"en": "Total", "zh-CN": "合计"},
    "checkout.continue": {"en": "Continue to payment", "zh-CN": "下一步：付款"},
    "checkout.reserving": {"en": "Reserving your keys…", "zh-CN": "正在为你锁定卡密…"},
    "checkout.countdown": {"en": "Your keys are held for", "zh-CN": "卡密已为你保留，剩余"},
    "checkout.method": {"en": "Payment method", "zh-CN": "支付方式"},
    "checkout.method_card": {"en": "Card", "zh-CN": "银行卡"},
    "checkout.method_alipay": {"en": "Alipay", "zh-CN": "支付宝"},
    "checkout.method_wechat_pay": {"en": "WeChat Pay", "zh-CN": "微信支付"},
    "checkout.card": {"en": "Card", "zh-CN": "银行卡信息"},
    "checkout.pay": {"en": "Pay now", "zh-CN": "立即付款"},
    "checkout.paying": {"en": "Paying…", "zh-CN": "正在付款…"},
    "checkout.start_again": {"en": "Start again", "zh-CN": "重新下单"},
    "checkout.expired": {
        "en": "Your reservation ran out and the keys went back on sale. Start again to reserve new ones.",
        "zh-CN": "保留时间已到，卡密已重新上架。请重新下单锁定卡密。"},
    "checkout.released": {"en": "The keys held for you were released; paying again reserves new ones.",
                          "zh-CN": "为你保留的卡密已释放，再次付款时会重新锁定。"},
    "checkout.retry_after": {"en": "Try again in {seconds} s.", "zh-CN": "请 {seconds} 秒后重试。"},
    "checkout.redirect_wallet": {"en": "Opening the payment app…", "zh-CN": "正在打开支付页面…"},
    "checkout.error.out_of_stock": {
        "en": "Not enough keys left for this quantity. Lower the quantity, or go back to the shop and pick another product.",
        "zh-CN": "库存不足，无法购买这个数量。请减少数量，或返回店铺选择其他商品。"},
    "checkout.error.buyer_limit_reached_day": {
        "en": "One buyer may get at most {limit} of this a day, and this e-mail has reached it. Lower the quantity "
              "or come back tomorrow.",
        "zh-CN": "每位买家每天最多购买 {limit} 个，此邮箱已达上限。请减少数量或明天再来。"},
    "checkout.error.buyer_limit_reached_month": {
        "en": "One buyer may get at most {limit} of this a month, and this e-mail has reached it. Lower the "
              "quantity or come back next month.",
        "zh-CN": "每位买家每月最多购买 {limit} 个，此邮箱已达上限。请减少数量或下月再来。"},
    "checkout.error.buyer_limit_reached_lifetime": {
        "en": "One buyer may get at most {limit} of this in all, and this e-mail has reached it.",
        "zh-CN": "每位买家最多购买 {limit} 个，此邮箱已达上限。"},
    "checkout.error.product_inactive": {"en": "This product is not on sale right now. Go back to the shop.",
                                        "zh-CN": "该商品暂未上架，请返回店铺看看其他商品。"},
    "checkout.error.rate_limited": {"en": "Too many attempts from your network. Wait {seconds} s and try again.",
                                    "zh-CN": "操作太频繁，请等待 {seconds} 秒后再试。"},
    "checkout.error.reservation_expired": {
        "en": "Your reservation ran out. Start again to reserve new keys.",
        "zh-CN": "保留时间已到，请重新下单锁定卡密。"},
    "checkout.error.card_declined": {
        "en": "Your card was declined. Check the details or use another card, then pay again.",
        "zh-CN": "银行卡被拒绝。请核对卡信息或换一张卡后重新付款。"},
    "checkout.error.expired_card": {"en": "Your card has expired. Use another card.",
                                    "zh-CN": "银行卡已过期，请换一张卡。"},
    "checkout.error.incorrect_cvc": {"en": "The security code (CVC) is wrong. Check it and pay again.",
                                     "zh-CN": "安全码（CVC）不正确，请核对后重新付款。"},
    "checkout.error.incorrect_number": {"en": "The card number is wrong. Check it and pay again.",
                                        "zh-CN": "卡号不正确，请核对后重新付款。"},
    "checkout.error.processing_error": {"en": "The card could not be charged just now. Try again in a moment.",
                                        "zh-CN": "暂时无法扣款，请稍后重试。"},
    "checkout.error.payment_failed": {"en": "The payment did not go through. Try again or choose another method.",
                                      "zh-CN": "付款未成功，请重试或换一种支付方式。"},
    "checkout.error.invalid_request": {"en": "Please check the highlighted details.",
                                       "zh-CN": "请检查填写的信息。"},
    "checkout.error.email_mismatch": {"en": "The two e-mail addresses differ. Type the same address twice.",
                                      "zh-CN": "两次输入的邮箱不一致，请重新输入。"},
    "checkout.error.network": {"en": "No connection. Check your network and try again.",
                               "zh-CN": "网络连接失败，请检查网络后重试。"},
    "checkout.error.generic": {"en": "Something went wrong on our side. Try again in a moment.",
                               "zh-CN": "系统繁忙，请稍后重试。"},
    "checkout.also_bought": {"en": "Buyers of this also bought", "zh-CN": "买了它的人还买了"},
}
