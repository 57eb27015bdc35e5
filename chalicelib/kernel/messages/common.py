"""Buyer-facing texts shared by every storefront page (English and Simplified Chinese)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "common.skip": {"en": "Skip to content", "zh-CN": "跳到正文"},
    "common.language": {"en": "Language", "zh-CN": "语言"},
    "common.announcement": {"en": "Notice:", "zh-CN": "公告："},
    "common.find_order": {"en": "Find my order", "zh-CN": "查询订单"},
    "common.support": {"en": "Support", "zh-CN": "客服"},
    "common.back_to_shop": {"en": "Back to the shop", "zh-CN": "返回店铺"},
    "common.not_found_title": {"en": "Not found", "zh-CN": "页面不存在"},
    "shop.search_label": {"en": "Search products", "zh-CN": "搜索商品"},
    "shop.search_placeholder": {"en": "Search products", "zh-CN": "搜索商品名称"},
    "shop.search": {"en": "Search", "zh-CN": "搜索"},
    "shop.categories": {"en": "Categories", "zh-CN": "商品分类"},
    "shop.all": {"en": "All", "zh-CN": "全部"},
    "shop.results": {"en": "{count} result(s) for “{query}”", "zh-CN": "“{query}”的搜索结果：{count} 个"},
    "shop.no_match": {"en": "Nothing matches. Try another word or category.",
                      "zh-CN": "没有找到匹配的商品，换个关键词或分类试试。"},
    "shop.empty": {"en": "Nothing on sale right now.", "zh-CN": "店铺暂无在售商品。"},
    "shop.buy": {"en": "Buy", "zh-CN": "购买"},
    "shop.buy_named": {"en": "Buy {name}", "zh-CN": "购买 {name}"},
    "shop.sold_out": {"en": "Sold out", "zh-CN": "已售罄"},
    "stock.in_stock": {"en": "In stock", "zh-CN": "有货"},
    "stock.low": {"en": "Only a few left", "zh-CN": "库存紧张"},
    "stock.sold_out": {"en": "Sold out", "zh-CN": "已售罄"},
    "stock.count": {"en": "{count} in stock", "zh-CN": "库存 {count}"},
    "stock.low_count": {"en": "Only {count} left", "zh-CN": "仅剩 {count} 件"},
}
