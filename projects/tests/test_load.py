"""The 2023 reference data (fixtures/projects_2023.json) and the demo year of updates."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from projects.demo import demo_updates_load
from projects.models import (
    ProgressUpdate,
    ProjectMilestone,
    ProjectTarget,
    SecretaryProject,
    WorkItem,
    WorkPlan,
    WorkTheme,
)
from projects.services import projects_2023_load

pytestmark = pytest.mark.django_db

SOURCE = Path(settings.BASE_DIR).parent / "shared" / "data" / "guicheng_2023.json"
REAL_PROJECTS = {"同心社区", "桂花社区", "夏东社区", "林岳社区", "平北社区", "夏南一社区", "夏北社区"}


def counts() -> dict:
    models = (WorkPlan, WorkTheme, WorkItem, SecretaryProject, ProjectTarget, ProjectMilestone, ProgressUpdate)
    return {m.__name__: (m.objects.count(), m.history.count()) for m in models}


def test_the_2023_730_list_is_exact(plan_2023):
    plan = plan_2023

    assert (plan.year, plan.short_title, plan.published_on) == (2023, "桂城党建730", date(2023, 2, 17))
    themes = list(plan.themes.order_by("number"))
    assert [t.title for t in themes] == [
        "党员干部思想建设",
        "打造基层治理共同体",
        "推动城乡融合高质量发展",
        "党员志愿服务延展品牌效应",
        "凝聚区域化党建活力",
        "擦亮人才党建品牌",
        "打造作风过硬的“桂城战队”",
    ]
    assert [t.items.count() for t in themes] == [3, 6, 5, 2, 5, 4, 5]
    assert WorkItem.objects.filter(theme__plan=plan).count() == 30
    assert WorkItem.objects.get(theme__number=7, number=5).title == "实施“大学生返乡成长”计划、经济社储备干部“双百计划”"
    # lead units, owners and targets are not in the article: every item says so
    assert not WorkItem.objects.filter(is_demo=False).exists()


@pytest.mark.skipif(not SOURCE.exists(), reason="the shared research data is not next to the repository")
def test_titles_match_the_research_data_word_for_word(plan_2023):
    source = json.loads(SOURCE.read_text(encoding="utf-8"))

    expected = [
        (t["no"], i, title) for t in source["work_plan_730"]["themes"] for i, title in enumerate(t["points"], 1)
    ]
    actual = list(WorkItem.objects.order_by("theme__number", "number").values_list("theme__number", "number", "title"))
    assert actual == expected
    for item in source["secretary_projects_2023"]["projects"]:
        project = SecretaryProject.objects.get(community__name=item["community"], year=2023)
        assert (project.title, project.focus, project.plan) == (item["title"], item["focus"], item["plan"])
        targets = [(t.label, t.unit, t.planned_value) for t in project.targets.all()]
        assert targets == [(t["label"], t["unit"], t["value"]) for t in item.get("targets", [])]


def test_the_seven_projects_are_real_and_the_other_38_are_demo(plan_2023):

    assert SecretaryProject.objects.filter(year=2023).count() == 45
    real = SecretaryProject.objects.filter(is_demo=False)
    assert set(real.values_list("community__name", flat=True)) == REAL_PROJECTS
    guihua = real.get(community__name="桂花社区")
    assert [(t.label, t.planned_value) for t in guihua.targets.all()] == [("纳入改造的小区", 6)]
    assert [m.quarter for m in guihua.milestones.all()] == [1, 2, 3, 4]
    assert SecretaryProject.objects.filter(is_demo=True, community__is_demo=False).count() == 10


def test_loading_twice_changes_nothing(plan_2023):
    before = counts()

    projects_2023_load()

    assert counts() == before


def test_demo_updates_are_deterministic_idempotent_and_roll_up(plan_2023):
    # when
    written = demo_updates_load(year=2023)
    first = list(
        ProgressUpdate.objects.order_by("project__community__name", "item", "date").values_list(
            "date", "percent", "text"
        )
    )
    again = demo_updates_load(year=2023)

    # then
    assert written == len(first) > 75 * 4  # every project and item, 4–8 updates each
    assert again == 0
    assert not ProgressUpdate.objects.filter(is_demo=False).exists()
    assert SecretaryProject.objects.filter(year=2023, last_update_on__isnull=True).count() == 0
    plan = WorkPlan.objects.get(year=2023)
    assert 0 < plan.percent <= 100
    # the same seed on a fresh load gives the same timeline
    ProgressUpdate.objects.all().delete()
    demo_updates_load(year=2023)
    assert first == list(
        ProgressUpdate.objects.order_by("project__community__name", "item", "date").values_list(
            "date", "percent", "text"
        )
    )


def test_the_command_loads_everything_and_is_safe_to_run_twice(plan_2023, capsys):
    call_command("projects_load")
    before = counts()
    call_command("projects_load")

    assert counts() == before
    assert "新增演示进展 0 条" in capsys.readouterr().out


def test_the_command_without_demo_writes_no_updates(guicheng):
    call_command("projects_load", "--no-demo")

    assert WorkItem.objects.count() == 30 and not ProgressUpdate.objects.exists()
