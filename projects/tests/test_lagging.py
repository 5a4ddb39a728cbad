"""The 滞后 rule: worked examples, and the database rendering agreeing with the Python one."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import lagging
from projects.models import SecretaryProject, WorkItem
from projects.selectors import items_with_lagging, projects_with_lagging

from .factories import SecretaryProjectFactory, WorkItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _margin(settings):
    settings.PROJECTS_LAG_MARGIN = 15


def judge(percent, last, today, year=2023):
    return lagging.judge(percent=percent, last_update_on=last, year=year, today=today)


def test_quarters_start_in_beijing_time():
    # 2023-03-31 17:30 UTC is already 1 April in Beijing: the second quarter has begun.
    instant = datetime(2023, 3, 31, 17, 30, tzinfo=ZoneInfo("UTC"))
    today = lagging.today_in_beijing(instant)
    assert today == date(2023, 4, 1)
    assert lagging.quarter_start(today) == date(2023, 4, 1)
    assert lagging.quarter_of(date(2023, 12, 31)) == 4
    assert lagging.quarter_start(date(2023, 2, 28)) == date(2023, 1, 1)


def test_share_of_the_year():
    assert lagging.year_share(date(2023, 12, 31), 2023) == 1
    assert lagging.year_share(date(2024, 12, 31), 2024) == 1  # a leap year has 366 days
    assert lagging.year_share(date(2023, 7, 2), 2023) == Decimal(183) / Decimal(365)
    assert lagging.year_share(date(2022, 7, 2), 2023) == 0
    assert lagging.year_share(date(2024, 1, 1), 2023) == 1


def test_no_update_this_quarter_is_lagging():
    # 1 July: updated on 30 June (last quarter) → lagging; 1 July → not (50 % ≥ 49.9 − 15)
    assert judge(50, date(2023, 6, 30), date(2023, 7, 1)).no_update_this_quarter
    assert not judge(50, date(2023, 7, 1), date(2023, 7, 1)).lagging
    assert judge(50, None, date(2023, 7, 1)).lagging


def test_percent_behind_the_year_by_more_than_the_margin_is_lagging():
    today = date(2023, 7, 2)  # 183/365 = 50.14 % elapsed; floor = ceil(35.14) = 36
    assert lagging.percent_floor(today, 2023) == 36
    verdict = judge(35, today, today)
    assert verdict.behind_schedule and verdict.lagging and verdict.expected_percent == 50
    assert not judge(36, today, today).lagging
    assert "进度落后" in verdict.reasons[0]


def test_finished_future_and_closed_years():
    assert not judge(100, None, date(2023, 11, 1)).lagging  # done is never lagging
    assert not judge(0, None, date(2022, 11, 1)).lagging  # its year has not begun
    # a closed year: "this quarter" no longer applies, only the 100 − margin floor
    assert not judge(85, date(2023, 5, 1), date(2024, 3, 1)).lagging
    assert judge(84, date(2023, 12, 30), date(2024, 3, 1)).lagging


def test_the_margin_comes_from_settings(settings):
    today = date(2023, 7, 2)
    settings.PROJECTS_LAG_MARGIN = 40
    assert not judge(20, today, today).lagging
    settings.PROJECTS_LAG_MARGIN = 5
    assert judge(44, today, today).lagging


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    percent=st.integers(0, 100),
    last_offset=st.one_of(st.none(), st.integers(0, 700)),
    year=st.integers(2022, 2024),
    today=st.dates(min_value=date(2022, 1, 1), max_value=date(2025, 12, 31)),
)
def test_the_database_condition_agrees_with_the_python_rule(guicheng, percent, last_offset, year, today):
    last = None if last_offset is None else date(year, 1, 1) + timedelta(days=last_offset)
    with transaction.atomic():
        project = SecretaryProjectFactory(year=year)
        item = WorkItemFactory(theme__plan__street=guicheng, theme__plan__year=year)
        SecretaryProject.objects.filter(pk=project.pk).update(percent=percent, last_update_on=last)
        WorkItem.objects.filter(pk=item.pk).update(percent=percent, last_update_on=last)
        expected = lagging.is_lagging(percent=percent, last_update_on=last, year=year, today=today)

        assert projects_with_lagging(today=today).get(pk=project.pk).is_lagging is expected
        assert items_with_lagging(today=today).get(pk=item.pk).is_lagging is expected
        assert SecretaryProject.objects.filter(lagging.lagging_q(today), pk=project.pk).exists() is expected
        transaction.set_rollback(True)
