"""The residents' pages: each renders for an anonymous visitor, costs the same number of queries
for 2 rows as for 50, and is served from the cache until the records behind it change."""

import json
from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import registry
from indicators.tests.factories import InstructorFactory, RectificationCaseFactory
from organizations.models import Community, OpeningInterval, ServiceCenter
from organizations.tests.factories import (
    CommunityFactory,
    EconomicSocietyFactory,
    GridFactory,
    JointMeetingFactory,
    OpeningExceptionFactory,
    OpeningIntervalFactory,
    PartyMemberFactory,
    PartyOrganizationFactory,
    PositionFactory,
    ServiceCenterFactory,
    ServiceTypeFactory,
    StreetFactory,
    UserFactory,
)
from projects.lagging import today_in_beijing
from projects.models import SecretaryProject, UpdatePhoto
from projects.tests.factories import (
    ProgressUpdateFactory,
    ProjectMilestoneFactory,
    ProjectTargetFactory,
    SecretaryProjectFactory,
    WorkItemFactory,
    WorkPlanFactory,
    WorkThemeFactory,
)
from volunteers.models import ServiceRecord
from volunteers.tests.factories import (
    ActivityFactory,
    CommunityCheckInFactory,
    PostClaimFactory,
    ServiceOrderFactory,
    ServiceRecordFactory,
    VolunteerTeamFactory,
)

pytestmark = pytest.mark.django_db

SIZES = (2, 50)


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def _queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), [q["sql"] for q in captured]


def committed():
    """Runs what the writes inside queued for their commit (the test's transaction never
    commits): the public content version moves on commit (``core.public_cache``)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def flat(client, url, build) -> int:
    """Builds up to 2 rows, counts the page's queries; up to 50, counts again: the two match."""
    counts, made = [], 0
    for size in SIZES:
        with committed():
            build(size - made)
        made = size
        counts.append(_queries(client, url() if callable(url) else url))
    (small, _), (big, big_sql) = counts
    assert small == big, "\n".join(big_sql)
    return small


# --- pages render -------------------------------------------------------------------------------


