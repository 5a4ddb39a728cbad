"""Opening hours: regular week with a lunch break, statutory holidays, 调休 workdays, exceptions."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from organizations.models import OpeningException, OpeningInterval, ServiceCenter
from organizations.opening import (
    Hours,
    day_schedule,
    is_open_at,
    next_opening,
    open_until,
    status,
    status_text,
    week,
)

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


# --- when it opens next, as a card says it ---------------------------------------------------------


def early():
    """Mon–Fri 08:30–12:00 + 14:00–17:30, Sat 08:30–12:00, Sun closed."""
    return hours(
        weekly={day: [(time(8, 30), time(12)), (time(14), time(17, 30))] for day in range(5)}
        | {5: [(time(8, 30), time(12))]}
    )


def test_at_night_the_centre_opens_tomorrow_morning():
    # 2026-11-23 is a Monday
    state = status(early(), at(2026, 11, 23, 23))
    assert (state.is_open, state.badge, state.detail) == (False, "已闭馆", "明天 08:30 开放")
    assert state.next_opening == at(2026, 11, 24, 8, 30)


def test_after_midnight_it_opens_today():
    assert status(early(), at(2026, 11, 24, 0, 30)).detail == "今天 08:30 开放"


def test_over_the_lunch_break_it_opens_again_this_afternoon():
    state = status(early(), at(2026, 11, 23, 12, 30))
    assert (state.badge, state.detail) == ("已闭馆", "今天 14:00 开放")


def test_while_open_the_card_says_until_when():
    assert open_until(early(), at(2026, 11, 23, 10)) == time(12)
    state = status(early(), at(2026, 11, 23, 10))
    assert (state.is_open, state.badge, state.detail, state.next_opening) == (True, "开放中", "开放至 12:00", None)
    assert open_until(early(), at(2026, 11, 23, 12, 30)) is None


def test_saturday_afternoon_wraps_over_the_closed_sunday_to_monday():
    # 2026-11-28 is a Saturday: open the morning only, closed on Sunday
    assert status(early(), at(2026, 11, 28, 13)).detail == "周一 08:30 开放"


def test_a_closed_day_is_skipped():
    # Tuesday 2026-11-24 closed for the day: on Monday night the next opening is Wednesday
    h = early()
    h.exceptions[date(2026, 11, 24)].append(exception(date(2026, 11, 24), closed=True, note="设备检修"))
    assert status(h, at(2026, 11, 23, 23)).detail == "周三 08:30 开放"
    # and special hours on a Sunday open it that day
    h.exceptions[date(2026, 11, 29)].append(exception(date(2026, 11, 29), opens=time(15), closes=time(17)))
    assert status(h, at(2026, 11, 28, 13)).detail == "明天 15:00 开放"


def test_a_week_away_gives_the_date():
    # open on Mondays only: after Monday's hours the next opening is a week later
    h = Hours()
    h.weekly[0] = [(time(8, 30), time(9, 30))]
    assert status(h, at(2026, 11, 23, 10)).detail == "11月30日 周一 08:30 开放"
    # and the National Day holiday (10-01 to 10-07) pushes it past the week
    assert status(hours(), at(2026, 9, 30, 20)).detail == "10月8日 周四 09:00 开放"


def test_days_are_counted_in_shanghai_whatever_the_clock_of_the_caller():
    # 15:00 UTC on Monday is 23:00 in Foshan
    assert status(early(), datetime(2026, 11, 23, 15, tzinfo=ZoneInfo("UTC"))).detail == "明天 08:30 开放"


def test_closed_beyond_the_horizon_and_without_hours():
    h = early()
    for offset in range(16):
        day = date(2026, 11, 23) + timedelta(days=offset)
        h.exceptions[day].append(exception(day, closed=True, note="装修"))
    state = status(h, at(2026, 11, 23, 10))
    assert (state.badge, state.detail, state.next_opening) == ("已闭馆", "近两周不开放", None)
    unknown = status(Hours(), at(2026, 11, 23, 10))
    assert (unknown.known, unknown.badge, unknown.detail) == (False, "开放时间待公布", "")


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
