"""The residents' pages: each renders for an anonymous visitor, costs the same number of queries
for 2 rows as for 50, and is served from the cache until the records behind it change."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import registry
from indicators.tests.factories import InstructorFactory, RectificationCaseFactory
from organizations.geo import wgs84_to_gcj02
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


def test_a_centre_says_how_to_call_it_or_that_its_phone_is_not_yet_published(client, guicheng, community):
    # given a station with a phone, address and position, and the street centre with none
    guihua = community("桂花社区")
    station = ServiceCenterFactory(
        community=guihua,
        is_published=True,
        level="station",
        name="桂花园党群服务站",
        address="桂花社区桂花园东区",
        phone="0757-86000000",
        latitude=Decimal("23.040000"),
        longitude=Decimal("113.150000"),
    )
    street_center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    assert (street_center.address, street_center.phone) == ("", "")

    listed = client.get(reverse("site:centers"), {"community": guihua.pk, "level": "station"}).content.decode()
    page = client.get(reverse("site:center", args=[station.pk])).content.decode()
    pending = client.get(reverse("site:center", args=[street_center.pk])).content.decode()

    # then the card and the page call it and navigate to it ...
    for html in (listed, page):
        assert 'href="tel:0757-86000000"' in html
        assert "https://uri.amap.com/marker?position=113.150000,23.040000&amp;name=" in html
        assert "电话待公布" not in html and "演示数据" not in html  # real details, no mark
    # ... and the centre without them says they are not yet published instead of hiding the row
    assert "电话待公布" in pending and "地址待公布" in pending and "位置待公布" in pending
    assert "tel:" not in pending and "uri.amap.com" not in pending
    street_card = client.get(reverse("site:centers"), {"level": "street"}).content.decode()
    assert "电话待公布" in street_card and "地址待公布" in street_card


def test_invented_details_of_a_demo_centre_are_marked(client, guicheng, community):
    # given a demo centre with invented details (what the demo generator writes)
    center = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    assert center.is_demo
    center.address, center.phone = "佛山市南海区桂城街道桂花社区振兴路8号", "0757-81234567"
    center.latitude, center.longitude = Decimal("23.041000"), Decimal("113.151000")
    center.save()

    page = client.get(reverse("site:center", args=[center.pk])).content.decode()
    card = client.get(reverse("site:centers"), {"community": center.community_id, "level": "community"})

    # then the address, the phone, the position and the hours each carry the mark (the shared
    # templates/portal/_demo_mark.html, which says in its title which detail is invented)
    mark = '<span class="demo-mark" title="'
    assert f"振兴路8号{mark}地址为演示内容" in page
    assert f"0757-81234567{mark}电话为演示内容" in page and 'href="tel:0757-81234567"' in page
    assert f"东经 113.1510°{mark}位置为演示内容" in page
    assert f"本周开放时间{mark}开放时间为演示内容" in page
    card = card.content.decode()
    assert f"振兴路8号{mark}" in card and f"高德导航</a>{mark}" in card


def _monday_night():
    # 2026-11-23 is a Monday; 23:00 in Foshan
    return mock.patch("django.utils.timezone.now", return_value=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))


def test_at_night_open_now_shows_when_each_centre_opens_next(client, guicheng, community):
    # given the community centres' demo week (09:00–12:00, 14:00–18:00) and a station that opens at 08:30
    early = ServiceCenterFactory(community=community("桂花社区"), is_published=True, level="station", name="早班站")
    for day in range(5):
        OpeningIntervalFactory(center=early, weekday=day, opens_at=time(8, 30), closes_at=time(17, 30))

    # when a resident asks for the centres open now, at 23:00
    with _monday_night():
        page = client.get(reverse("site:centers"), {"open": "1"}).content.decode()
        card = client.get(reverse("site:centers"), {"level": "station"}).content.decode()
        detail = client.get(reverse("site:center", args=[early.pk])).content.decode()

    # then none is open, and the centres are listed by when they open next, the soonest first
    assert "现在没有开放中的服务中心" in page
    names = re.findall(r'<h2 class="card-title">([^<]+)</h2>', page)
    assert names[0] == "早班站"
    assert "明天 08:30 开放" in page and "明天 09:00 开放" in page
    assert "桂城街道党群服务中心" not in page  # publishes no hours: nothing to say when
    # and a closed centre's card and page say it too
    assert "明天 08:30 开放" in card and "明天 08:30 开放" in detail


def _near(client, lat, lng, query=""):
    return client.post(reverse("site:centers_near") + query, {"lat": lat, "lng": lng})


def _stations(community, spots):
    for name, (lat, lng) in spots.items():
        ServiceCenterFactory(
            community=community,
            is_published=True,
            level="station",
            name=name,
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lng:.6f}"),
        )


def test_near_me_sorts_the_centres_by_distance_from_the_browser_s_position(client, guicheng, community):
    # given three stations: one where a GPS position of (23.04, 113.15) is on 高德's map (the
    # GCJ-02 shift, about 600 m), one at the raw GPS numbers, one 3 km north
    here = wgs84_to_gcj02(23.04, 113.15)
    _stations(community("桂花社区"), {"北边站": (here[0] + 0.027, here[1]), "原点站": (23.04, 113.15), "脚下站": here})

    # when the resident sorts by distance
    response = _near(client, "23.04", "113.15", "?level=station")
    html = response.content.decode()

    # then the nearest comes first, each with its distance, and nothing is cached
    assert response.status_code == 200
    assert re.findall(r'<h2 class="card-title">([^<]+)</h2>', html) == ["脚下站", "原点站", "北边站"]
    assert "距您约 100 米" in html and "距您约 600 米" in html and "距您约 3.0 公里" in html
    assert "no-store" in response["Cache-Control"]
    assert "您的位置只用于这次排序，不会保存" in html


def test_near_me_keeps_the_directory_s_filters_and_says_what_it_could_not_place(client, guicheng, community):
    guihua, tongxin = community("桂花社区"), community("同心社区")
    _stations(guihua, {"桂花近站": (23.04, 113.15)})
    _stations(tongxin, {"同心近站": (23.0401, 113.1501)})
    ServiceCenterFactory(community=guihua, is_published=True, level="station", name="无坐标站")

    html = _near(client, 23.04, 113.15, f"?level=station&community={guihua.pk}&page=3").content.decode()

    assert re.findall(r'<h2 class="card-title">([^<]+)</h2>', html) == ["桂花近站"]
    assert "另有 1 个中心位置待公布，未参与排序" in html
    # far from every centre (in Beijing): the distances are shown, with a word that they are far
    far = _near(client, 39.9, 116.4, "?level=station").content.decode()
    assert "您离这些中心都很远" in far


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "没有收到您的位置"),
        ({"lat": "abc", "lng": "113.15"}, "纬度应为数字"),
        ({"lat": "23.04", "lng": "inf"}, "经度应为数字"),
        ({"lat": "91", "lng": "113.15"}, "确保该值小于或等于90"),
    ],
)
def test_near_me_with_a_bad_position_is_a_400_in_chinese(client, guicheng, data, message):
    response = client.post(reverse("site:centers_near"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(reverse("site:centers_near")).status_code == 405


def test_the_login_page_says_whom_to_call_for_a_forgotten_password(client, guicheng):
    page = client.get(reverse("site:login")).content.decode()
    assert "忘记密码？请致电" in page
    link = f'<a href="{reverse("site:centers")}?level=community">所在社区的党群服务中心</a>'
    assert link in page
    # and that list shows the community centres' phones or says they are not yet published
    listed = client.get(reverse("site:centers"), {"level": "community"}).content.decode()
    assert listed.count('class="card"') == 24
    assert listed.count("tel:") + listed.count("电话待公布") == 24


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


def test_near_me_is_flat(client, guicheng, community):
    build = _centers(guicheng, community)

    def count(n):
        with committed():
            build(n)
            ServiceCenter.objects.filter(latitude=None).update(latitude=Decimal("23.05"), longitude=Decimal("113.16"))
        with CaptureQueriesContext(connection) as captured:
            assert _near(client, 23.04, 113.15).status_code == 200
        return len(captured)

    # default street, every centre of the filter (+ economic society, community), their
    # intervals, their exceptions
    small = count(2)
    assert small == count(48) and small <= 5


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
    # the home page also recomputes the 数读 snapshot after any change (its value, whether demo
    # records count, its links: up to three queries each, whatever the number of rows): flat,
    # and bounded by the number of registered figures
    from core import registry

    assert flat(client, reverse("site:home"), build) <= 6 + 3 * len(registry.figures())


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
    from core import registry

    # the first read after a change recomputes the 数读 snapshot (up to three queries a figure)
    first = flat(client, reverse("site:figures"), lambda n: _figure_records(guicheng, n))
    assert first <= 19 + 3 * len(registry.figures())
    # with the snapshot stored: the street, the snapshot, communities (+ 一肩挑, centre, joint
    # meeting), then grouped counts: grids, organisations, members, joint meetings, economic
    # societies, directors (6); volunteers, teams, building teams, post claims, check-ins,
    # orders, hours (7); the street-wide count of members holding a post; open rectification
    # cases, instructors (2)
    registry.figures_for(guicheng)
    assert _queries(client, f"{reverse('site:figures')}?street={guicheng.pk}")[0] <= 19


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
