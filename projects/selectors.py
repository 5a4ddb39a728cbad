"""Reads of the projects app: the public boards, timelines, roll-ups and the 滞后 lists. Each
returns a queryset with its joins and prefetches applied, so a page costs a fixed number of
queries however many rows it shows."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from organizations.models import StaffScope
from organizations.scope import SECRETARY_GROUP, acts_on_whole_street

from .lagging import annotate_lagging, judge, lagging_q, today_in_beijing
from .models import (
    ProgressUpdate,
    SecretaryProject,
    UpdatePhoto,
    WorkItem,
    WorkPlan,
    WorkTheme,
)

ITEM_YEAR = "theme__plan__year"


# --- 书记工程 ---------------------------------------------------------------------------------


def projects_with_lagging(queryset: QuerySet | None = None, *, today: date | None = None) -> QuerySet:
    """Projects annotated with ``is_lagging`` (the computed 滞后 flag) and their community."""
    queryset = SecretaryProject.objects.all() if queryset is None else queryset
    return annotate_lagging(queryset.select_related("community"), today)


def project_board(
    *,
    year: int,
    street_id: int | None = None,
    today: date | None = None,
    community_id: int | None = None,
    status: str | None = None,
    lagging_only: bool = False,
) -> QuerySet:
    """The public 书记工程 board of a year: every public project (of one community, in one
    status, only the 滞后 ones, when asked) with its community, targets, milestones and the 滞后
    flag (three queries: projects, targets, milestones)."""
    today = today or today_in_beijing()
    queryset = SecretaryProject.objects.public().for_year(year)
    if street_id is not None:
        queryset = queryset.filter(community__street_id=street_id)
    if community_id is not None:
        queryset = queryset.filter(community_id=community_id)
    if status:
        queryset = queryset.filter(status=status)
    if lagging_only:
        queryset = queryset.filter(lagging_q(today))
    return (
        projects_with_lagging(queryset, today=today)
        .prefetch_related("targets", "milestones")
        .order_by("community__name")
    )


def board_communities(*, year: int, street_id: int | None = None, today: date | None = None) -> list[dict]:
    """The communities with a public project in ``year``, by name, each with ``is_lagging``:
    the board's community filter and its counts, in one query."""
    queryset = SecretaryProject.objects.public().for_year(year)
    if street_id is not None:
        queryset = queryset.filter(community__street_id=street_id)
    return list(
        annotate_lagging(queryset, today)
        .order_by("community__name")
        .values("community_id", "community__name", "is_lagging")
    )


def lagging_projects(*, today: date | None = None, user=None) -> QuerySet:
    """Projects the 滞后 rule flags on ``today``, with their community; with ``user``, only
    those in their scope (the work queue)."""
    today = today or today_in_beijing()
    queryset = SecretaryProject.objects.all() if user is None else SecretaryProject.objects.scoped_for(user)
    return queryset.filter(lagging_q(today)).select_related("community").order_by("community__name")


# --- 桂城党建730 ------------------------------------------------------------------------------


def items_with_lagging(queryset: QuerySet | None = None, *, today: date | None = None) -> QuerySet:
    queryset = WorkItem.objects.all() if queryset is None else queryset
    return annotate_lagging(queryset.select_related("theme__plan"), today, year_path=ITEM_YEAR)


def plan_board(*, year: int, street_id: int | None = None, today: date | None = None) -> QuerySet:
    """The public 730 board: the year's plan with its themes and their items, each item with
    the 滞后 flag (three queries: plan, themes, items). Take ``.first()``."""
    queryset = WorkPlan.objects.public().for_year(year)
    if street_id is not None:
        queryset = queryset.filter(street_id=street_id)
    items = items_with_lagging(WorkItem.objects.order_by("number"), today=today)
    themes = WorkTheme.objects.order_by("number").prefetch_related(Prefetch("items", queryset=items))
    return queryset.select_related("street").prefetch_related(Prefetch("themes", queryset=themes))


def lagging_items(*, today: date | None = None, user=None) -> QuerySet:
    """730 items the 滞后 rule flags on ``today``; with ``user``, only those in their scope."""
    today = today or today_in_beijing()
    queryset = WorkItem.objects.all() if user is None else WorkItem.objects.scoped_for(user)
    return queryset.filter(lagging_q(today, year_path=ITEM_YEAR)).select_related("theme__plan")


