"""Checks on uploaded progress photos: by size and by content, never by file name."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# MPO is how Pillow reads many phone photos (a JPEG with extra frames); it is stored as JPEG.
ALLOWED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def validate_photo(value) -> None:
    """JPEG, PNG or WebP (as Pillow reads the bytes) and at most ``PORTAL_MAX_PHOTO_BYTES``."""
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
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError("无法识别的图片：请上传 JPEG、PNG 或 WebP 格式的照片。", code="not_an_image") from None
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"不支持 {image_format} 格式：请上传 {'、'.join(dict.fromkeys(ALLOWED_FORMATS.values()))} 格式的照片。",
            code="format",
        )
