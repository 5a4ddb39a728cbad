"""factory_boy factories for every model of the organizations app.

Each factory builds a valid record (one that passes ``full_clean()``) with the fewest related
records it needs; pass a ``community`` (or ``street``) to place it. ``IN_COMMUNITY`` says, for
every scoped model, how to make one record that lies inside a given community — the admin scope
tests and the changelist query-count tests are driven by it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factory
from django.contrib.auth import get_user_model
from django.db import models
from factory.django import DjangoModelFactory

from organizations.models import (
    AreaCluster,
    CoBuildingAgreement,
    Community,
    District,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    OpeningException,
    OpeningInterval,
    PartyMember,
    PartyOrganization,
    Position,
    Resource,
    ServiceCenter,
    ServiceType,
    StaffScope,
    Street,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    # Tests log in with force_login; an unusable password spares a slow hash per user.
    password = "!"


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试{n}区")


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("name",)

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试{n}街道")


class AreaClusterFactory(DjangoModelFactory):
    class Meta:
        model = AreaCluster

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}片区")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}社区")
    kind = Community.Kind.URBAN

    class Params:
        rural = factory.Trait(kind=Community.Kind.RURAL)


class GridFactory(DjangoModelFactory):
    """A level-1 grid: the community itself. A community has one, so it is fetched if it exists."""

    class Meta:
        model = Grid
        django_get_or_create = ("community", "level")

    community = factory.SubFactory(CommunityFactory)
    level = Grid.Level.COMMUNITY
    kind = Grid.Kind.COMMUNITY
    name = factory.LazyAttribute(lambda o: o.community.name)
    parent = None


class CompoundGridFactory(GridFactory):
    """A level-2 grid (a residential compound) under the community's level-1 grid."""

    class Meta:
        django_get_or_create = ()

    level = Grid.Level.COMPOUND
    kind = Grid.Kind.COMPOUND
    name = factory.Sequence(lambda n: f"测试{n}小区")
    parent = factory.SubFactory(GridFactory, community=factory.SelfAttribute("..community"))


class ZoneGridFactory(GridFactory):
    """A level-3 grid (a responsibility zone) under a new level-2 grid of the same community."""

    class Meta:
        django_get_or_create = ()

    level = Grid.Level.ZONE
    kind = Grid.Kind.ZONE
    name = factory.Sequence(lambda n: f"测试{n}责任区")
    parent = factory.SubFactory(CompoundGridFactory, community=factory.SelfAttribute("..community"))


class EconomicSocietyFactory(DjangoModelFactory):
    class Meta:
        model = EconomicSociety

    community = factory.SubFactory(CommunityFactory, rural=True)
    name = factory.Sequence(lambda n: f"测试{n}经济社")


class PartyOrganizationFactory(DjangoModelFactory):
    """A community party committee; ``street_level=True`` makes one with no community."""

    class Meta:
        model = PartyOrganization

    community = factory.SubFactory(CommunityFactory)
    street = factory.LazyAttribute(lambda o: o.community.street if o.community else StreetFactory())
    name = factory.Sequence(lambda n: f"测试{n}党委")
    kind = PartyOrganization.Kind.COMMITTEE
    field = PartyOrganization.Field.COMMUNITY

    class Params:
        street_level = factory.Trait(
            community=None,
            kind=PartyOrganization.Kind.WORKING_COMMITTEE,
            field=PartyOrganization.Field.ORGAN,
        )


class PartyMemberFactory(DjangoModelFactory):
    class Meta:
        model = PartyMember

    organization = factory.SubFactory(PartyOrganizationFactory)
    name = factory.Sequence(lambda n: f"党员{n}")
    status = PartyMember.Status.EMPLOYED
    joined_on = dt.date(2010, 7, 1)


class PositionFactory(DjangoModelFactory):
    """The current 书记 of the person's own organisation; ``director=True`` makes the person the
    居委会主任 of their organisation's community instead."""

    class Meta:
        model = Position

    person = factory.SubFactory(PartyMemberFactory)
    role = Position.Role.SECRETARY
    organization = factory.SelfAttribute("person.organization")
    community = factory.LazyAttribute(lambda o: o.organization.community if o.organization else None)
    started_on = dt.date(2021, 1, 1)
    ended_on = None

    class Params:
        director = factory.Trait(
            role=Position.Role.DIRECTOR,
            organization=None,
            community=factory.SelfAttribute("person.organization.community"),
        )


