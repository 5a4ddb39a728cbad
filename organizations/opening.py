"""Opening hours, the Chinese way: the one function behind “开放中 / 已闭馆” and the week shown.

A centre's regular week has several intervals per day (e.g. 09:00–12:00 and 14:00–18:00). On top:
1. a dated exception (closed, or special hours) overrides everything;
2. a statutory holiday (法定节假日) closes the centre;
3. a 调休 Saturday or Sunday is a working day that follows the weekday it replaces: the n-th
   make-up workday of a holiday follows the n-th weekday that holiday gave off in lieu;
4. otherwise the regular week applies.
chinese-calendar knows only years already announced; for a later year rules 2 and 3 cannot
apply and the regular week is used (``DaySchedule.calendar_known`` says so).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as calendar_data
from django.conf import settings

from core.dates import WEEKDAYS, cn_date

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class DaySchedule:
    day: date
    intervals: tuple[tuple[time, time], ...]
    note: str = ""  # why the day differs from the regular week, in Chinese
    calendar_known: bool = True

    @property
    def is_closed(self) -> bool:
        return not self.intervals

    @property
    def label(self) -> str:
        if self.is_closed:
            return "闭馆"
        return "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.intervals)


@dataclass
class Hours:
    """A centre's hours as plain data, so one page can compute many centres without queries."""

    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    exceptions: dict[date, list] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, center) -> Hours:
        """Reads ``opening_intervals`` and ``opening_exceptions``; prefetch them for lists."""
        hours = cls()
        for interval in center.opening_intervals.all():
            hours.weekly[interval.weekday].append((interval.opens_at, interval.closes_at))
        for exception in center.opening_exceptions.all():
            hours.exceptions[exception.date].append(exception)
        for intervals in hours.weekly.values():
            intervals.sort()
        return hours


@lru_cache(maxsize=64)
def _makeup_weekday(day: date) -> int | None:
    """The weekday a 调休 workday follows, or None when ``day`` is not a make-up workday."""
    holiday = calendar_data.workdays.get(day)
    if holiday is None or day.weekday() < 5:
        return None
    same = sorted(d for d, h in calendar_data.workdays.items() if h == holiday and abs((d - day).days) < 60)
    off = sorted(d for d, h in calendar_data.in_lieu_days.items() if h == holiday and abs((d - day).days) < 60)
    if not off:
        return 0  # no in-lieu day recorded: work as on a Monday
    index = same.index(day)
    return off[min(index, len(off) - 1)].weekday()


def day_schedule(hours: Hours, day: date) -> DaySchedule:
    exceptions = hours.exceptions.get(day)
    if exceptions:
        note = "；".join(e.note for e in exceptions if e.note) or "特殊安排"
        if any(e.is_closed for e in exceptions):
            return DaySchedule(day, (), note)
        return DaySchedule(day, tuple(sorted((e.opens_at, e.closes_at) for e in exceptions)), note)
    try:
        is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return DaySchedule(day, tuple(hours.weekly.get(day.weekday(), ())), calendar_known=False)
    if is_holiday and holiday is not None:
        name = HOLIDAY_NAMES.get(getattr(holiday, "value", holiday), str(holiday))
        return DaySchedule(day, (), f"{name}假期闭馆")
    makeup = _makeup_weekday(day)
    if makeup is not None:
        return DaySchedule(day, tuple(hours.weekly.get(makeup, ())), f"调休上班（按{WEEKDAYS[makeup]}时间）")
    return DaySchedule(day, tuple(hours.weekly.get(day.weekday(), ())))


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def is_open_at(hours: Hours, moment: datetime) -> bool:
    local = _local(moment)
    schedule = day_schedule(hours, local.date())
    now = local.time()
    return any(opens <= now < closes for opens, closes in schedule.intervals)


def next_opening(hours: Hours, moment: datetime, *, horizon_days: int = 14) -> datetime | None:
    """The next moment the centre opens (strictly after ``moment``), within ``horizon_days``."""
    local = _local(moment)
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        for opens, _ in day_schedule(hours, day).intervals:
            start = datetime.combine(day, opens, tzinfo=local.tzinfo)
            if start > local:
                return start
    return None


def open_until(hours: Hours, moment: datetime) -> time | None:
    """When the interval open at ``moment`` closes, or None when the centre is closed then."""
    local = _local(moment)
    now = local.time()
    for opens, closes in day_schedule(hours, local.date()).intervals:
        if opens <= now < closes:
            return closes
    return None


def when_text(upcoming: datetime, moment: datetime) -> str:
    """A coming moment as a resident says it: “今天 14:00”, “明天 08:30”, “周一 08:30” within the
    week ahead, “11月30日 周一 09:00” beyond it (days counted in Asia/Shanghai)."""
    upcoming, local = _local(upcoming), _local(moment)
    days = (upcoming.date() - local.date()).days
    clock = f"{upcoming:%H:%M}"
    if days == 0:
        return f"今天 {clock}"
    if days == 1:
        return f"明天 {clock}"
    if 1 < days < 7:
        return f"{WEEKDAYS[upcoming.weekday()]} {clock}"
    return f"{upcoming.month}月{upcoming.day}日 {WEEKDAYS[upcoming.weekday()]} {clock}"


@dataclass(frozen=True)
class Status:
    """What a card says about a centre's hours at one moment."""

    known: bool  # any hours published at all
    is_open: bool
    badge: str  # 开放中 / 已闭馆 / 开放时间待公布
    detail: str  # “开放至 12:00”, “明天 08:30 开放”, “近两周不开放”, or ""
    next_opening: datetime | None  # None while open, when unknown, or beyond the horizon


def status(hours: Hours, moment: datetime) -> Status:
    if not any(hours.weekly.values()) and not hours.exceptions:
        return Status(False, False, "开放时间待公布", "", None)
    closes = open_until(hours, moment)
    if closes is not None:
        return Status(True, True, "开放中", f"开放至 {closes:%H:%M}", None)
    upcoming = next_opening(hours, moment)
    if upcoming is None:
        return Status(True, False, "已闭馆", "近两周不开放", None)
    return Status(True, False, "已闭馆", f"{when_text(upcoming, moment)} 开放", upcoming)


def week(hours: Hours, start: date, *, days: int = 7) -> list[DaySchedule]:
    return [day_schedule(hours, start + timedelta(days=offset)) for offset in range(days)]


def status_text(hours: Hours, moment: datetime) -> str:
    """“开放中” or “已闭馆 · 下次开放 11月24日 周二 09:00”, for badges."""
    if not any(hours.weekly.values()) and not hours.exceptions:
        return "开放时间待公布"
    if is_open_at(hours, moment):
        return "开放中"
    upcoming = next_opening(hours, moment)
    if upcoming is None:
        return "已闭馆"
    return f"已闭馆 · 下次开放 {cn_date(upcoming, 'short', today=_local(moment).date())} {upcoming:%H:%M}"