def test_every_page_renders_for_an_anonymous_visitor(client, guicheng, community):
    guihua = community("桂花社区")
    project = SecretaryProjectFactory(community=guihua, year=2023, title="全力推进老旧小区改造")
    ProgressUpdateFactory(project=project, text="6个小区全面动工")
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    plan = WorkPlanFactory(street=guicheng, year=2023, title="2023年桂城党建730", is_public=True)
    WorkItemFactory(theme=WorkThemeFactory(plan=plan, number=1, title="强基固本"), title="党建大讲堂")
    ActivityFactory(community=guihua, center=center, title="桂花园长者义剪")

    pages = {
        reverse("site:home"): "最新进展",
        reverse("site:centers"): "桂城街道党群服务中心",
        reverse("site:center", args=[center.pk]): "桂花园长者义剪",
        reverse("site:streets"): "千灯湖片区",
        reverse("site:community", args=[guihua.pk]): "全力推进老旧小区改造",
        reverse("site:projects"): "全力推进老旧小区改造",
        reverse("site:project", args=[project.pk]): "6个小区全面动工",
        reverse("site:plan"): "党建大讲堂",
        reverse("site:plan_print", args=[2023]): "党建大讲堂",
        reverse("site:search") + "?q=ghsq": "桂花社区",
        reverse("site:search") + "?q=guihua": "桂花社区",
        reverse("site:search") + "?q=长者义剪": "桂花园长者义剪",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_unpublished_records_are_not_found(client, guicheng, community):
    hidden_project = SecretaryProjectFactory(community=community("桂花社区"), year=2023, is_public=False)
    hidden_center = ServiceCenterFactory(community=community("桂花社区"), is_published=False)
    WorkPlanFactory(street=guicheng, year=2023, is_public=False)

    assert client.get(reverse("site:project", args=[hidden_project.pk])).status_code == 404
    assert client.get(reverse("site:center", args=[hidden_center.pk])).status_code == 404
    assert client.get(reverse("site:plan_year", args=[2023])).status_code == 404
    assert hidden_project.title not in client.get(reverse("site:projects")).content.decode()


# --- the centre directory and page --------------------------------------------------------------


def test_the_directory_filters_by_level_community_and_open_now(client, guicheng, community, settings):
    guihua = community("桂花社区")
    always = ServiceCenterFactory(community=guihua, is_published=True, level="station", name="桂花园党群服务站")
    for day in range(7):
        OpeningIntervalFactory(center=always, weekday=day, opens_at=time(0, 0), closes_at=time(23, 59))
    never = ServiceCenterFactory(community=guihua, is_published=True, level="station", name="桂花苑党群服务站")

    stations = client.get(reverse("site:centers"), {"level": "station", "community": guihua.pk}).content.decode()
    open_now = client.get(reverse("site:centers"), {"level": "station", "open": "1"}).content.decode()

    assert always.name in stations and never.name in stations
    assert "桂城街道党群服务中心" not in stations
    assert always.name in open_now and never.name not in open_now


def test_the_directory_pages_keep_the_filters_and_filter_open_now_before_paging(client, guicheng, community):
    # given 30 stations of 桂花社区 open around the clock and 10 never open
    guihua = community("桂花社区")
    for i in range(40):
        station = ServiceCenterFactory(community=guihua, is_published=True, level="station", name=f"桂花{i:02}站")
        if i < 30:
            for day in range(7):
                OpeningIntervalFactory(center=station, weekday=day, opens_at=time(0, 0), closes_at=time(23, 59))
    url = reverse("site:centers")

    # when a resident pages through the open ones, and through all of them
    first = client.get(url, {"level": "station", "community": guihua.pk, "open": "1"}).content.decode()
    second = client.get(url, {"level": "station", "community": guihua.pk, "open": "1", "page": "2"})
    every = client.get(url, {"level": "station", "community": guihua.pk, "page": "2"}).content.decode()
    beyond = client.get(url, {"level": "station", "community": guihua.pk, "page": "99"}).content.decode()

    # then only the open ones are counted and paged, 24 a page, and the links keep the filters
    assert "第 1 / 2 页 · 共 30 个" in first
    assert first.count('class="card"') == 24
    assert f'rel="next" href="?level=station&amp;community={guihua.pk}&amp;open=1&amp;page=2"' in first
    assert 'rel="prev"' not in first
    assert second.content.decode().count('class="card"') == 6
    assert (
        f'rel="prev" href="?level=station&amp;community={guihua.pk}&amp;open=1&amp;page=1"' in second.content.decode()
    )
    assert all(f"桂花{i:02}站" not in second.content.decode() for i in range(30, 40))
    assert "第 2 / 2 页 · 共 40 个" in every and every.count('class="card"') == 16
    assert "第 2 / 2 页" in beyond  # a page past the end shows the last one


def test_a_centre_page_says_where_when_and_how_to_call(client, guicheng):
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    center.address, center.phone, center.latitude, center.longitude = (
        "桂城街道南海大道1号",
        "0757-86230000",
        23.03,
        113.15,
    )
    center.save()
    OpeningInterval.objects.create(center=center, weekday=0, opens_at=time(9), closes_at=time(12))
    OpeningExceptionFactory(center=center, date=date(2099, 1, 1), is_closed=True, note="设备检修")

    page = client.get(reverse("site:center", args=[center.pk])).content.decode()

    assert 'href="tel:0757-86230000"' in page
    assert "https://uri.amap.com/marker?position=113.150000,23.030000" in page
    assert '"@type": ["GovernmentOffice", "CivicStructure"]' in page
    assert '"dayOfWeek": "https://schema.org/Monday", "opens": "09:00", "closes": "12:00"' in page


def test_a_centre_page_json_ld_escapes_what_the_html_parser_reads(client, guicheng):
    # given a centre whose staff-typed name and address hold markup
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    center.name, center.address = "</script><b>&amp;中心", "<!--<script>南海大道&1号"
    center.save()

    page = client.get(reverse("site:center", args=[center.pk])).content.decode()

    # then the JSON-LD holds no "<", ">" or "&" (escaped as json_script escapes them) ...
    data = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert not {"<", ">", "&"} & set(data)
    assert "\\u003C/script\\u003E\\u003Cb\\u003E\\u0026amp;中心" in data
    # ... and reads back as the name and address
    parsed = json.loads(data)
    assert (parsed["name"], parsed["address"]["streetAddress"]) == (center.name, center.address)


# --- queries stay flat --------------------------------------------------------------------------


def _centers(guicheng, community):
    def build(n):
        for _ in range(n):
            center = ServiceCenterFactory(community=community("桂花社区"), is_published=True)
            OpeningIntervalFactory(center=center)
            OpeningExceptionFactory(center=center, date=today_in_beijing())
            center.services.add(ServiceTypeFactory())

    return build


def test_the_directory_is_flat(client, guicheng, community):
    # default street, communities for the filter, the count, one page of centres (+ economic
    # society, community), their intervals, their exceptions
    assert flat(client, reverse("site:centers"), _centers(guicheng, community)) <= 6
    # with 开放中: every centre of the filter is read (no count), then paged in Python
    assert flat(client, reverse("site:centers") + "?open=1", _centers(guicheng, community)) <= 5
    # and every page costs the same
    pages = [_queries(client, f"{reverse('site:centers')}?page={number}")[0] for number in (1, 2, 3)]
    assert pages[0] == pages[1] == pages[2]


def test_a_centre_page_is_flat(client, guicheng):
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")

    def build(n):
        start = OpeningInterval.objects.filter(center=center).count()
        for i in range(start, start + n):
            # a different half hour each time: intervals of a day never overlap
            opens = time(i // 7 // 2 % 24, 30 * (i // 7 % 2))
            closes = time(opens.hour, opens.minute + 29)
            OpeningIntervalFactory(center=center, weekday=i % 7, opens_at=opens, closes_at=closes)
            OpeningExceptionFactory(center=center, date=date(2099, 1 + i // 28, 1 + i % 28), is_closed=True)
            center.services.add(ServiceTypeFactory())

    assert flat(client, reverse("site:center", args=[center.pk]), build) <= 6


def test_the_hierarchy_and_a_community_page_are_flat(client, guicheng, community):
    guihua = community("桂花社区")

    made = []

    def build(n):
        for _ in range(n):
            made.append(Community.objects.create(street=guicheng, name=f"层级{len(made)}社区", kind="urban"))
            PartyOrganizationFactory(community=guihua, street=guicheng, parent=None, kind="committee")
            ServiceCenterFactory(community=guihua, is_published=True)
            SecretaryProjectFactory(community=guihua, year=2000 + len(made))

    assert flat(client, reverse("site:streets"), build) <= 4
    assert flat(client, reverse("site:community", args=[guihua.pk]), build) <= 5


def test_the_project_board_and_a_project_page_are_flat(client, guicheng, community):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023)

    def build(n):
        for i in range(SecretaryProject.objects.count(), SecretaryProject.objects.count() + n):
            other = SecretaryProjectFactory(
                community=Community.objects.create(street=guicheng, name=f"板{i}{n}", kind="urban"), year=2023
            )
            ProjectTargetFactory(project=other)
            ProjectMilestoneFactory(project=other, number=1)
            ProjectTargetFactory(project=project, label=f"指标{ProjectTargetFactory._meta.model.objects.count()}")
            update = ProgressUpdateFactory(project=project)
            UpdatePhoto.objects.create(update=update, image="projects/updates/x.jpg")

    assert flat(client, reverse("site:projects"), build) <= 6
    assert flat(client, reverse("site:project", args=[project.pk]), build) <= 6
    # the home page also recomputes the 数读 figures after any change (one or two queries each,
    # whatever the number of rows): flat, and bounded by the number of registered figures
    from core import registry

    assert flat(client, reverse("site:home"), build) <= 6 + 2 * len(registry.figures())


def test_the_730_board_is_flat(client, guicheng):
    plan = WorkPlanFactory(street=guicheng, year=2023, is_public=True)
    theme = WorkThemeFactory(plan=plan, number=1)

    def build(n):
        for _ in range(n):
            WorkItemFactory(theme=theme)

    assert flat(client, reverse("site:plan"), build) <= 5
    assert flat(client, reverse("site:plan_print", args=[2023]), build) <= 5


def test_search_is_flat(client, guicheng, community):
    def build(n):
        for i in range(n):
            Community.objects.create(street=guicheng, name=f"桂花{i}{n}社区", kind="urban")

    # communities, centres, organisations, projects, activities
    assert flat(client, reverse("site:search") + "?q=gh", build) <= 5


def _figure_records(street, n):
    """n communities, each with one of every record a 数读 column counts (rural ones with an
    economic society that has its branch and its 阵地)."""
    reviewer = UserFactory()
    for i in range(n):
        place = CommunityFactory(street=street, rural=i % 2 == 0)
        GridFactory(community=place)
        committee = PartyOrganizationFactory(community=place, street=street)
        organization = PartyOrganizationFactory(community=place, street=street, kind="branch", parent=committee)
        PositionFactory(person__organization=organization, director=True)
        JointMeetingFactory(community=place, held_on=today_in_beijing())
        ServiceCenterFactory(community=place, street=street, level="community")
        if place.kind == "rural":
            society = EconomicSocietyFactory(community=place)
            PartyOrganizationFactory(
                community=place, street=street, kind="branch", parent=committee, economic_society=society
            )
            ServiceCenterFactory(community=place, street=street, level="economic_society", economic_society=society)
        VolunteerTeamFactory(community=place)
        record = ServiceRecordFactory(volunteer__community=place, started_at=timezone.now() - timedelta(hours=3))
        ServiceRecord.objects.filter(pk=record.pk).update(
            status="confirmed", reviewed_by=reviewer, reviewed_at=timezone.now()
        )
        PostClaimFactory(post__community=place, member__organization=organization)
        CommunityCheckInFactory(community=place, member__organization=organization)
        ServiceOrderFactory(center__community=place, center__street=street, answered_at=timezone.now())
        RectificationCaseFactory(subject=organization)
        InstructorFactory(street=street)


def test_the_figures_page_is_flat(client, guicheng):
    # default street, communities (+ 一肩挑, centre, joint meeting), then grouped counts:
    # grids, organisations, members, joint meetings, economic societies, directors (6);
    # volunteers, teams, building teams, post claims, check-ins, orders, hours (7); the
    # street-wide count of members holding a post; open rectification cases, instructors (2)
    assert flat(client, reverse("site:figures"), lambda n: _figure_records(guicheng, n)) <= 18


def test_the_figures_page_adds_up_and_says_why_a_total_is_not_the_sum(client):
    # given a street of two communities, a working committee in none of them, and a member
    # holding responsibility posts in both communities
    street = StreetFactory()
    _figure_records(street, 2)
    committee = PartyOrganizationFactory(street=street, street_level=True)
    PartyMemberFactory(organization=committee)
    first, second = Community.objects.filter(street=street).order_by("name")
    member = PartyMemberFactory(organization=first.party_organizations.get(kind="committee"), status="without_post")
    PostClaimFactory(post__community=first, member=member)
    PostClaimFactory(post__community=second, member=member)

    # when the page is read for that street
    response = client.get(reverse("site:figures"), {"street": street.pk})

    # then the working committee and its member are a row of their own, the totals are the
    # figures', and the post column says why its total is less than the sum of its rows
    page = response.content.decode()
    table = response.context["table"]
    values = {value.name: value.value for value in registry.figures_for(street)}
    totals = {name: value for total in table["totals"] for name, value in total.values.items()}
    assert "街道层面（不属于某一社区）" in page
    assert totals["organizations.party_organizations"] == values["organizations.party_organizations"] == 6
    assert totals["organizations.members"] == values["organizations.members"]
    assert totals["volunteers.members_with_post"] == values["volunteers.members_with_post"] == 3
    assert "各行相加为 4，全街道为 3" in page
    assert totals["organizations.societies_fully_covered"] == values["organizations.societies_fully_covered"] == 1
    assert member.name not in page
    assert client.get(reverse("site:figures"), {"street": "999999"}).status_code == 404


def test_the_figures_page_of_an_urban_street_without_records_matches_its_figures(client):
    # given a street of two urban communities and nothing else
    street = StreetFactory()
    CommunityFactory.create_batch(2, street=street)

    # when its 数读明细 is read
    table = client.get(reverse("site:figures"), {"street": street.pk}).context["table"]

    # then every total is its figure, “一肩挑” (a rural reform) included: neither can be computed
    values = {value.name: value.value for value in registry.figures_for(street)}
    totals = {name: value for total in table["totals"] for name, value in total.values.items()}
    assert totals["organizations.one_shoulder"] is None and totals["organizations.one_shoulder_rate"] is None
    assert totals["organizations.cross_appointment_rate"] is None
    assert {name: values[name] for name in totals} == totals
    assert len(table["rows"]) == 2  # no street-level row: nothing outside the communities


# --- cached, and fresh after a change -----------------------------------------------------------


def test_anonymous_pages_come_from_the_cache_until_a_record_changes(client, guicheng, community):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="第一版标题")
    url = reverse("site:project", args=[project.pk])

    first = client.get(url)
    cached, again = _queries(client, url)
    project.title = "改过的标题"
    with committed():
        project.save()
    fresh = client.get(url)

    assert "第一版标题" in first.content.decode()
    assert cached == 0  # served from the cache
    assert "改过的标题" in fresh.content.decode()
