from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import ProgressUpdate, ProjectMilestone, SecretaryProject, WorkItem, WorkTheme

from .factories import (
    CommunityFactory,
    ProjectMilestoneFactory,
    ProjectTargetFactory,
    SecretaryProjectFactory,
    WorkItemFactory,
    WorkThemeFactory,
)

pytestmark = pytest.mark.django_db


def test_one_project_per_community_per_year_is_held_by_the_database():
    # given
    project = SecretaryProjectFactory(year=2023)

    # when / then: the ORM bypassing validation still cannot write a second one
    with pytest.raises(IntegrityError, match="secretaryproject_one_per_community_year|UNIQUE"):
        with transaction.atomic():
            SecretaryProject.objects.bulk_create(
                [SecretaryProject(community=project.community, year=2023, title="第二个", focus="x")]
            )
    # ...while another year, or another community, is fine
    SecretaryProjectFactory(community=project.community, year=2024)
    SecretaryProjectFactory(year=2023)
    assert SecretaryProject.objects.count() == 3


def test_full_clean_names_the_per_community_year_rule_in_chinese():
    project = SecretaryProjectFactory(year=2023)
    duplicate = SecretaryProject(community=project.community, year=2023, title="第二个", focus="x")

    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()

    assert "社区" in str(caught.value) and "年度" in str(caught.value)


@pytest.mark.parametrize(
    ("model_update", "rule"),
    [
        (lambda: SecretaryProject.objects.update(percent=101), "secretaryproject_percent_0_to_100"),
        (lambda: WorkTheme.objects.update(weight=0), "worktheme_weight_positive"),
        (lambda: WorkItem.objects.update(weight=-1), "workitem_weight_positive"),
        (lambda: ProgressUpdate.objects.update(percent=120), "progressupdate_percent_0_to_100"),
        (lambda: ProgressUpdate.objects.update(item=WorkItem.objects.first()), "progressupdate_exactly_one_subject"),
        (lambda: ProjectMilestone.objects.update(number=0), "projectmilestone_number_positive"),
    ],
)
def test_check_constraints(model_update, rule):
    # given one of everything
    project = SecretaryProjectFactory()
    WorkItemFactory()
    ProjectMilestoneFactory(project=project)
    ProgressUpdate.objects.create(
        project=project, street=project.community.street, date=date(2023, 5, 1), text="x", percent=5
    )

    with pytest.raises(IntegrityError):
        with transaction.atomic():
            model_update()


def test_milestone_numbers_and_target_labels_are_unique_per_project():
    project = SecretaryProjectFactory()
    ProjectMilestoneFactory(project=project, number=1)
    ProjectTargetFactory(project=project, label="改造小区")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectMilestone.objects.bulk_create(
            [ProjectMilestone(project=project, number=1, title="重复", due_on=date(2023, 6, 30))]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectTargetFactory(project=project, label="改造小区")
    # another project may reuse them
    ProjectMilestoneFactory(number=1)


def test_natural_keys_round_trip():
    project = SecretaryProjectFactory()
    target = ProjectTargetFactory(project=project)
    milestone = ProjectMilestoneFactory(project=project)
    item = WorkItemFactory()

    for obj in (project, target, milestone, item, item.theme, item.theme.plan):
        model = type(obj)
        assert model.objects.get_by_natural_key(*obj.natural_key()) == obj


def test_update_must_belong_to_exactly_one_subject_and_not_before_its_year():
    project = SecretaryProjectFactory(year=2023)
    item = WorkItemFactory()

    neither = ProgressUpdate(date=date(2023, 5, 1), text="x", percent=5)
    both = ProgressUpdate(project=project, item=item, date=date(2023, 5, 1), text="x", percent=5)
    too_early = ProgressUpdate(project=project, date=date(2022, 12, 31), text="x", percent=5)
    future = ProgressUpdate(project=project, date=date(2999, 1, 1), text="x", percent=5)

    for update, message in [
        (neither, "只能属于"),
        (both, "只能属于"),
        (too_early, "不能早于"),
        (future, "不能晚于今天"),
    ]:
        with pytest.raises(ValidationError, match=message):
            update.full_clean()

    ok = ProgressUpdate(project=project, date=date(2023, 5, 1), text="x", percent=5)
    ok.full_clean()
    assert ok.street_id == project.community.street_id  # copied from the subject


def test_target_achievement_and_milestone_quarter():
    target = ProjectTargetFactory(planned_value=6, achieved_value=3)
    milestone = ProjectMilestoneFactory(due_on=date(2023, 8, 15))
    unreported = ProjectTargetFactory(planned_value=6, achieved_value=None)

    assert target.achievement == 50
    assert unreported.achievement is None
    assert milestone.quarter == 3
    assert str(target) == f"{target.label} 6个"


def test_strings_are_readable():
    community = CommunityFactory(name="桂花社区x")
    project = SecretaryProjectFactory(community=community, title="老旧小区改造", year=2023)
    theme = WorkThemeFactory(number=2, title="打造基层治理共同体")
    item = WorkItemFactory(theme=theme, number=3, title="党群服务阵地")

    assert str(project) == "2023年 桂花社区x：老旧小区改造"
    assert str(theme) == "02 打造基层治理共同体"
    assert str(item) == "2.3 党群服务阵地"
