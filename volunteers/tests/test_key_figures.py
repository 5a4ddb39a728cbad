"""Key figures count records of their own street only, and each links to the records it counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from organizations.models import PartyMember
from organizations.tests.factories import PartyMemberFactory, ServiceCenterFactory
from volunteers import key_figures, services
from volunteers.models import ServiceOrder

from .factories import (
    CommunityCheckInFactory,
    PostClaimFactory,
    ResponsibilityPostFactory,
    ServiceRecordFactory,
    VolunteerFactory,
    VolunteerTeamFactory,
    at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def far():
    """A community of another street: nothing there may count for Guicheng."""
    return VolunteerFactory().community


def test_counts(guicheng, guihua, tongxin, far, street_staff):
    VolunteerFactory.create_batch(2, community=guihua)
    VolunteerFactory(community=tongxin, is_active=False)
    VolunteerFactory(community=far)
    VolunteerTeamFactory(community=guihua)
    VolunteerTeamFactory(community=tongxin, dissolved_on=date(2023, 1, 1), founded_on=date(2020, 1, 1))
    VolunteerTeamFactory(community=far)

    assert key_figures.volunteers(guicheng) == 2
    assert key_figures.teams(guicheng) == 1


def test_confirmed_hours_this_year(guicheng, guihua, far, street_staff):
    this_year = timezone.localdate().year
    start = at(2, 9, month=1, year=this_year)
    for offset, hours in ((0, 2), (1, 1.5)):
        begin = start + timedelta(days=offset)
        record = services.service_record_add(
            volunteer=VolunteerFactory(community=guihua), started_at=begin, ended_at=begin + timedelta(hours=hours),
            description="值守", user=street_staff,
        )  # fmt: skip
        services.service_record_confirm(record=record, user=street_staff)
    ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua), started_at=start)  # pending
    last_year = ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua), started_at=at(2, 9, year=2000))
    services.service_record_confirm(record=last_year, user=street_staff)

    assert key_figures.confirmed_hours_this_year(guicheng) == Decimal("3.5")


def test_members_with_post_and_checked_in_members(guicheng, guihua, tongxin):
    member = PartyMemberFactory(organization__community=guihua, status=PartyMember.Status.WITHOUT_POST)
    PostClaimFactory(post=ResponsibilityPostFactory(community=guihua), member=member)
    PostClaimFactory(post=ResponsibilityPostFactory(community=tongxin), member=member)  # counted once
    PostClaimFactory(post__community=guihua, ended_on=date(2023, 6, 1), claimed_on=date(2023, 1, 1))
    CommunityCheckInFactory(community=guihua)
    CommunityCheckInFactory(community=tongxin, ended_on=date(2023, 6, 1))

    assert key_figures.members_with_post(guicheng) == 1
    assert key_figures.checked_in_members(guicheng) == 1


def test_orders_answered_and_their_median_days(guicheng, guihua, street_staff):
    center = ServiceCenterFactory(community=guihua, street=guicheng)
    team = VolunteerTeamFactory(community=guihua)
    assert key_figures.orders_median_days(guicheng) is None
    for days in (1, 2, 6):
        order = services.service_order_submit(
            center=center, category="repair", need="x", contact_name="黄女士", contact_phone="13800138000"
        )
        services.service_order_accept(order=order, user=street_staff)
        services.service_order_answer(order=order, user=street_staff, team=team)
        answered = ServiceOrder.objects.get(pk=order.pk).answered_at
        ServiceOrder.objects.filter(pk=order.pk).update(submitted_at=answered - timedelta(days=days))
    services.service_order_submit(
        center=center, category="repair", need="x", contact_name="黄女士", contact_phone="13800138000"
    )

    assert key_figures.orders_answered(guicheng) == 3
    assert key_figures.orders_median_days(guicheng) == Decimal("2.0")


def test_every_figure_is_described_and_links_to_a_list(guicheng, street_client):
    names = [figure.name for figure in key_figures.FIGURES]
    assert len(names) == len(set(names)) == 8
    for figure in key_figures.FIGURES:
        assert figure.label and figure.unit and callable(figure.compute)
        figure.compute(guicheng)
        response = street_client.get(figure.admin_url(guicheng))
        assert response.status_code == 200, figure.name
        assert "?e=1" not in response.get("Location", ""), figure.name  # an unknown filter redirects
