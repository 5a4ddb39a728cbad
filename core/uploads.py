"""Uploaded files: who may see them, and what is taken out of a photo before it is stored.

Every upload is served by one view (``portal.views.media``) that asks ``visibility()`` here. An
app registers each of its file fields once (in ``AppConfig.ready()``) with a filter that narrows
its rows to the public ones::

    register_upload(UpdatePhoto, "image", public=lambda rows: rows.filter(update__in=...public()))

A file is then public when a public row holds it, visible to a staff user when a row holds it
that their scope reaches (``scoped_for``), and a 404 to everyone else. The smaller copies of a
photo (``resized``) are file fields of the same row, registered the same way, so they follow it; an
older easy-thumbnails thumbnail (under ``THUMBNAIL_BASEDIR``) follows the file it was made from. A
name no registered row holds — an old file, a typo, ``../`` — is a 404 too, so nothing outside the
registered uploads is served.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from django.core.files.base import ContentFile
from django.db import models
from PIL import Image, ImageOps

# Pillow reads many phone photos (portrait mode, several frames) as MPO; they are stored as JPEG.
STORED_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
ORIENTATION = 0x0112  # the EXIF tag


class Visibility(Enum):
    PUBLIC = "public"
    STAFF = "staff"


@dataclass(frozen=True)
class Upload:
    model: type[models.Model]
    field: str
    public: Callable[[models.QuerySet], models.QuerySet]


_UPLOADS: list[Upload] = []


def register_upload(
    model: type[models.Model], field: str, *, public: Callable[[models.QuerySet], models.QuerySet]
) -> None:
    if not any(u.model is model and u.field == field for u in _UPLOADS):
        _UPLOADS.append(Upload(model, field, public))


def clean_name(path: str) -> str | None:
    """The storage name a URL path asks for, or None for anything that tries to leave the
    media folder."""
    name = posixpath.normpath(path)
    if name.startswith(("/", "..")) or "\\" in name or "\x00" in name or name in (".", ""):
        return None
    return name


def _source_of(name: str) -> str:
    """The file a thumbnail was made from (easy-thumbnails records it); any other name is its own."""
    from easy_thumbnails.models import Thumbnail

    source = Thumbnail.objects.filter(name=name).values_list("source__name", flat=True).first()
    return source or name


def visibility(user, name: str) -> Visibility | None:
    """Who may see the stored file ``name``: anyone, staff whose scope covers it, or (None) nobody
    asking now."""
    source = _source_of(name)
    for upload in _UPLOADS:
        rows = upload.model._default_manager.filter(**{upload.field: source})
        if upload.public(rows).exists():
            return Visibility.PUBLIC
        if getattr(user, "is_staff", False) and rows.scoped_for(user).exists():
            return Visibility.STAFF
    return None


def without_metadata(upload) -> ContentFile:
    """The photo re-encoded without its EXIF, XMP and comments — the GPS position above all, so a
    phone photo does not publish where it was taken. The pixels are turned upright first, since
    the orientation tag goes too; the colour profile is kept."""
    upload.seek(0)
    with Image.open(upload) as original:
        stored_format = STORED_FORMAT[original.format]
        icc_profile = original.info.get("icc_profile")
        image = ImageOps.exif_transpose(original)
        options: dict = {"icc_profile": icc_profile} if icc_profile else {}
        if stored_format == "JPEG":
            if image.mode not in ("RGB", "L", "CMYK"):
                image = image.convert("RGB")
            options |= {"quality": 90, "optimize": True}
        elif stored_format == "WEBP":
            options |= {"quality": 90}
        buffer = io.BytesIO()
        # Pillow writes EXIF and XMP only when they are passed in: nothing of the original's is.
        image.save(buffer, format=stored_format, **options)
    upload.seek(0)
    return ContentFile(buffer.getvalue(), name=posixpath.basename(upload.name or "photo"))


def fitted(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The size of a ``width`` × ``height`` picture scaled down, keeping its proportions, to fit
    in ``box``; a picture that already fits keeps its size (nothing is enlarged)."""
    scale = min(box[0] / width, box[1] / height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class Resized:
    width: int  # of the picture resized from
    height: int
    files: dict[str, ContentFile]  # by the name its box was given under


def resized(source, boxes: dict[str, tuple[int, int]], *, name: str, quality: int = 80) -> Resized:
    """Smaller copies of a stored photo for the web: for each named box a progressive JPEG that
    fits in it (``fitted``), named ``<name>-<box name>.jpg``. Made from a photo already stripped
    by ``without_metadata``, and written with nothing but the pixels and the colour profile, so
    they carry no EXIF or GPS either. A transparent PNG or WebP is laid on white."""
    source.seek(0)
    with Image.open(source) as original:
        # The size upright (a photo stored before it was stripped may still carry the tag).
        width, height = original.size
        turned = original.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
        if turned:
            width, height = height, width
        sizes = {box_name: fitted(width, height, box) for box_name, box in boxes.items()}
        # A JPEG is decoded straight at 1/2, 1/4 or 1/8 of its size when that still covers the
        # largest copy: several times faster than decoding all of a camera's pixels.
        needed = (max(w for w, _ in sizes.values()), max(h for _, h in sizes.values()))
        original.draft("RGB", needed[::-1] if turned else needed)
        # The colour profile describes the copies only when their pixels are in its colour space.
        same_space = {"RGB": "RGB", "RGBA": "RGB", "P": "RGB", "PA": "RGB", "L": "L"}.get(original.mode)
        icc_profile = original.info.get("icc_profile")
        image = ImageOps.exif_transpose(original)
        if image.mode in ("RGBA", "LA", "P", "PA"):
            image = image.convert("RGBA")
            on_white = Image.new("RGB", image.size, "white")
            on_white.paste(image, mask=image.getchannel("A"))
            image = on_white
        elif image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        files = {}
        # Largest first: each copy is scaled down from the one before, which is cheaper.
        for box_name, size in sorted(sizes.items(), key=lambda kv: -kv[1][0] * kv[1][1]):
            if image.size != size:
                image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            buffer = io.BytesIO()
            options: dict = {"icc_profile": icc_profile} if icc_profile and image.mode == same_space else {}
            image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True, **options)
            files[box_name] = ContentFile(buffer.getvalue(), name=f"{name}-{box_name}.jpg")
    source.seek(0)
    return Resized(width, height, files)
