"""Merchant console texts: a product's image (upload straight to the media bucket, replace, remove)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "console.image.title": {"en": "Image", "zh-CN": "商品图片"},
    "console.image.none": {"en": "No image yet: the shop shows the product without one.",
                           "zh-CN": "还没有图片，店铺中将不显示商品图。"},
    "console.image.alt": {"en": "{name}: the product image", "zh-CN": "{name} 的商品图片"},
    "console.image.choose": {"en": "Upload an image", "zh-CN": "上传图片"},
    "console.image.replace": {"en": "Replace the image", "zh-CN": "更换图片"},
    "console.image.hint": {"en": "PNG, JPEG, WebP or GIF, at most {mb} MB; 1280 × 720 looks sharp in the shop.",
                           "zh-CN": "PNG、JPEG、WebP 或 GIF，不超过 {mb} MB；建议 1280 × 720。"},
    "console.image.uploading": {"en": "Uploading {name}…", "zh-CN": "正在上传 {name}…"},
    "console.image.wrong_type": {"en": "{name} is not a PNG, JPEG, WebP or GIF image.",
                                 "zh-CN": "{name} 不是 PNG、JPEG、WebP 或 GIF 图片。"},
    "console.image.too_big": {"en": "{name} is larger than {mb} MB: save it smaller and try again.",
                              "zh-CN": "{name} 超过 {mb} MB，请压缩后重试。"},
    "console.image.failed": {"en": "The upload could not start: {reason}", "zh-CN": "无法开始上传：{reason}"},
    "console.image.remove": {"en": "Remove the image", "zh-CN": "删除图片"},
    "console.products.saved_image": {"en": "Image saved: the shop shows it now.", "zh-CN": "图片已保存，店铺中已显示。"},
    "console.products.saved_image_removed": {"en": "Image removed.", "zh-CN": "图片已删除。"},
    "console.image.error_image_not_uploaded": {
        "en": "The image did not arrive (the upload failed or its form expired): choose the file again.",
        "zh-CN": "图片没有上传成功（上传失败或表单已过期），请重新选择文件。"},
    "console.image.error_image_rejected": {
        "en": "That file is not a PNG, JPEG, WebP or GIF image of at most 2 MB, so it was not used.",
        "zh-CN": "该文件不是不超过 2 MB 的 PNG、JPEG、WebP 或 GIF 图片，未被使用。"},
    "console.image.error_other": {"en": "The image could not be saved; try again.", "zh-CN": "图片保存失败，请重试。"},
}
