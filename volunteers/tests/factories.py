"""factory_boy factories of the volunteers app. Each builds a valid record with the fewest related
records it needs; pass ``community`` (or a related record) to place it. ``IN_COMMUNITY`` says how
to make one record of each scoped model inside a community (scope and query-count tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.db import models
from django.utils import timezone
from factory.django import DjangoModelFactory

from organizations.models import Community, PartyMember
from organizations.tests.factories import (
    CommunityFactory,
    PartyMemberFactory,
    ServiceCenterFactory,
    UserFactory,
)
from volunteers.models import (
    Activity,
    CommunityCheckIn,
    HoursImport,
    PostClaim,
    Redemption,
    ResponsibilityPost,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
    hours_between,
)

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 5, year: int = 2023) -> dt.datetime:
    """A Beijing time in 2023."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)


class VolunteerTeamFactory(DjangoModelFactory):
    class Meta:
        model = VolunteerTeam

    community = factory.SubFactory(CommunityFactory)
    street = factory.LazyAttribute(lambda o: o.community.street)
    name = factory.Sequence(lambda n: f"测试志愿服务队{n}")
    kind = VolunteerTeam.Kind.COMMUNITY


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    number = factory.Sequence(lambda n: f"T{n:08d}")
    name = factory.Sequence(lambda n: f"志愿者{n}")
    kind = Volunteer.Kind.RESIDENT


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    community = factory.SubFactory(CommunityFactory)
    street = factory.LazyAttribute(lambda o: o.community.street if o.community else None)
    title = factory.Sequence(lambda n: f"测试活动{n}")
    place = "社区广场"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    capacity = 10


class SignupFactory(DjangoModelFactory):
    class Meta:
        model = Signup

    activity = factory.SubFactory(ActivityFactory)
    volunteer = factory.SubFactory(VolunteerFactory, community=factory.SelfAttribute("..activity.community"))


class ServiceRecordFactory(DjangoModelFactory):
    """A pending staff-entered record; tests of the rules go through the services."""

    class Meta:
        model = ServiceRecord

    volunteer = factory.SubFactory(VolunteerFactory)
    description = "社区环境清理"
    street = factory.LazyAttribute(lambda o: o.volunteer.community.street)
    community = factory.LazyAttribute(lambda o: o.volunteer.community)
    started_at = factory.Sequence(lambda n: at(1, 8) + dt.timedelta(hours=3 * n))
    ended_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(hours=2))
    hours = factory.LazyAttribute(lambda o: hours_between(o.started_at, o.ended_at))


class RewardFactory(DjangoModelFactory):
    class Meta:
        model = Reward

    community = factory.SubFactory(CommunityFactory)
    street = factory.LazyAttribute(lambda o: o.community.street if o.community else None)
    name = factory.Sequence(lambda n: f"礼品{n}")
    points_cost = 10
    stock = 5


class RedemptionFactory(DjangoModelFactory):
    class Meta:
        model = Redemption

    volunteer = factory.SubFactory(VolunteerFactory)
    reward = factory.SubFactory(RewardFactory, community=factory.SelfAttribute("..volunteer.community"))
    points = 10


class CommunityCheckInFactory(DjangoModelFactory):
    class Meta:
        model = CommunityCheckIn

    member = factory.SubFactory(PartyMemberFactory)
    community = factory.SubFactory(CommunityFactory)
    employer = "南海区某机关"
    registered_on = dt.date(2023, 3, 1)


class ResponsibilityPostFactory(DjangoModelFactory):
    class Meta:
        model = ResponsibilityPost

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"楼栋长岗{n}")


class PostClaimFactory(DjangoModelFactory):
    class Meta:
        model = PostClaim

    post = factory.SubFactory(ResponsibilityPostFactory)
    member = factory.SubFactory(
        PartyMemberFactory,
        status=PartyMember.Status.WITHOUT_POST,
        organization__community=factory.SelfAttribute("...post.community"),
    )


class ServiceOrderFactory(DjangoModelFactory):
    class Meta:
        model = ServiceOrder

    center = factory.SubFactory(ServiceCenterFactory)
    street = factory.LazyAttribute(lambda o: o.center.street)
    community = factory.LazyAttribute(lambda o: o.center.community)
    category = ServiceOrder.Category.REPAIR
    need = "家里的水龙头漏水，希望有志愿者上门帮忙维修"
    contact_name = "黄女士"
    contact_phone = "13800138000"


class HoursImportFactory(DjangoModelFactory):
    class Meta:
        model = HoursImport

    street = factory.LazyAttribute(lambda o: CommunityFactory().street)
    file = "volunteers/imports/x.csv"
    file_name = "x.csv"
    created_by = factory.SubFactory(UserFactory)


def _record_in(community: Community) -> ServiceRecord:
    return ServiceRecordFactory(volunteer=VolunteerFactory(community=community), hours=Decimal("2.00"))


IN_COMMUNITY: dict[type[models.Model], Callable[[Community], models.Model]] = {
    VolunteerTeam: lambda community: VolunteerTeamFactory(community=community),
    Volunteer: lambda community: VolunteerFactory(community=community),
    Activity: lambda community: ActivityFactory(community=community),
    Signup: lambda community: SignupFactory(activity__community=community),
    ServiceRecord: _record_in,
    Reward: lambda community: RewardFactory(community=community),
    Redemption: lambda community: RedemptionFactory(volunteer__community=community),
    CommunityCheckIn: lambda community: CommunityCheckInFactory(community=community),
    ResponsibilityPost: lambda community: ResponsibilityPostFactory(community=community),
    PostClaim: lambda community: PostClaimFactory(post__community=community),
    ServiceOrder: lambda community: ServiceOrderFactory(center__community=community),
    # Street-level: every community of the street holds its street's import jobs.
    HoursImport: lambda community: HoursImportFactory(street=community.street),
}
