"""The street's work queue on the admin home: each line counts what waits in the viewer's scope,
links to the admin list filtered to exactly those records, and costs the same number of queries
for 2 waiting records of each kind as for 50."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import registry
from indicators.tests.factories import PeriodFactory, PublishedFigureFactory, RectificationCaseFactory
from organizations.models import ServiceCenter
from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory, PartyOrganizationFactory, StreetFactory
from projects.models import WorkPlan
from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory, WorkThemeFactory
from volunteers.tests.factories import ServiceOrderFactory, ServiceRecordFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

KINDS = ("projects", "items", "orders", "hours", "rectification", "figures")


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


class Waiting:
    """Makes records that need attention, ``n`` of each kind, in one community of a street."""

    def __init__(self, community):
        self.community = community
        self.street = community.street
        self.made = 0
        self.center = ServiceCenter.objects.create(
            street=self.street, community=community, name=f"{community.name}服务站", level="station"
        )
        plan = WorkPlan.objects.filter(street=self.street, year=2020).first() or WorkPlanFactory(
            street=self.street, year=2020
        )
        self.theme = WorkThemeFactory(plan=plan, number=plan.themes.count() + 1)
        self.period = PeriodFactory(scheme__street=self.street, scheme__year=2020)

    def __call__(self, n: int) -> None:
        stale = timezone.now() - timedelta(days=30)
        for _ in range(n):
            self.made += 1
            # a closed year at 0 %: 滞后 by the rule (one project per community and year)
            if self.made <= 20:
                SecretaryProjectFactory(community=self.community, year=2000 + self.made)
            else:
                SecretaryProjectFactory(community=CommunityFactory(street=self.street), year=2001)
            WorkItemFactory(theme=self.theme, number=self.made)
            ServiceOrderFactory(center=self.center, last_action_at=stale, submitted_at=stale)
            ServiceRecordFactory(volunteer=VolunteerFactory(community=self.community))
            branch = PartyOrganizationFactory(community=self.community, street=self.street)
            past = timezone.localdate() - timedelta(days=1)
            RectificationCaseFactory(subject=branch, opened_in=self.period, deadline=past)
            # the street has communities: a published "0" differs from the records
            PublishedFigureFactory(street=self.street, figure_name="organizations.communities", value=0)

    def quiet(self) -> None:
        """Records of each kind that need nothing: on time, fresh, confirmed, before the deadline."""
        SecretaryProjectFactory(community=self.community, year=2021, percent=100)
        WorkItemFactory(theme__plan=WorkPlanFactory(street=self.street, year=2099))  # its year has not begun
        ServiceOrderFactory(center=self.center)
        ServiceRecordFactory(volunteer=VolunteerFactory(community=self.community), ended_at=None, hours=0)
        branch = PartyOrganizationFactory(community=self.community, street=self.street)
        RectificationCaseFactory(subject=branch, opened_in=self.period, deadline=timezone.localdate() + timedelta(30))
        PublishedFigureFactory(
            street=self.street, figure_name="organizations.communities", value=1, comparison="at_least"
        )


def _queue(client) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return {line.key: line for line in response.context["work_queue"]}, len(captured)


def test_the_queue_counts_what_waits_and_stays_flat_from_2_to_50(street_client, guicheng, community):
    waiting = Waiting(community("桂花社区"))
    waiting.quiet()

    # given 2 records of each kind waiting, then 50
    waiting(2)
    small, small_queries = _queue(street_client)
    waiting(48)
    big, big_queries = _queue(street_client)

    # then every line counts them, and the page costs the same queries both times
    assert set(small) == set(KINDS)
    assert {key: line.count for key, line in small.items()} == dict.fromkeys(KINDS, 2)
    assert {key: line.count for key, line in big.items()} == dict.fromkeys(KINDS, 50)
    assert small_queries == big_queries
    # the 数读 snapshot was recomputed after the change (its value, whether demo records count,
    # its links: up to three queries per registered figure, whatever the rows); once stored,
    # the page costs: session, user, scope, the user's and the group's permissions, one COUNT
    # per line (5), the published figures, the snapshot, the street, the admin log — and
    # nothing that grows with the rows
    assert big_queries <= 15 + 3 * len(registry.figures())
    assert _queue(street_client)[1] <= 14


def test_each_line_links_to_the_list_of_exactly_those_records(street_client, guicheng, community):
    waiting = Waiting(community("桂花社区"))
    waiting.quiet()
    waiting(3)
    lines, _ = _queue(street_client)
    page = street_client.get(reverse("admin:index")).content.decode()
    assert page.count('<td class="work-queue-count"><a href="') == len(KINDS)
    assert 'href="/admin/projects/secretaryproject/?lagging=yes">3</a>' in page

    for key, line in lines.items():
        response = street_client.get(line.url)
        assert response.status_code == 200, line.url
        if key == "figures":
            assert response.context["differing"] == 3
        else:
            assert response.context["cl"].result_count == 3, line.url


def test_a_secretary_sees_their_community_lines_only(client, guicheng, community, guihua_secretary):
    # given records waiting in 桂花 (2 of each) and in 同心 (5 of each)
    Waiting(community("桂花社区"))(2)
    Waiting(community("同心社区"))(5)
    client.force_login(guihua_secretary)

    lines, _ = _queue(client)

    # then the 桂花 secretary counts 桂花's only, and gets no street-level line
    assert {key: line.count for key, line in lines.items()} == {
        "projects": 2,
        "orders": 2,
        "hours": 2,
        "rectification": 2,
    }
    for line in lines.values():
        assert client.get(line.url).context["cl"].result_count == 2


def test_street_staff_of_another_street_count_nothing_of_guicheng(client, guicheng, community):
    # given records waiting in Guicheng, and one of each in 西樵镇
    Waiting(community("桂花社区"))(4)
    xiqiao = CommunityFactory(street=StreetFactory(name="西樵镇"), name="西樵社区")
    Waiting(xiqiao)(1)
    client.force_login(staff_user_create(username="xiqiao", password=None, street=xiqiao.street))

    lines, _ = _queue(client)

    assert {key: line.count for key, line in lines.items()} == dict.fromkeys(KINDS, 1)
    assert "西樵镇" in lines["figures"].hint


def test_anyone_without_a_scope_gets_no_lines(client, guicheng, community, django_user_model):
    Waiting(community("桂花社区"))(2)
    client.force_login(django_user_model.objects.create_user(username="plain", password="x", is_staff=True))

    lines, _ = _queue(client)

    assert lines == {}
