"""Dates, times and figures the Chinese way, for the public pages."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from organizations.opening import WEEKDAYS

register = template.Library()


@register.filter
def cn_date(value: date | datetime | None, style: str = "") -> str:
    """2023年2月17日 (``"week"``: 2023年2月17日 周五; ``"short"``: 2月17日)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    day = value.date() if isinstance(value, datetime) else value
    text = f"{day.month}月{day.day}日" if style == "short" else f"{day.year}年{day.month}月{day.day}日"
    if style in ("week", "short"):
        text += f" {WEEKDAYS[day.weekday()]}"
    return text


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
