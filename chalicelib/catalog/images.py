"""Product images: which files a shop may upload, where they live in the media bucket, and the media port."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

# Raster types only: an SVG can carry script, and a browser shows these four everywhere.
TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
MAX_BYTES = 2 * 1024 * 1024  # the storefront's page budget: a product image is shown at 640 px at most
UPLOAD_SECONDS = 600  # how long a presigned form stays good
_KEY = re.compile(r"^products/(?P<tenant>[A-Za-z0-9_]{1,64})/(?P<product>prd_[A-Za-z0-9_]{1,60})/"
                  r"(?P<name>img_[A-Za-z0-9]{26})\.(?P<ext>png|jpg|webp|gif)$")
# The first bytes each type starts with: an object stored as image/png must be a PNG.
MAGIC = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
         "image/gif": (b"GIF87a", b"GIF89a"), "image/webp": (b"RIFF",)}


@dataclass(frozen=True)
class UploadForm:
    """What the browser posts straight to the bucket: the form's address and its signed fields."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    head: bytes  # the object's first bytes (its signature)


def object_key(tenant_id: str, product_id: str, image_id: str, content_type: str) -> str:
    return f"products/{tenant_id}/{product_id}/{image_id}.{TYPES[content_type]}"


def owns(key: str, tenant_id: str, product_id: str) -> bool:
    """Whether `key` is an image key of this product of this shop (so no shop attaches another's object)."""
    found = _KEY.fullmatch(key)
    return bool(found and found["tenant"] == tenant_id and found["product"] == product_id)


def looks_like(obj: StoredObject) -> bool:
    """The stored bytes start as their declared type does (WebP: RIFF....WEBP)."""
    starts = MAGIC.get(obj.content_type, ())
    if not any(obj.head.startswith(s) for s in starts):
        return False
    return obj.content_type != "image/webp" or obj.head[8:12] == b"WEBP"


class MediaStore(Protocol):
    def upload_form(self, *, key: str, content_type: str, max_bytes: int, redirect: str | None,
                    expires_in: int) -> UploadForm: ...
    def stat(self, key: str) -> StoredObject | None: ...
    def delete(self, key: str) -> None: ...
    def public_url(self, key: str) -> str: ...
    def key_of(self, url: str) -> str | None:
        """The key of an image this store serves at `url`; None for any other address."""
        ...