class ServiceTypeFactory(DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试服务{n}")


class ServiceCenterFactory(DjangoModelFactory):
    class Meta:
        model = ServiceCenter

    community = factory.SubFactory(CommunityFactory)
    street = factory.LazyAttribute(lambda o: o.community.street if o.community else StreetFactory())
    name = factory.Sequence(lambda n: f"测试{n}党群服务中心")
    level = ServiceCenter.Level.COMMUNITY
    address = "桂城街道测试路1号"


class OpeningIntervalFactory(DjangoModelFactory):
    class Meta:
        model = OpeningInterval

    center = factory.SubFactory(ServiceCenterFactory)
    weekday = OpeningInterval.Weekday.MONDAY
    opens_at = dt.time(9, 0)
    closes_at = dt.time(12, 0)


class OpeningExceptionFactory(DjangoModelFactory):
    class Meta:
        model = OpeningException

    center = factory.SubFactory(ServiceCenterFactory)
    date = dt.date(2023, 10, 1)
    is_closed = True
    note = "国庆闭馆"


class JointMeetingFactory(DjangoModelFactory):
    class Meta:
        model = JointMeeting

    community = factory.SubFactory(CommunityFactory)
    held_on = dt.date(2023, 3, 15)
    title = factory.Sequence(lambda n: f"测试议题{n}")


class CoBuildingAgreementFactory(DjangoModelFactory):
    class Meta:
        model = CoBuildingAgreement

    community = factory.SubFactory(CommunityFactory)
    partner_name = factory.Sequence(lambda n: f"共建单位{n}")
    signed_on = dt.date(2023, 1, 1)
    content = "共建党员活动阵地"


class ResourceFactory(DjangoModelFactory):
    class Meta:
        model = Resource

    community = factory.SubFactory(CommunityFactory)
    provider = factory.Sequence(lambda n: f"提供单位{n}")
    title = factory.Sequence(lambda n: f"测试资源{n}")
    listed_on = dt.date(2023, 1, 1)


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"测试需求{n}")
    raised_on = dt.date(2023, 2, 1)


class StaffScopeFactory(DjangoModelFactory):
    """A secretary's scope over ``communities`` of ``street``; ``whole_street=True`` for street staff."""

    class Meta:
        model = StaffScope
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    street = factory.SubFactory(StreetFactory)
    whole_street = False

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if create and extracted:
            self.communities.set(extracted)


def _area_cluster_in(community: Community) -> AreaCluster:
    cluster = AreaClusterFactory(street=community.street, name=f"{community.name}片区")
    community.area_cluster = cluster
    community.save(update_fields=["area_cluster"])
    return cluster


def _economic_society_in(community: Community) -> EconomicSociety:
    # 经济社 exist only in rural communities (夏东社区), so the community becomes one first.
    if community.kind != Community.Kind.RURAL:
        community.kind = Community.Kind.RURAL
        community.save(update_fields=["kind"])
    return EconomicSocietyFactory(community=community)


# How to make one record of each scoped model inside ``community``. District and Street lie above
# the community level: "inside" means "holding", so they are the community's own district and street.
IN_COMMUNITY: dict[type[models.Model], Callable[[Community], models.Model]] = {
    District: lambda community: community.street.district,
    Street: lambda community: community.street,
    AreaCluster: _area_cluster_in,
    Community: lambda community: community,
    Grid: lambda community: CompoundGridFactory(community=community),
    EconomicSociety: _economic_society_in,
    PartyOrganization: lambda community: PartyOrganizationFactory(community=community),
    PartyMember: lambda community: PartyMemberFactory(organization__community=community),
    Position: lambda community: PositionFactory(person__organization__community=community),
    ServiceCenter: lambda community: ServiceCenterFactory(community=community),
    OpeningInterval: lambda community: OpeningIntervalFactory(center__community=community),
    OpeningException: lambda community: OpeningExceptionFactory(center__community=community),
    JointMeeting: lambda community: JointMeetingFactory(community=community),
    CoBuildingAgreement: lambda community: CoBuildingAgreementFactory(community=community),
    Resource: lambda community: ResourceFactory(community=community),
    Need: lambda community: NeedFactory(community=community),
    StaffScope: lambda community: StaffScopeFactory(street=community.street, communities=[community]),
}
