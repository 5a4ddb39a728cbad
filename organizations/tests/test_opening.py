"""Opening hours: regular week with a lunch break, statutory holidays, 调休 workdays, exceptions."""

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from organizations.models import OpeningException, OpeningInterval, ServiceCenter
from organizations.opening import Hours, day_schedule, is_open_at, next_opening, status_text, week

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def hours(weekly=None, exceptions=()):
    """Plain hours: Mon–Fri 09:00–12:00 + 14:00–18:00, Sat 09:00–12:00, Sun closed."""
    h = Hours()
    morning, afternoon = (time(9), time(12)), (time(14), time(18))
    for weekday in range(5):
        h.weekly[weekday] = [morning, afternoon]
    h.weekly[5] = [morning]
    for wd, intervals in (weekly or {}).items():
        h.weekly[wd] = intervals
    for e in exceptions:
        h.exceptions[e.date].append(e)
    return h


def exception(day, *, closed=False, opens=None, closes=None, note=""):
    return SimpleNamespace(date=day, is_closed=closed, opens_at=opens, closes_at=closes, note=note)


def test_regular_weekday_with_lunch_break():
    h = hours()
    # 2026-11-23 is a Monday
    assert is_open_at(h, at(2026, 11, 23, 10))
    assert not is_open_at(h, at(2026, 11, 23, 12, 30))  # lunch break
    assert is_open_at(h, at(2026, 11, 23, 14))
    assert not is_open_at(h, at(2026, 11, 23, 18))  # closing time is exclusive
    assert next_opening(h, at(2026, 11, 23, 12, 30)) == at(2026, 11, 23, 14)


def test_sunday_closed_and_next_opening_is_monday():
    h = hours()
    assert not is_open_at(h, at(2026, 11, 22, 10))
    assert next_opening(h, at(2026, 11, 22, 10)) == at(2026, 11, 23, 9)
    assert status_text(h, at(2026, 11, 22, 10)) == "已闭馆 · 下次开放 11月23日 周一 09:00"


def test_statutory_holiday_closes_a_weekday():
    h = hours()
    # 2026-10-01 (Thursday) is National Day.
    schedule = day_schedule(h, date(2026, 10, 1))
    assert schedule.is_closed
    assert schedule.note == "国庆节假期闭馆"
    assert not is_open_at(h, at(2026, 10, 1, 10))


def test_makeup_saturday_follows_the_weekday_it_replaces():
    # Sunday closed, but give Tuesday (the in-lieu day 2026-10-06 is a Tuesday) its own hours.
    h = hours(weekly={1: [(time(8, 30), time(17, 30))]})
    # 2026-10-10 (Saturday) is the 调休 workday for National Day; the 2nd make-up day follows the
    # 2nd in-lieu day, 2026-10-07 (Wednesday): the regular Wednesday hours.
    saturday = day_schedule(h, date(2026, 10, 10))
    assert saturday.intervals == ((time(9), time(12)), (time(14), time(18)))
    assert saturday.note == "调休上班（按周三时间）"
    # 2026-09-20 (Sunday), the 1st make-up day, follows 2026-10-06 (Tuesday).
    sunday = day_schedule(h, date(2026, 9, 20))
    assert sunday.intervals == ((time(8, 30), time(17, 30)),)
    assert is_open_at(h, at(2026, 9, 20, 16))


def test_dated_exception_overrides_everything():
    closed_monday = exception(date(2026, 11, 23), closed=True, note="场地消杀")
    special_holiday = exception(date(2026, 10, 1), opens=time(9), closes=time(11), note="国庆游园活动")
    h = hours(exceptions=[closed_monday, special_holiday])
    assert not is_open_at(h, at(2026, 11, 23, 10))
    assert day_schedule(h, date(2026, 11, 23)).note == "场地消杀"
    assert is_open_at(h, at(2026, 10, 1, 10))
    assert not is_open_at(h, at(2026, 10, 1, 12))


def test_unannounced_year_falls_back_to_the_regular_week():
    schedule = day_schedule(hours(), date(2099, 10, 1))  # a Thursday, no holiday data yet
    assert not schedule.calendar_known
    assert schedule.intervals == ((time(9), time(12)), (time(14), time(18)))


def test_a_centre_without_hours_says_so():
    assert status_text(Hours(), at(2026, 11, 23, 10)) == "开放时间待公布"


def test_week_has_seven_days_in_order():
    days = week(hours(), date(2026, 9, 28))
    assert [d.day for d in days] == [date(2026, 9, 28 + i) if i < 3 else date(2026, 10, i - 2) for i in range(7)]
    assert [d.is_closed for d in days] == [False, False, False, True, True, True, True]


@pytest.mark.django_db
def test_hours_read_from_the_database(guicheng):
    # given a community centre with the default (demo) week and a closed day
    center = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    OpeningException.objects.create(center=center, date=date(2026, 11, 24), is_closed=True, note="设备检修")
    center = ServiceCenter.objects.prefetch_related("opening_intervals", "opening_exceptions").get(pk=center.pk)
    # when
    h = Hours.of(center)
    # then
    assert OpeningInterval.objects.filter(center=center).count() == 11
    assert is_open_at(h, at(2026, 11, 23, 15))
    assert not is_open_at(h, at(2026, 11, 24, 15))
    assert next_opening(h, at(2026, 11, 23, 19)) == at(2026, 11, 25, 9)
