from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from organizations.models import Community, District, Street
from projects.models import (
    ProgressUpdate,
    ProjectMilestone,
    ProjectTarget,
    SecretaryProject,
    WorkItem,
    WorkPlan,
    WorkTheme,
)


def default_street() -> Street:
    street = Street.objects.filter(name="桂城街道").first()
    if street is None:
        district, _ = District.objects.get_or_create(name="南海区")
        street = Street.objects.create(district=district, name="桂城街道")
    return street


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.LazyFunction(default_street)
    name = factory.Sequence(lambda n: f"测试社区{n:03d}")
    kind = Community.Kind.URBAN
    is_demo = True


class SecretaryProjectFactory(DjangoModelFactory):
    class Meta:
        model = SecretaryProject

    community = factory.SubFactory(CommunityFactory)
    year = 2023
    title = factory.Sequence(lambda n: f"书记工程{n}")
    focus = "社区治理难题"
    plan = "分季度推进"
    is_public = True


class ProjectTargetFactory(DjangoModelFactory):
    class Meta:
        model = ProjectTarget

    project = factory.SubFactory(SecretaryProjectFactory)
    label = factory.Sequence(lambda n: f"指标{n}")
    unit = "个"
    planned_value = Decimal(6)


class ProjectMilestoneFactory(DjangoModelFactory):
    class Meta:
        model = ProjectMilestone

    project = factory.SubFactory(SecretaryProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "季度节点"
    due_on = date(2023, 3, 31)


class WorkPlanFactory(DjangoModelFactory):
    class Meta:
        model = WorkPlan

    street = factory.LazyFunction(default_street)
    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda plan: f"{plan.year}年党建工作计划")


class WorkThemeFactory(DjangoModelFactory):
    class Meta:
        model = WorkTheme

    plan = factory.SubFactory(WorkPlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"主题{n}")


class WorkItemFactory(DjangoModelFactory):
    class Meta:
        model = WorkItem

    theme = factory.SubFactory(WorkThemeFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"要点{n}")
    lead_unit = "党建工作办公室"


class ProgressUpdateFactory(DjangoModelFactory):
    """Writes an update directly (no roll-up); tests of the rules go through the services."""

    class Meta:
        model = ProgressUpdate

    project = factory.SubFactory(SecretaryProjectFactory)
    item = None
    street = factory.LazyAttribute(
        lambda update: update.project.community.street if update.project else update.item.theme.plan.street
    )
    date = date(2023, 5, 1)
    text = "推进中"
    percent = 40
