"""factory_boy factories for the indicators app. Pass a ``community`` (or ``street``) to place a
record; ``SchemeFactory`` comes with the four default dimensions (25 each, out of 100)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from indicators.models import (
    Dimension,
    FollowUpVisit,
    Instructor,
    Mentor,
    Period,
    PublishedFigure,
    Rating,
    RectificationCase,
    Scheme,
    Score,
    SubIndicator,
)
from indicators.subjects import SubjectKind
from organizations.models import PartyOrganization, StaffScope
from organizations.tests.factories import (
    CommunityFactory,
    EconomicSocietyFactory,
    PartyOrganizationFactory,
    StreetFactory,
    UserFactory,
)

DEFAULT_DIMENSIONS = ("动员能力", "组织能力", "决策能力", "执行能力")


class SchemeFactory(DjangoModelFactory):
    class Meta:
        model = Scheme
        skip_postgeneration_save = True

    street = factory.SubFactory(StreetFactory)
    name = "经济社党支部战斗力指数"
    subject_kind = SubjectKind.SOCIETY_BRANCH
    year = 2023
    version = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def dimensions(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        names = extracted or DEFAULT_DIMENSIONS
        weight = Decimal(100) / len(names)
        for number, name in enumerate(names, start=1):
            Dimension.objects.create(scheme=self, number=number, name=name, weight=weight)


class DimensionFactory(DjangoModelFactory):
    class Meta:
        model = Dimension

    scheme = factory.SubFactory(SchemeFactory, dimensions=False)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"维度{n}")
    weight = Decimal(25)
    max_points = Decimal(100)


class SubIndicatorFactory(DjangoModelFactory):
    class Meta:
        model = SubIndicator

    dimension = factory.SubFactory(DimensionFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"细项{n}")
    max_points = Decimal(10)


class PeriodFactory(DjangoModelFactory):
    class Meta:
        model = Period

    scheme = factory.SubFactory(SchemeFactory)
    name = factory.Sequence(lambda n: f"测试评定期{n}")
    kind = Period.Kind.QUARTER
    year = factory.SelfAttribute("scheme.year")
    quarter = factory.Sequence(lambda n: n % 4 + 1)


def society_branch(community=None, **kwargs) -> PartyOrganization:
    """A 经济社党支部: a branch in an economic society of ``community`` (made rural), under the
    community's committee."""
    community = community or CommunityFactory(rural=True)
    society = EconomicSocietyFactory(community=community) if community.kind == "rural" else None
    if society is None:
        community.kind = "rural"
        community.save(update_fields=["kind"])
        society = EconomicSocietyFactory(community=community)
    parent = PartyOrganization.objects.filter(
        community=community, kind=PartyOrganization.Kind.COMMITTEE
    ).first() or PartyOrganizationFactory(community=community, field=PartyOrganization.Field.RURAL)
    return PartyOrganizationFactory(
        community=community,
        parent=parent,
        kind=PartyOrganization.Kind.BRANCH,
        field=PartyOrganization.Field.RURAL,
        economic_society=society,
        name=f"{community.name}{society.name}党支部",
        **kwargs,
    )


class ScoreFactory(DjangoModelFactory):
    class Meta:
        model = Score

    period = factory.SubFactory(PeriodFactory)
    subject = factory.SubFactory(PartyOrganizationFactory)
    dimension = factory.LazyAttribute(lambda o: o.period.scheme.dimensions.order_by("number").first())
    value = Decimal(80)
    evidence = "党员大会记录、活动台账"


def score_all(period: Period, subject: PartyOrganization, values) -> list[Score]:
    """Scores of ``subject`` in every dimension of the period's scheme: one value for all, or
    one per dimension in order."""
    dimensions = list(period.scheme.dimensions.order_by("number"))
    if not isinstance(values, list | tuple):
        values = [values] * len(dimensions)
    return [
        Score.objects.create(period=period, subject=subject, dimension=dimension, value=Decimal(str(value)))
        for dimension, value in zip(dimensions, values, strict=True)
    ]


class RatingFactory(DjangoModelFactory):
    class Meta:
        model = Rating

    period = factory.SubFactory(PeriodFactory)
    subject = factory.SubFactory(PartyOrganizationFactory)
    total = Decimal("85.00")
    stars = 4
    previous_stars = None
    movement = Rating.Movement.NEW
    rank = 1


class InstructorFactory(DjangoModelFactory):
    """An instructor with a street-staff login of the same street."""

    class Meta:
        model = Instructor

    street = factory.SubFactory(StreetFactory)
    user = factory.LazyAttribute(
        lambda o: StaffScope.objects.create(user=UserFactory(), street=o.street, whole_street=True).user
    )
    name = factory.Sequence(lambda n: f"指导员{n}")
    unit = "党建工作办公室"


class MentorFactory(DjangoModelFactory):
    class Meta:
        model = Mentor

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"导师{n}")
    title = "党校教授"


class RectificationCaseFactory(DjangoModelFactory):
    class Meta:
        model = RectificationCase

    subject = factory.SubFactory(PartyOrganizationFactory)
    opened_in = factory.SubFactory(PeriodFactory, scheme__street=factory.SelfAttribute("...subject.street"))
    status = RectificationCase.Status.OPEN
    measures = "每月召开一次党员大会；建立经济社重要事项先知先议台账。"
    owner = "经济社党支部书记"
    deadline = dt.date(2023, 12, 31)


class FollowUpVisitFactory(DjangoModelFactory):
    class Meta:
        model = FollowUpVisit

    case = factory.SubFactory(RectificationCaseFactory)
    visited_on = dt.date(2023, 5, 10)
    notes = "检查“两委”班子落实提升计划情况"


class PublishedFigureFactory(DjangoModelFactory):
    class Meta:
        model = PublishedFigure

    street = factory.SubFactory(StreetFactory)
    label = factory.Sequence(lambda n: f"公布指标{n}")
    value = Decimal(45)
    unit = "个"
    source = "000"
    article = "千灯湖畔亮出“党旗红”"
