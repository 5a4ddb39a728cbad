"""Dates show the year whenever it is not this year — “2023年1月9日”, never a bare “1月9日” for
a date of another year — on the residents' site, in the workspace and on the big screen: one
rule (``core.dates.cn_date``) behind one template filter (``cn_date``)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from core import dates
from organizations import opening
from projects.services import rollups_recompute
from projects.tests.factories import ProgressUpdateFactory, SecretaryProjectFactory, WorkPlanFactory
from volunteers.tests.factories import ActivityFactory

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 5)


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        # a date of this year may leave the year out in the short styles
        (date(2026, 1, 9), "day", "1月9日"),
        (date(2026, 1, 9), "short", "1月9日 周五"),
        # a date of any other year never does
        (date(2023, 1, 9), "day", "2023年1月9日"),
        (date(2023, 1, 9), "short", "2023年1月9日 周一"),
        (date(2027, 1, 2), "short", "2027年1月2日 周六"),
        # the full styles always show it
        (date(2026, 1, 9), "", "2026年1月9日"),
        (date(2023, 1, 9), "week", "2023年1月9日 周一"),
        (None, "day", ""),
    ],
)
def test_the_year_shows_whenever_the_date_is_not_of_this_year(value, style, expected):
    assert dates.cn_date(value, style, today=TODAY) == expected


def test_a_moment_is_dated_in_beijing():
    # 31 December 2025, 17:00 UTC is already 1 January 2026 in Foshan
    moment = datetime(2025, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert dates.cn_date(moment, "day", today=TODAY) == "1月1日"
    assert dates.cn_date(moment.replace(hour=15), "day", today=TODAY) == "2025年12月31日"


def test_the_template_filter_is_the_rule():
    template = Template('{% load portal %}{{ old|cn_date:"day" }}|{{ new|cn_date:"short" }}')
    this_year = timezone.localdate().year
    rendered = template.render(Context({"old": date(2023, 1, 9), "new": date(this_year, 1, 9)}))
    weekday = dates.WEEKDAYS[date(this_year, 1, 9).weekday()]
    assert rendered == f"2023年1月9日|1月9日 {weekday}"


def test_a_centres_next_opening_in_the_new_year_shows_the_year():
    # a centre open only on Tuesdays, looked at on the evening of Wednesday 30 December 2026
    hours = opening.Hours(weekly={1: [(time(9, 0), time(12, 0))]})
    text = opening.status_text(hours, datetime(2026, 12, 30, 20, 0, tzinfo=BEIJING))
    assert text == "已闭馆 · 下次开放 2027年1月5日 周二 09:00"


@pytest.mark.django_db
def test_the_site_the_workspace_and_the_screen_show_last_years_dates_with_the_year(
    client, guicheng, community, guihua_secretary
):
    # given a 2023 project with an update, and an activity of this year
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="老旧小区改造")
    ProgressUpdateFactory(project=project, date=date(2023, 1, 9), text="桂花园东区动工")
    rollups_recompute(project=project)
    WorkPlanFactory(street=guicheng, year=2023, is_public=True)
    ActivityFactory(community=community("桂花社区"), title="长者义剪")

    # then each page dates the 2023 update with its year, never as a bare “1月9日”
    pages = {
        "home": reverse("site:home"),
        "project": reverse("site:project", args=[project.pk]),
        "screen": reverse("screen:home"),
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert "2023年1月9日" in html, name
        assert ">1月9日" not in html and " 1月9日" not in html, name

    client.force_login(guihua_secretary)
    workspace = client.get(reverse("workspace:home")).content.decode()
    assert "最近进展 2023年1月9日" in workspace
    progress = client.get(reverse("workspace:project_progress", args=[project.pk])).content.decode()
    assert "<strong>2023年1月9日 · 40%</strong>" in progress
