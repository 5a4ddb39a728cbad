"""Checks on uploaded progress photos: by size and by content, never by file name."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# MPO is how Pillow reads many phone photos (a JPEG with extra frames); it is stored as JPEG.
ALLOWED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Photos one progress update may carry, in the workspace as in the API.
MAX_PHOTOS_PER_UPDATE = 9


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _too_large(width: int | None = None, height: int | None = None) -> ValidationError:
    limit = settings.PORTAL_MAX_PHOTO_PIXELS
    this = f"（这张 {width}×{height}）" if width and height else ""
    return ValidationError(
        f"图片尺寸过大：照片不能超过 {limit / 10_000:.0f} 万像素{this}，请缩小后再上传。", code="too_many_pixels"
    )


def validate_photo(value) -> None:
    """JPEG, PNG or WebP (as Pillow reads the bytes), at most ``PORTAL_MAX_PHOTO_BYTES`` and
    ``PORTAL_MAX_PHOTO_PIXELS``. Nothing is decoded here: ``Image.open`` reads the header only,
    and Pillow itself only warns below 179 M pixels, so the size is checked before any later
    step (``verify``, re-encoding without metadata, thumbnails) could load the pixels."""
    if value is None:
        return
    if getattr(value, "_committed", False):
        # A photo already in storage was checked when it was uploaded.
        return
    limit = settings.PORTAL_MAX_PHOTO_BYTES
    size = getattr(value, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"照片不能超过 {_megabytes(limit)}（这张约 {size / (1024 * 1024):.1f} MB）。", code="too_big"
        )
    file = getattr(value, "file", value)
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            if width * height > settings.PORTAL_MAX_PHOTO_PIXELS:
                raise _too_large(width, height)
            image.verify()
    except Image.DecompressionBombError:
        # Over twice Pillow's own limit: refused by ``open`` before it says how large.
        raise _too_large() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError("无法识别的图片：请上传 JPEG、PNG 或 WebP 格式的照片。", code="not_an_image") from None
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"不支持 {image_format} 格式：请上传 {'、'.join(dict.fromkeys(ALLOWED_FORMATS.values()))} 格式的照片。",
            code="format",
        )


class PhotoFormField(forms.ImageField):
    """Django's image field, but ``validate_photo`` runs first: the field's own ``Image.open``
    answers a picture too large for Pillow with "not an image", hiding why it was refused."""

    def to_python(self, data):
        if data not in self.empty_values:
            validate_photo(data)
        return super().to_python(data)
