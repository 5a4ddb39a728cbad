"""Dates the Chinese way, written once for every page, the workspace and the big screen.

A date of this year may leave the year out (“1月9日”); a date of any other year always shows
it (“2023年1月9日”), so last year's records never pass for this year's. “This year” is the
year of ``today`` (Beijing time, the site's time zone, unless given).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# The styles of ``cn_date``: whether the year is always shown, and whether the weekday follows.
STYLES = {
    "": (True, False),  # 2023年2月17日
    "week": (True, True),  # 2023年2月17日 周五
    "short": (False, True),  # 2月17日 周五; 2023年2月17日 周五 when not this year
    "day": (False, False),  # 2月17日; 2023年2月17日 when not this year
}


def local_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def cn_date(value: date | datetime | None, style: str = "", *, today: date | None = None) -> str:
    """``value`` in one of ``STYLES`` (an unknown style is the default); "" for no date."""
    if not value:
        return ""
    always_year, weekday = STYLES.get(style, STYLES[""])
    day = local_day(value)
    this_year = (today or timezone.localdate()).year
    text = f"{day.month}月{day.day}日"
    if always_year or day.year != this_year:
        text = f"{day.year}年{text}"
    if weekday:
        text += f" {WEEKDAYS[day.weekday()]}"
    return text
