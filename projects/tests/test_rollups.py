"""Roll-up math, as properties: a theme's percent lies between its items' min and max, a plan's
between its themes', and what the services store equals what ``rollups`` recomputes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import rollups, services
from projects.models import ProgressUpdate, ProjectMilestone, SecretaryProject, WorkItem, WorkPlan, WorkTheme

from .factories import SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory, WorkThemeFactory

pytestmark = pytest.mark.django_db

percents = st.integers(min_value=0, max_value=100)
weights = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)
two_place_percents = st.decimals(min_value=0, max_value=100, places=2)


@given(st.lists(st.tuples(two_place_percents, weights), min_size=1, max_size=30))
def test_weighted_mean_lies_between_min_and_max(pairs):
    mean = rollups.weighted_mean(pairs)
    values = [value for value, _ in pairs]
    assert min(values) <= mean <= max(values)
    assert mean == mean.quantize(Decimal("0.01"))


@given(st.lists(percents, min_size=1, max_size=10), weights)
def test_equal_percents_give_that_percent(values, weight):
    assert rollups.weighted_mean([(values[0], weight)] * len(values)) == values[0]


def test_weighted_mean_examples():
    assert rollups.weighted_mean([]) == 0
    assert rollups.weighted_mean([(100, 3), (0, 1)]) == Decimal("75.00")
    assert rollups.weighted_mean([(Decimal("33.33"), 1), (Decimal("33.34"), 2)]) == Decimal("33.34")


@given(st.lists(st.tuples(st.dates(), st.integers(1, 10_000), percents), max_size=20, unique_by=lambda u: u[1]))
def test_latest_percent_is_the_latest_by_date_then_posting_order(updates):
    percent, day = rollups.latest_percent(updates)
    if not updates:
        assert (percent, day) == (0, None)
    else:
        latest = sorted(updates, key=lambda u: (u[0], u[1]))[-1]
        assert (percent, day) == (latest[2], latest[0])


def recomputed_plan(plan: WorkPlan) -> tuple[Decimal, dict[int, Decimal], dict[int, int]]:
    """What the stored figures should be, straight from the timelines, via ``rollups`` only."""
    items = {}
    for item in WorkItem.objects.filter(theme__plan=plan):
        timeline = ProgressUpdate.objects.filter(item=item).values_list("date", "pk", "percent")
        items[item.pk] = rollups.latest_percent(timeline)[0]
    themes = {}
    for theme in WorkTheme.objects.filter(plan=plan):
        themes[theme.pk] = rollups.weighted_mean(
            (items[item.pk], item.weight) for item in WorkItem.objects.filter(theme=theme)
        )
    plan_percent = rollups.weighted_mean((themes[t.pk], t.weight) for t in WorkTheme.objects.filter(plan=plan))
    return plan_percent, themes, items


theme_shapes = st.lists(  # themes → items → (weight, [update percents])
    st.tuples(weights, st.lists(st.tuples(weights, st.lists(percents, max_size=3)), min_size=1, max_size=4)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=theme_shapes)
def test_stored_plan_roll_ups_equal_recomputed_and_stay_in_range(guicheng, street_staff, shape):
    # Each example runs in a savepoint rolled back at its end, so examples do not see each other.
    with transaction.atomic():
        # given a plan with themes and items, and updates posted through the service
        plan = WorkPlanFactory(street=guicheng, year=2023)
        day = date(2023, 3, 1)
        for theme_number, (theme_weight, items) in enumerate(shape, 1):
            theme = WorkThemeFactory(plan=plan, number=theme_number, weight=theme_weight)
            for item_number, (item_weight, timeline) in enumerate(items, 1):
                item = WorkItemFactory(theme=theme, number=item_number, weight=item_weight)
                for percent in timeline:
                    day += timedelta(days=1)
                    services.progress_update_add(user=street_staff, item=item, date=day, text="进展", percent=percent)

        # then stored == recomputed, at every level
        plan.refresh_from_db()
        plan_percent, themes, items = recomputed_plan(plan)
        assert plan.percent == plan_percent
        assert dict(WorkTheme.objects.filter(plan=plan).values_list("pk", "percent")) == themes
        assert dict(WorkItem.objects.filter(theme__plan=plan).values_list("pk", "percent")) == items

        # and each theme lies between its items' min and max, the plan between its themes'
        for theme in WorkTheme.objects.filter(plan=plan):
            item_percents = [items[pk] for pk in theme.items.values_list("pk", flat=True)]
            assert min(item_percents) <= theme.percent <= max(item_percents)
        assert min(themes.values()) <= plan.percent <= max(themes.values())
        transaction.set_rollback(True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(0, 200), percents),  # (add, day offset, percent)
            st.tuples(st.just("correct"), st.integers(0, 10), percents),  # (correct, which, percent)
            st.tuples(st.just("delete"), st.integers(0, 10), st.just(0)),  # (delete, which, -)
            # (acceptance, 0: add an acceptance step not done / 1: date the steps done, -)
            st.tuples(st.just("acceptance"), st.integers(0, 1), st.just(0)),
        ),
        max_size=8,
    )
)
def test_stored_project_percent_and_status_equal_recomputed_after_any_history(
    guicheng, community, guihua_secretary, street_staff, steps
):
    with transaction.atomic():
        project = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
        for action, number, percent in steps:
            existing = list(ProgressUpdate.objects.filter(project=project).order_by("pk"))
            if action == "add":
                services.progress_update_add(
                    user=guihua_secretary,
                    project=project,
                    date=date(2023, 1, 1) + timedelta(days=number),
                    text="进展",
                    percent=percent,
                )
            elif existing and action == "correct":
                update = existing[number % len(existing)]
                services.progress_update_correct(
                    update=update, user=guihua_secretary, text="更正", percent=percent, date=update.date
                )
            elif existing and action == "delete":
                services.progress_update_delete(update=existing[number % len(existing)], user=street_staff)
            elif action == "acceptance" and number == 0:
                ProjectMilestone.objects.create(
                    project=project,
                    number=ProjectMilestone.objects.filter(project=project).count() + 1,
                    title="验收",
                    due_on=date(2023, 12, 31),
                    is_acceptance=True,
                )
            elif action == "acceptance":
                for milestone in ProjectMilestone.objects.filter(project=project, is_acceptance=True):
                    milestone.done_on = date(2023, 12, 20)
                    milestone.save()  # as the admin's inline does: the status follows (signals)

        project.refresh_from_db()
        timeline = ProgressUpdate.objects.filter(project=project).values_list("date", "pk", "percent")
        assert (project.percent, project.last_update_on) == rollups.latest_percent(timeline)
        pending = project.milestones.filter(is_acceptance=True, done_on__isnull=True).exists()
        assert project.status == rollups.progress_status(
            percent=project.percent, last_update_on=project.last_update_on, acceptance_pending=pending
        )
        transaction.set_rollback(True)


def test_recompute_repairs_a_drifted_store_and_is_a_no_op_when_in_step(guicheng, street_staff):
    # given stored figures that drifted (e.g. written by a bulk script)
    item = WorkItemFactory(theme__plan__street=guicheng, theme__plan__year=2023)
    services.progress_update_add(user=street_staff, item=item, date=date(2023, 3, 1), text="进展", percent=40)
    WorkItem.objects.filter(pk=item.pk).update(percent=99)
    WorkPlan.objects.filter(pk=item.theme.plan_id).update(percent=1)

    # when
    services.rollups_recompute(plan=item.theme.plan)

    # then
    item.refresh_from_db()
    assert item.percent == 40
    assert WorkPlan.objects.get(pk=item.theme.plan_id).percent == 40
    assert WorkItem.history.count() == 1  # derived figures leave the change history alone


def test_project_percent_comes_from_updates_not_targets(guicheng, community, guihua_secretary):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    project.targets.create(label="纳入改造的小区", unit="个", planned_value=6, achieved_value=6)

    assert SecretaryProject.objects.get(pk=project.pk).percent == 0
    services.progress_update_add(user=guihua_secretary, project=project, date=date(2023, 4, 1), text="x", percent=25)
    assert SecretaryProject.objects.get(pk=project.pk).percent == 25


def test_the_status_follows_the_timeline_and_the_acceptance_step():
    status = rollups.progress_status
    day = date(2023, 5, 1)
    assert status(percent=0, last_update_on=None) == "not_started"
    assert status(percent=0, last_update_on=day) == "in_progress"  # a 启动会 at 0 % has started
    assert status(percent=99, last_update_on=day) == "in_progress"
    assert status(percent=100, last_update_on=day) == "done"
    assert status(percent=100, last_update_on=day, acceptance_pending=True) == "awaiting_acceptance"
    assert status(percent=60, last_update_on=day, acceptance_pending=True) == "in_progress"


def test_a_project_at_100_percent_reads_done_or_awaiting_acceptance_until_accepted(guicheng, community, street_staff):
    # given a project with an acceptance step, and one without
    with_step = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    step = ProjectMilestone.objects.create(
        project=with_step, number=1, title="总结验收", due_on=date(2023, 12, 31), is_acceptance=True
    )
    plain = SecretaryProjectFactory(community=community("同心社区"), year=2023)
    assert SecretaryProject.objects.get(pk=plain.pk).get_status_display() == "未启动"

    # when both reach 100 %
    for project in (with_step, plain):
        services.progress_update_add(
            user=street_staff,
            project=project,
            date=date(2023, 6, 1),
            text="全部完成",
            percent=100,
        )

    # then the one without a step is 已完成, the other 待验收 until its step is dated
    assert SecretaryProject.objects.get(pk=plain.pk).get_status_display() == "已完成"
    assert SecretaryProject.objects.get(pk=with_step.pk).get_status_display() == "待验收"
    step.done_on = date(2023, 6, 10)
    step.save()
    assert SecretaryProject.objects.get(pk=with_step.pk).get_status_display() == "已完成"
    # and the status is derived: no form offers it, history does not record it
    assert not SecretaryProject._meta.get_field("status").editable
    assert "status" not in {f.name for f in SecretaryProject.history.model._meta.fields}