# --- The workspace ------------------------------------------------------------------------------


def workspace_projects(*, user, today: date | None = None) -> list[SecretaryProject]:
    """The user's 书记工程 of the latest year they have any, lagging first, each with
    ``lag`` (the verdict and its reasons) — two queries: the year, the projects."""
    today = today or today_in_beijing()
    scoped = SecretaryProject.objects.scoped_for(user)
    year = scoped.filter(year__lte=today.year).order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return []
    lagging_first = projects_with_lagging(scoped.for_year(year), today=today).order_by("-is_lagging", "community__name")
    projects = list(lagging_first)
    for project in projects:
        project.lag = judge(percent=project.percent, last_update_on=project.last_update_on, year=year, today=today)
    return projects


def workspace_items(*, user, today: date | None = None) -> list[WorkItem]:
    """The 730 items street staff post progress on: those of the latest plan in scope that are
    滞后, each with ``lag`` — two queries. Secretaries read the list but do not post on it."""
    if not acts_on_whole_street(user):
        return []
    today = today or today_in_beijing()
    scoped = WorkItem.objects.scoped_for(user)
    year = scoped.filter(**{f"{ITEM_YEAR}__lte": today.year}).order_by(f"-{ITEM_YEAR}")
    year = year.values_list(ITEM_YEAR, flat=True).first()
    if year is None:
        return []
    items = list(
        scoped.filter(lagging_q(today, year_path=ITEM_YEAR), **{ITEM_YEAR: year})
        .select_related("theme__plan")
        .order_by("theme__number", "number")
    )
    for item in items:
        item.lag = judge(percent=item.percent, last_update_on=item.last_update_on, year=year, today=today)
    return items


# --- Shared -----------------------------------------------------------------------------------


def timeline(*, project: SecretaryProject | None = None, item: WorkItem | None = None, public_only: bool = True):
    """A project's or an item's updates, newest first, with their photos (two queries). With
    ``public_only``, an unpublished project's or plan's timeline is empty."""
    if (project is None) == (item is None):
        raise ValueError("give a project or an item")
    queryset = ProgressUpdate.objects.filter(project=project) if project else ProgressUpdate.objects.filter(item=item)
    if public_only:
        queryset = queryset.public()
    return queryset.prefetch_related(_photos()).order_by("-date", "-pk")


def latest_updates(*, limit: int = 10, today: date | None = None, street_id: int | None = None) -> QuerySet:
    """The newest public updates of both kinds (of one street, when given), for the home page
    and the big screen (two queries)."""
    queryset = ProgressUpdate.objects.public()
    if street_id is not None:
        queryset = queryset.filter(street_id=street_id)
    return (
        queryset.select_related("project__community", "item__theme")
        .prefetch_related(_photos())
        .order_by("-date", "-pk")[:limit]
    )


def _photos() -> Prefetch:
    return Prefetch("photos", queryset=UpdatePhoto.objects.order_by("pk"))


def secretary_emails(community_ids) -> dict[int, list[str]]:
    """The e-mail addresses of the active 社区书记 accounts of each community (one query)."""
    links = (
        StaffScope.communities.through.objects.filter(
            community_id__in=list(community_ids),
            staffscope__user__is_active=True,
            staffscope__user__groups__name=SECRETARY_GROUP,
        )
        .exclude(staffscope__user__email="")
        .values_list("community_id", "staffscope__user__email")
        .order_by("community_id", "staffscope__user__email")
        .distinct()
    )
    emails: dict[int, list[str]] = {}
    for community_id, email in links:
        emails.setdefault(community_id, []).append(email)
    return emails


def report_projects(*, user, street_id: int, year: int, today: date | None = None) -> QuerySet:
    """Every project of a year (public or not) of one street, as far as ``user``'s scope
    reaches, for the street's quarterly report."""
    projects = SecretaryProject.objects.scoped_for(user).for_year(year).filter(community__street_id=street_id)
    return projects_with_lagging(projects, today=today).order_by("community__name")


