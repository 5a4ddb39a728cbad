"""Dates, times and figures the Chinese way, for the public pages."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from core import dates

register = template.Library()


@register.filter
def cn_date(value: date | datetime | None, style: str = "") -> str:
    """2023年2月17日; ``"week"``: 2023年2月17日 周五; ``"short"``: 2月17日 周五 and ``"day"``:
    2月17日 — with the year whenever the date is not of this year (``core.dates``)."""
    return dates.cn_date(value, style)


@register.filter
def cn_time(value: datetime | None) -> str:
    if not value:
        return ""
    return f"{timezone.localtime(value):%H:%M}" if timezone.is_aware(value) else f"{value:%H:%M}"


@register.filter
def stars(count: int | None) -> str:
    """★★★☆☆ for 3 of 5."""
    count = int(count or 0)
    return "★" * count + "☆" * (5 - count)


STAR_WORDS = {1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


@register.filter
def star_word(count: int | None) -> str:
    """四星 for 4."""
    return STAR_WORDS.get(int(count or 0), "")
