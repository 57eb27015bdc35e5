"""Product images: a presigned form to upload straight to the media bucket, then attaching what arrived (checked
for owner, type, size and signature) to the product, and removing it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalicelib.catalog import images
from chalicelib.catalog.domain import Product
from chalicelib.catalog.images import MAX_BYTES, TYPES, MediaStore, UploadForm
from chalicelib.kernel.errors import InvalidRequest, MediaUnavailable, PayloadTooLarge
from chalicelib.kernel.ids import new_id
from chalicelib.tenancy.domain.roles import Actor, Permission

log = logging.getLogger(__name__)


class ProductImageService:
    def __init__(self, *, catalog: Any, media: MediaStore) -> None:
        self._catalog = catalog  # the CatalogService: every change of a product goes through its versioned save
        self._media = media

    def upload_form(self, *, actor: Actor, tenant_id: str, product_id: str, content_type: Any, size: Any,
                    redirect: Callable[[str], str] | None = None) -> UploadForm:
        """A form the browser posts the file with, straight to the bucket; S3 refuses another type or size.
        `redirect(key)`: where the bucket sends the browser after storing it (none: it answers 201)."""
        actor.require(Permission.CATALOG)
        self._catalog.get(tenant_id=tenant_id, product_id=product_id)  # another shop's product: 404
        if not isinstance(content_type, str) or content_type not in TYPES:
            raise InvalidRequest(f"content_type must be one of {', '.join(TYPES)}", code="unsupported_image_type",
                                 param="content_type")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidRequest("size must be the file's size in bytes", param="size")
        if size > MAX_BYTES:
            raise PayloadTooLarge(f"an image may be at most {MAX_BYTES // (1024 * 1024)} MB; this one is "
                                  f"{size / (1024 * 1024):.1f} MB", code="image_too_large", param="size")
        key = images.object_key(tenant_id, product_id, new_id("image"), content_type)
        return self._media.upload_form(key=key, content_type=content_type, max_bytes=MAX_BYTES,
                                       redirect=redirect(key) if redirect else None,
                                       expires_in=images.UPLOAD_SECONDS)

    def attach(self, *, actor: Actor, tenant_id: str, product_id: str, key: Any) -> Product:
        """Shows the uploaded object as the product's image, once it is known to be this product's, an allowed
        type and size, and really that type; the image it replaces is removed from the bucket."""
        actor.require(Permission.CATALOG)
        current = self._catalog.get(tenant_id=tenant_id, product_id=product_id)
        if not isinstance(key, str) or not images.owns(key, tenant_id, product_id):
            raise InvalidRequest("key is not an image uploaded for this product: ask for an upload form first",
                                 code="image_not_uploaded", param="key")
        stored = self._media.stat(key)
        if stored is None:
            raise InvalidRequest("nothing was uploaded under this key (or the upload failed): upload the file with "
                                 "the form's fields first", code="image_not_uploaded", param="key")
        if stored.content_type not in TYPES or stored.size > MAX_BYTES or not images.looks_like(stored):
            self._forget(key)
            raise InvalidRequest("the uploaded file is not a PNG, JPEG, WebP or GIF image of at most "
                                 f"{MAX_BYTES // (1024 * 1024)} MB", code="image_rejected", param="key")
        updated: Product = self._catalog.patch(actor=actor, tenant_id=tenant_id, product_id=product_id,
                                               body={"image_url": self._media.public_url(key)})
        self._replaced(current.image_url, keep=key)
        return updated

    def remove(self, *, actor: Actor, tenant_id: str, product_id: str) -> Product:
        actor.require(Permission.CATALOG)
        current = self._catalog.get(tenant_id=tenant_id, product_id=product_id)
        if not current.image_url:
            return current  # nothing to remove: a repeat changes nothing
        updated: Product = self._catalog.patch(actor=actor, tenant_id=tenant_id, product_id=product_id,
                                               body={"image_url": None})
        self._replaced(current.image_url, keep=None)
        return updated

    def _replaced(self, old_url: str, *, keep: str | None) -> None:
        old = self._media.key_of(old_url) if old_url else None
        if old and old != keep:
            self._forget(old)

    def _forget(self, key: str) -> None:
        # the product no longer shows it; a failed delete leaves an unreferenced object, never a broken page
        try:
            self._media.delete(key)
        except MediaUnavailable as exc:
            log.warning("image %s left in the bucket: %s", key, exc.__cause__.__class__.__name__ if exc.__cause__
                        else "unknown")
