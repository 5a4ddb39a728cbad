"""Query counts stay flat: every changelist of the projects admin and every selector the public
boards use costs the same at 2 rows as at 50. Each test lists the queries it expects."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import Community
from organizations.scope import scope_of
from projects import selectors
from projects.models import ProgressUpdate, SecretaryProject, StaleReminder, UpdatePhoto, WorkItem, WorkPlan, WorkTheme
from projects.resources import quarterly_report

from .factories import (
    CommunityFactory,
    ProgressUpdateFactory,
    ProjectMilestoneFactory,
    ProjectTargetFactory,
    SecretaryProjectFactory,
    WorkItemFactory,
    WorkPlanFactory,
    WorkThemeFactory,
)

pytestmark = pytest.mark.django_db

SIZES = (2, 50)


def count_queries(run) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured), [q["sql"] for q in captured]


def flat(build, run) -> int:
    """Builds 2 rows, counts; adds up to 50, counts again; the two must match."""
    counts = []
    made = 0
    for size in SIZES:
        build(size - made)
        made = size
        counts.append(count_queries(run))
    (small, small_sql), (big, big_sql) = counts
    assert small == big, "\n".join(big_sql)
    return small


# --- Data ---------------------------------------------------------------------------------------


def make_projects(n: int, **where) -> None:
    for community in CommunityFactory.create_batch(n, **where):
        project = SecretaryProjectFactory(community=community, year=2023)
        ProjectTargetFactory(project=project)
        ProjectMilestoneFactory(project=project, number=1)
        update = ProgressUpdateFactory(project=project)
        UpdatePhoto.objects.create(update=update, image="projects/updates/x.jpg")


def make_updates(n: int) -> None:
    project = SecretaryProject.objects.first() or SecretaryProjectFactory(year=2023)
    item = WorkItem.objects.first() or WorkItemFactory()
    for i in range(n):
        update = ProgressUpdateFactory(project=project) if i % 2 else ProgressUpdateFactory(project=None, item=item)
        UpdatePhoto.objects.create(update=update, image="projects/updates/x.jpg")


def make_items(n: int) -> None:
    theme = WorkTheme.objects.filter(plan__year=2023).first() or WorkThemeFactory(plan__year=2023)
    start = WorkItem.objects.filter(theme=theme).count()
    for i in range(n):
        item = WorkItemFactory(theme=theme, number=start + i + 1)
        ProgressUpdateFactory(project=None, item=item)


def make_plans(n: int) -> None:
    for plan in WorkPlanFactory.create_batch(n):
        WorkThemeFactory(plan=plan, number=1)


def make_reminders(n: int) -> None:
    for community in CommunityFactory.create_batch(n):
        project = SecretaryProjectFactory(community=community, year=2023)
        StaleReminder.objects.create(project=project, year=2023, quarter=3, recipients="a@example.cn")


# --- Admin changelists --------------------------------------------------------------------------

# Every changelist page as street staff costs 4 queries before its own: the user, the staff scope
# (then cached on the user), the user's and the groups' permissions. The session comes from the
# cache. Then a COUNT for the paginator and the page itself (joins and the 滞后 flag inside it).
BASE = 4
CHANGELISTS = [
    # + COUNT, page (community joined, 滞后 annotated), distinct years (year filter)
    (SecretaryProject, make_projects, BASE + 3),
    # + COUNT, page (project, community, item, theme, author joined), the date hierarchy's
    #   min/max and its distinct days
    (ProgressUpdate, make_updates, BASE + 4),
    # + COUNT, page (street joined), themes (prefetched for the theme count)
    (WorkPlan, make_plans, BASE + 3),
    # + the plans and the themes offered by the two related-only filters, COUNT, page (theme and
    #   plan joined, 滞后 annotated)
    (WorkItem, make_items, BASE + 4),
    # + COUNT, page (project and community joined), distinct years, distinct quarters (filters)
    (StaleReminder, make_reminders, BASE + 4),
]


@pytest.mark.parametrize(("model", "build", "expected"), CHANGELISTS, ids=lambda v: getattr(v, "__name__", ""))
def test_changelists_are_flat(street_client, model, build, expected):
    url = reverse(f"admin:projects_{model._meta.model_name}_changelist")

    def run():
        response = street_client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) in SIZES

    assert flat(build, run) == expected


def test_the_secretarys_project_changelist_is_flat(client, guihua_secretary, community):
    # As a secretary the list holds one project at most, but the scope lookup is the same query:
    # user, staff scope + its communities, 2 permissions, COUNT, page, distinct years.
    client.force_login(guihua_secretary)
    SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    count, _ = count_queries(lambda: client.get(reverse("admin:projects_secretaryproject_changelist")))
    assert count == 8


# --- Selectors of the public boards ---------------------------------------------------------------


def test_project_board_is_flat(guicheng):
    shown = []

    # projects (community joined, 滞后 annotated), their targets, their milestones
    def run():
        shown.clear()
        for project in selectors.project_board(year=2023, today=date(2023, 8, 1)):
            targets = [t.achievement for t in project.targets.all()]
            milestones = [m.quarter for m in project.milestones.all()]
            shown.append((project.community.name, project.is_lagging, project.percent, targets, milestones))

    assert flat(make_projects, run) == 3
    assert len(shown) == 50


def test_timelines_and_latest_updates_are_flat(guicheng):
    shown = []

    def run():
        shown.clear()
        project = SecretaryProject.objects.first()  # 1
        for update in selectors.timeline(project=project):  # 2: updates, photos
            shown.append((update.date, update.percent, [p.image.name for p in update.photos.all()]))
        item = WorkItem.objects.first()  # 1
        for update in selectors.timeline(item=item):  # 2: updates, photos
            shown.append((update.date, update.percent, [p.image.name for p in update.photos.all()]))
        for update in selectors.latest_updates(limit=100):  # 2: updates with subjects joined, photos
            subject = update.project.community.name if update.project_id else update.item.theme.title
            shown.append((subject, [p.image.name for p in update.photos.all()]))

    assert flat(make_updates, run) == 8
    assert len(shown) == 100  # 25 + 25 on the timelines, 50 in the latest list


def test_plan_board_is_flat(guicheng):
    shown = []

    # the plan (street joined), its themes, their items (滞后 annotated)
    def run():
        shown.clear()
        plan = selectors.plan_board(year=2023, today=date(2023, 8, 1)).first()
        for theme in plan.themes.all():
            for item in theme.items.all():
                shown.append((item.code, item.title, item.percent, item.is_lagging, item.theme.plan.year))

    assert flat(make_items, run) == 3
    assert len(shown) == 50


def test_lagging_lists_and_the_report_are_flat(guicheng, street_staff):
    today = date(2023, 8, 1)
    scope_of(street_staff)  # read once per request, like the admin's; not the report's cost

    def run():
        list(selectors.lagging_projects(today=today).values_list("community__name"))
        [item.code for item in selectors.lagging_items(today=today)]
        selectors.secretary_emails(Community.objects.values_list("pk", flat=True)[:50])
        quarterly_report(user=street_staff, street=guicheng, year=2023, today=today)

    def build(n):
        make_projects(n, street=guicheng)  # the report's street, so the report grows too
        make_items(n)

    # lagging projects, lagging items, the community ids handed in + the e-mails (one join), and
    # the report's projects, items, plans, themes
    assert flat(build, run) == 8
