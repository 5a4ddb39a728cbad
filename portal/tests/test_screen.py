"""The lobby big screen: one street's public figures, 730 progress, star distribution, this
week's activities and latest updates; nothing unpublished, nothing of another street; no inline
script or style; cached; the page and its refresh endpoint cost the same queries for 2 rows of
each kind as for 50."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import charts, registry
from core.registry import FigureValue
from indicators.tests.factories import PeriodFactory, RatingFactory
from organizations.tests.factories import CommunityFactory, PartyOrganizationFactory, StreetFactory
from portal.screen import views as screen_views
from projects.models import WorkTheme
from projects.services import rollups_recompute
from projects.tests.factories import ProgressUpdateFactory, SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory
from volunteers.tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def _published_period(street, **kwargs):
    now = timezone.now()
    return PeriodFactory(
        scheme__street=street,
        scheme__year=2023,
        status="published",
        closed_at=now,
        published_at=now,
        ratings_computed_at=now,
        **kwargs,
    )


class Board:
    """Public records of every kind the screen shows, ``n`` more each call, in one community."""

    def __init__(self, community, *, year=2023):
        self.community, self.street = community, community.street
        self.plan = WorkPlanFactory(street=self.street, year=year, is_public=True, short_title="桂城党建730")
        self.themes = [WorkTheme.objects.create(plan=self.plan, number=n, title=f"主题{n}") for n in range(1, 8)]
        self.period = _published_period(self.street)
        self.made = 0

    def __call__(self, n: int) -> None:
        for _ in range(n):
            self.made += 1
            theme = self.themes[self.made % 7]
            item = WorkItemFactory(theme=theme, number=self.made)
            ProgressUpdateFactory(project=None, item=item, percent=10 * theme.number, text=f"要点{self.made}推进中")
            RatingFactory(
                period=self.period,
                subject=PartyOrganizationFactory(community=self.community, street=self.street),
                stars=self.made % 5 + 1,
            )
            ActivityFactory(community=self.community, starts_at=timezone.now() + timedelta(days=1, minutes=self.made))
            project = SecretaryProjectFactory(community=CommunityFactory(street=self.street), year=2023)
            ProgressUpdateFactory(project=project, text=f"第{self.made}条进展")
        rollups_recompute(plan=self.plan)  # each item at its update's percent, each theme their mean


# --- what it shows ------------------------------------------------------------------------------


def test_the_screen_shows_the_streets_public_figures_charts_activities_and_updates(client, guicheng, community):
    board = Board(community("桂花社区"))
    board(3)
    ActivityFactory(
        community=community("桂花社区"), title="桂花园长者义剪", starts_at=timezone.now() + timedelta(days=2)
    )

    page = client.get(reverse("screen:home")).content.decode()

    assert "数读桂城街道" in page and "社区" in page
    assert "桂城党建730进度" in page and "7. 主题7" in page and ">40%<" in page
    assert page.count('class="chart-bar star-') == 5  # every star level, zeros included
    assert "共评定 <strong>3</strong> 个党支部" in page
    assert "桂花园长者义剪" in page
    assert "第3条进展" in page
    # the screen's own URL for the street and its refresh endpoint answer the same panels
    assert client.get(reverse("screen:street", args=[guicheng.pk])).status_code == 200
    panels = client.get(reverse("screen:panels", args=[guicheng.pk])).content.decode()
    assert panels.lstrip().startswith('<main id="panels"') and "<html" not in panels
    assert "桂花园长者义剪" in panels


def test_nothing_unpublished_reaches_the_screen(client, guicheng, community):
    guihua = community("桂花社区")
    WorkPlanFactory(street=guicheng, year=2023, is_public=False, title="未公开的计划")
    now = timezone.now()
    closed = PeriodFactory(
        scheme__street=guicheng, status="closed", closed_at=now, ratings_computed_at=now, name="未公布评定期"
    )
    RatingFactory(period=closed, subject=PartyOrganizationFactory(community=guihua, street=guicheng), stars=5)
    ActivityFactory(community=guihua, title="内部培训会", is_public=False, starts_at=timezone.now() + timedelta(days=1))
    hidden = SecretaryProjectFactory(community=guihua, year=2023, is_public=False)
    ProgressUpdateFactory(project=hidden, text="内部进展说明")

    page = client.get(reverse("screen:home")).content.decode()

    for secret in ("未公开的计划", "未公布评定期", "内部培训会", "内部进展说明"):
        assert secret not in page
    assert "还没有公开的“730”工作计划" in page and "还没有公布的评定结果" in page


def test_each_street_has_its_own_screen(client, guicheng, community):
    Board(community("桂花社区"))(2)
    ActivityFactory(community=community("桂花社区"), title="桂城的活动", starts_at=timezone.now() + timedelta(days=1))
    xiqiao = CommunityFactory(street=StreetFactory(name="西樵镇"), name="西樵社区")
    ActivityFactory(community=xiqiao, title="西樵的活动", starts_at=timezone.now() + timedelta(days=1))
    ProgressUpdateFactory(project=SecretaryProjectFactory(community=xiqiao, year=2023), text="西樵的进展")

    guicheng_page = client.get(reverse("screen:street", args=[guicheng.pk])).content.decode()
    xiqiao_page = client.get(reverse("screen:street", args=[xiqiao.street_id])).content.decode()

    assert "桂城的活动" in guicheng_page and "西樵的活动" not in guicheng_page and "西樵的进展" not in guicheng_page
    assert "西樵的活动" in xiqiao_page and "西樵的进展" in xiqiao_page and "桂城的活动" not in xiqiao_page
    assert "数读西樵镇" in xiqiao_page


def test_an_unknown_street_is_not_found(client, guicheng):
    assert client.get(reverse("screen:street", args=[999999])).status_code == 404
    assert client.get(reverse("screen:panels", args=[999999])).status_code == 404


def test_the_screen_runs_no_inline_script_or_style_and_names_its_refresh(client, guicheng, settings):
    settings.SCREEN_REFRESH_SECONDS = 45
    settings.SCREEN_ROTATE_SECONDS = 12

    response = client.get(reverse("screen:home"))
    page = response.content.decode()

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page and not re.search(r"\son[a-z]+=", page)
    assert f'data-refresh-url="{reverse("screen:panels", args=[guicheng.pk])}"' in page
    assert 'data-refresh-seconds="45"' in page
    assert 'data-rotate-seconds="12"' in page
    assert finders.find("portal/screen.js") and finders.find("portal/screen.css")


# --- groups -------------------------------------------------------------------------------------


def test_every_figure_of_the_screen_is_in_one_group_of_a_few_tiles(client, guicheng, community):
    Board(community("桂花社区"))(2)
    figures = [value for value in registry.figures_for(guicheng) if value.computable]

    page = client.get(reverse("screen:home")).content.decode()
    groups = re.findall(r'<section id="group-([\w-]+)"(.*?)</section>', page, flags=re.S)

    # every figure the old one-block screen showed is in exactly one group, with at most eight
    # tiles in a group; the charts and the week's news have a group each, with a button each
    tiles = [re.findall(r'<div class="figure"><dt>(.*?)</dt>', body) for _, body in groups]
    assert sorted(label for group in tiles for label in group) == sorted(f.label for f in figures)
    assert all(len(group) <= screen_views.TILES_PER_GROUP for group in tiles)
    slugs = [slug for slug, _ in groups]
    assert {"organization", "plan", "stars", "news"} <= set(slugs)
    assert re.findall(r'data-show="([\w-]+)"', page) == slugs
    assert page.count(" is-current") == 1  # the first group, until screen.js turns them


def _value(name: str, order: int = 0) -> FigureValue:
    return FigureValue(name=name, label=name, unit="个", value=1, as_of=timezone.now(), order=order)


def test_a_figure_no_group_names_is_still_shown_and_a_full_group_continues():
    teams = [_value(f"volunteers.team_{n}") for n in range(11)]
    groups = screen_views._groups([_value("organizations.communities"), *teams, _value("newapp.anything")])

    by_slug = {group["slug"]: group for group in groups}
    assert [f.name for f in by_slug["organization"]["figures"]] == ["organizations.communities"]
    # 11 volunteer figures: two groups of 6 and 5, the second titled as the continuation
    assert [len(by_slug[slug]["figures"]) for slug in ("volunteers", "volunteers-2")] == [6, 5]
    assert by_slug["volunteers-2"]["title"] == "党员志愿服务（续）"
    # a figure of an app the screen does not know yet: in 更多数读
    assert by_slug["more"]["title"] == "更多数读" and by_slug["more"]["figures"][0].name == "newapp.anything"
    # the chart groups are there even without figures of their own, in their turn
    assert [group["slug"] for group in groups] == [
        "organization",
        "plan",
        "stars",
        "volunteers",
        "volunteers-2",
        "more",
        "news",
    ]


def test_bars_are_scaled_to_the_largest_value_or_to_100_percent():
    assert [row["width"] for row in charts.bar_rows([("a", 5), ("b", 10), ("c", 0)], max_width=200, pitch=10)] == [
        100,
        200,
        0,
    ]
    assert [r["width"] for r in charts.bar_rows([("a", Decimal("45.5"))], max_width=500, pitch=64, scale=100)] == [228]
    assert [r["y"] for r in charts.bar_rows([("a", 1), ("b", 1)], max_width=1, pitch=64, top=4)] == [4, 68]
    assert charts.star_bars({5: 0, 4: 0}, max_width=100, pitch=10)[0] == {
        "key": 5,
        "value": 0,
        "width": 0,
        "y": 8,
        "stars": 5,
        "count": 0,
    }


# --- cost ---------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_screen_and_its_refresh_are_flat_from_2_to_50(client, guicheng, community):
    board = Board(community("桂花社区"))
    urls = [reverse("screen:home"), reverse("screen:panels", args=[guicheng.pk])]

    counts = []
    for size in (2, 50):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the cache's version moves on commit
            board(size - board.made)
        counts.append([_queries(client, url) for url in urls])

    # street, the 数读 snapshot (recomputed after a change: its value, whether demo records
    # count, its links — up to three queries per registered figure), plan year, plan + themes +
    # items, period, star counts, activities, updates + photos — the same for 2 rows of each
    # kind as for 50
    assert counts[0] == counts[1]
    assert max(counts[1]) <= 10 + 3 * len(registry.figures())


def test_the_screen_comes_from_the_cache_until_a_record_changes(client, guicheng, community):
    guihua = community("桂花社区")
    Board(guihua)(2)
    url = reverse("screen:panels", args=[guicheng.pk])
    client.get(url)

    cached = _queries(client, url)
    with TestCase.captureOnCommitCallbacks(execute=True):
        ActivityFactory(community=guihua, title="新发布的活动", starts_at=timezone.now() + timedelta(days=1))
    fresh = client.get(url).content.decode()

    assert cached == 0
    assert "新发布的活动" in fresh
