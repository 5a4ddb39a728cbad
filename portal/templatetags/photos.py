"""Progress photos on a page: the small copy first, never the camera's original."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The width of a photo in the timelines (``.photos img`` in site.css).
TIMELINE_SIZES = "9rem"


@register.simple_tag
def photo(photo, *, link: str = "display", lazy: bool = True):
    """A progress photo as a link around its thumbnail. The ``srcset`` offers the thumbnail
    (480 px wide, what a 9rem image needs on a phone of three device pixels per CSS pixel) and
    the display copy (1280 px) for screens that need more; ``width``/``height`` keep its place
    while it loads. The link opens the display copy, or with ``link="original"`` (staff pages) the
    file as uploaded. Everything comes from the row: no query, no file opened. A photo whose
    copies are not made yet (``manage.py photo_sizes``) is a text link, never the original as an
    image: a phone photo is several MB."""
    alt = photo.caption or "进展照片"
    href = photo.image.url if link == "original" else (photo.display.url if photo.has_sizes else "")
    if not photo.has_sizes:
        if href:
            return format_html('<a class="photo-pending" href="{}">{}（原图）</a>', href, alt)
        return format_html('<span class="photo-pending">{}（处理中）</span>', alt)
    thumb_width, thumb_height = photo.thumb_size
    display_width = photo.display_size[0]
    srcset = f"{photo.thumb.url} {thumb_width}w"
    if display_width > thumb_width:
        srcset += f", {photo.display.url} {display_width}w"
    title = "查看原图" if link == "original" else "查看大图"
    return format_html(
        '<a href="{}" title="{}"><img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}></a>',
        href,
        title,
        photo.thumb.url,
        srcset,
        TIMELINE_SIZES,
        thumb_width,
        thumb_height,
        alt,
        mark_safe(' loading="lazy" decoding="async"') if lazy else "",
    )
