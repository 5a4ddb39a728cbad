"""The residents' boards: the 书记工程 board filtered by community (a shareable address), the
honour roll searched for any rated branch (not only the five-star ones) with the rules the
period was really rated by, a branch's total explained, and the home page that puts 我要办
before the figures and never shows a bare 0 that misleads. Each stays flat in queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import registry
from indicators import services as rating_services
from indicators.models import Period, Rating, Score
from indicators.tests.factories import PeriodFactory, SchemeFactory, society_branch
from organizations.models import Community
from projects import services as project_services
from projects.tests.factories import SecretaryProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def _count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


def _flat(client, url, build) -> int:
    """Builds up to 2 rows, counts the page's queries; up to 50, counts again: the two match."""
    counts, made = [], 0
    for size in (2, 50):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the cache's version moves on commit
            build(size - made)
        made = size
        counts.append(_count(client, url() if callable(url) else url)[0])
    assert counts[0] == counts[1], counts
    return counts[0]


# --- the 书记工程 board -------------------------------------------------------------------------


def test_the_board_filters_by_community_in_a_shareable_address(client, guicheng, community, street_staff):
    guihua = community("桂花社区")
    mine = SecretaryProjectFactory(community=guihua, year=2023, title="全力推进老旧小区改造")
    other = SecretaryProjectFactory(community=community("同心社区"), year=2023, title="新市民融合")
    project_services.progress_update_add(
        user=street_staff, project=other, date=date(2023, 5, 1), text="完成", percent=100
    )

    board = client.get(reverse("site:projects"), {"community": guihua.pk}).content.decode()

    assert mine.title in board and other.title not in board
    assert f'<option value="{guihua.pk}" selected>桂花社区</option>' in board
    assert "符合条件 1 个" in board and "共 2 个" in board  # the year's count stays whole
    # the address is the filter: the same URL in another browser shows the same board
    assert mine.title in client.get(f"/projects/?community={guihua.pk}").content.decode()
    # a community without a project this year, or garbage, is no filter at all
    for value in ("abc", "999999"):
        everything = client.get(reverse("site:projects"), {"community": value}).content.decode()
        assert mine.title in everything and other.title in everything


def test_滞后_is_one_filter_and_the_status_follows_the_timeline(client, guicheng, community, street_staff):
    done = SecretaryProjectFactory(community=community("同心社区"), year=2023, title="已完成的项目")
    project_services.progress_update_add(
        user=street_staff, project=done, date=date(2023, 5, 1), text="全部完成", percent=100
    )
    behind = SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="落后的项目")
    project_services.progress_update_add(
        user=street_staff, project=behind, date=date(2023, 5, 1), text="起步", percent=10
    )

    board = client.get(reverse("site:projects")).content.decode()
    status_select = board.split('id="f-status"')[1].split("</select>")[0]
    # 滞后 is no status: one checkbox filters it
    assert "滞后" not in status_select and board.count('name="lagging"') == 1
    lagging = client.get(reverse("site:projects"), {"lagging": "1"}).content.decode()
    assert "落后的项目" in lagging and "已完成的项目" not in lagging
    # 100 % reads 已完成, never 推进中
    finished = client.get(reverse("site:projects"), {"status": "done"}).content.decode()
    assert "已完成的项目" in finished and "落后的项目" not in finished
    assert '<span class="badge">已完成</span>' in finished


def test_the_filtered_board_is_flat(client, guicheng, community):
    guihua = community("桂花社区")
    SecretaryProjectFactory(community=guihua, year=2023)
    made = []

    def build(n):
        for _ in range(n):
            made.append(Community.objects.create(street=guicheng, name=f"筛选{len(made)}社区", kind="urban"))
            SecretaryProjectFactory(community=made[-1], year=2023)

    assert _flat(client, f"{reverse('site:projects')}?community={guihua.pk}", build) <= 6
    assert _flat(client, f"{reverse('site:projects')}?status=in_progress&lagging=1", build) <= 6


# --- the honour roll ----------------------------------------------------------------------------