def report_items(*, user, street_id: int, year: int, today: date | None = None) -> QuerySet:
    items = WorkItem.objects.scoped_for(user).for_year(year).filter(theme__plan__street_id=street_id)
    return items_with_lagging(items, today=today).order_by("theme__number", "number")


def report_plans(*, user, street_id: int, year: int) -> QuerySet:
    return WorkPlan.objects.scoped_for(user).for_year(year).filter(street_id=street_id).prefetch_related("themes")


# --- Public pages -------------------------------------------------------------------------------

PROJECT_STATUSES = SecretaryProject.Status.choices


def public_years() -> list[int]:
    """Years with public 书记工程, newest first."""
    return list(SecretaryProject.objects.public().order_by("-year").values_list("year", flat=True).distinct())


def latest_public_year() -> int | None:
    return SecretaryProject.objects.public().order_by("-year").values_list("year", flat=True).first()


def latest_public_plan_year(*, street_id: int | None = None) -> int | None:
    plans = WorkPlan.objects.public() if street_id is None else WorkPlan.objects.public().filter(street_id=street_id)
    return plans.order_by("-year").values_list("year", flat=True).first()


def public_projects(*, today: date | None = None) -> QuerySet:
    """Every public project, newest year first, with its community, targets, milestones and the
    滞后 flag (three queries), for the API and the open-data file."""
    queryset = SecretaryProject.objects.public().prefetch_related("targets", "milestones")
    return projects_with_lagging(queryset, today=today).order_by("-year", "community__name", "pk")


def projects_visible_to(user, *, today: date | None = None) -> QuerySet:
    """Public projects, and for staff also the unpublished ones of their scope (as the admin
    shows them), with what a project's page needs."""
    in_scope = SecretaryProject.objects.scoped_for(user).values("pk")
    queryset = SecretaryProject.objects.filter(Q(is_public=True) | Q(pk__in=in_scope))
    return projects_with_lagging(queryset.prefetch_related("targets", "milestones"), today=today).order_by(
        "-year", "community__name", "pk"
    )


def public_plans(*, street_id: int | None = None, today: date | None = None) -> QuerySet:
    """Every public 730 plan, newest first, with themes and items as on the board (three queries)."""
    queryset = WorkPlan.objects.public()
    if street_id is not None:
        queryset = queryset.filter(street_id=street_id)
    items = items_with_lagging(WorkItem.objects.order_by("number"), today=today)
    themes = WorkTheme.objects.order_by("number").prefetch_related(Prefetch("items", queryset=items))
    return (
        queryset.select_related("street").prefetch_related(Prefetch("themes", queryset=themes)).order_by("-year", "pk")
    )


def public_plan_items(*, year: int | None = None, today: date | None = None) -> QuerySet:
    """The items of public plans with their theme and plan and the 滞后 flag (one query)."""
    queryset = WorkItem.objects.filter(theme__plan__is_public=True)
    if year is not None:
        queryset = queryset.filter(theme__plan__year=year)
    return items_with_lagging(queryset, today=today).order_by("-theme__plan__year", "theme__number", "number")


def public_project(*, pk: int, today: date | None = None) -> SecretaryProject | None:
    """A public project with its community, targets, milestones and 滞后 flag."""
    queryset = SecretaryProject.objects.public().filter(pk=pk).prefetch_related("targets", "milestones")
    return projects_with_lagging(queryset, today=today).select_related("community__street").first()


def public_projects_of(*, community_id: int, today: date | None = None) -> QuerySet:
    """A community's public projects, newest year first, with the 滞后 flag."""
    queryset = SecretaryProject.objects.public().filter(community_id=community_id).order_by("-year")
    return projects_with_lagging(queryset, today=today)


def search_public_projects(query: str, *, limit: int = 20) -> QuerySet:
    """Public projects by title, or by their community's name, pinyin or initials."""
    text, lowered = query.strip(), query.strip().lower()
    condition = (
        Q(title__icontains=text)
        | Q(community__name__icontains=text)
        | Q(community__pinyin__startswith=lowered)
        | Q(community__initials__startswith=lowered)
    )
    return SecretaryProject.objects.public().filter(condition).select_related("community").order_by("-year")[:limit]