@pytest.fixture
def rated(guicheng, street_staff):
    """A published period of 桂花-free branches rated by a real close: 凤鸣 branches of every
    star, and the street's scheme changed afterwards (thresholds raised, weights moved)."""
    scheme = SchemeFactory(street=guicheng, year=2023)
    period = PeriodFactory(scheme=scheme, year=2023, quarter=3)
    dimensions = list(scheme.dimensions.order_by("number"))
    values = {"五星": 95, "四星": 85, "三星": 75, "二星": 65}
    branches = {}
    for label, value in values.items():
        branch = society_branch(Community.objects.get(street=guicheng, name="叠北社区"))
        for offset, dimension in enumerate(dimensions):
            Score.objects.create(period=period, subject=branch, dimension=dimension, value=Decimal(value) + offset)
        branches[label] = branch
    with TestCase.captureOnCommitCallbacks(execute=True):
        rating_services.period_close_unchecked(period=period)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rating_services.period_publish(period=Period.objects.get(pk=period.pk), user=street_staff)
    # the scheme as it stands now is not the rule that rated the period
    scheme.star5_min, scheme.star4_min = Decimal(95), Decimal(88)
    scheme.save()
    first = dimensions[0]
    first.weight = Decimal(40)
    first.save()
    return {"period": Period.objects.get(pk=period.pk), "branches": branches}


def test_the_search_finds_a_branch_that_is_not_five_star(client, rated):
    three = rated["branches"]["三星"]
    rating = Rating.objects.get(subject=three)
    assert rating.stars == 3

    by_name = client.get(reverse("site:honour"), {"q": three.economic_society.name}).content.decode()
    by_initials = client.get(reverse("site:honour"), {"q": "dbsq"}).content.decode()  # 叠北社区
    by_stars = client.get(reverse("site:honour"), {"stars": "3"}).content.decode()

    link = reverse("site:subject", args=[three.pk])
    for page in (by_name, by_initials, by_stars):
        assert "查找结果" in page and link in page
    assert "查找结果 · 三星（1个）" in by_stars
    assert reverse("site:subject", args=[rated["branches"]["四星"].pk]) not in by_stars.split("roll-title")[0]
    # the five-star roll stays on the page
    assert "五星党支部（1个）" in by_stars
    # nothing found says so
    assert "没有找到符合条件的党支部" in client.get(reverse("site:honour"), {"q": "不存在的社"}).content.decode()


def test_the_roll_and_a_branch_explain_the_rules_in_force_at_the_close(client, rated):
    roll = client.get(reverse("site:honour")).content.decode()
    # the period's thresholds (90/80/70/60, equal weights of 25), not the scheme's new 95/88 and 40
    for text in ("五星：总分 ≥ 90 分", "四星：总分 ≥ 80 分", "一星：总分低于 60 分", "动员能力：权重 25，满分 100 分"):
        assert text in roll, text
    assert "≥ 95" not in roll and "权重 40" not in roll

    three = rated["branches"]["三星"]
    page = client.get(reverse("site:subject", args=[three.pk])).content.decode()
    assert "三星：总分 ≥ 70 分" in page and "≥ 88" not in page
    # scores 75, 76, 77, 78 × 25 ÷ 100 = 18.75 + 19 + 19.25 + 19.5 = 76.50
    assert "18.75 + 19.00 + 19.25 + 19.50 = 总分 76.50 分" in page
    assert "不低于三星线 70 分、低于四星线 80 分，评为三星" in page


def test_the_honour_search_is_flat(client, guicheng, rated):
    period = rated["period"]
    community = Community.objects.get(street=guicheng, name="叠北社区")

    def build(n):
        for _ in range(n):
            Rating.objects.create(
                period=period, subject=society_branch(community), total=Decimal(75), stars=3, movement="new", rank=9
            )

    assert _flat(client, f"{reverse('site:honour')}?q=dbsq", build) <= 7
    assert _flat(client, f"{reverse('site:honour')}?stars=3&page=2", build) <= 7


# --- the home page ------------------------------------------------------------------------------


def test_home_puts_我要办_before_the_figures_and_explains_a_zero(client, guicheng):
    html = client.get(reverse("site:home")).content.decode()
    assert html.index('id="entry-title"') < html.index('class="figures"')
    for label in ("找一个正在开放的党群服务中心", "报名志愿活动", "向服务中心点单", "查点单进度"):
        assert label in html.split('id="figures-title"')[0], label

    # the joint meetings of this year read 0 here: the tile says so in words, not as a bare 0
    value = next(v for v in registry.figures_for(guicheng) if v.name == "organizations.joint_meetings_this_year")
    assert value.value == 0 and value.shown_as_note
    tile = html.split("今年召开的党群联席会议")[1].split("</div>")[0]
    assert "今年尚无召开记录" in tile and ">0<" not in tile
