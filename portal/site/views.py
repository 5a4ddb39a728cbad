"""The residents' pages. Thin: each view reads through the apps' selectors and renders; the
rules (who may see what, what is open when, what is 滞后) live in the apps."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core import registry
from core.public_cache import public_page
from organizations import opening
from organizations import selectors as organizations_selectors
from organizations.models import Community, ServiceCenter
from projects import selectors as projects_selectors
from projects.lagging import today_in_beijing
from volunteers.selectors import activities_this_week

from . import volunteering
from .structured import center_json_ld

# “开放中” changes by the minute: pages that show it are cached briefly.
OPEN_NOW_SECONDS = 60
# The directory's page size: a screen or two of cards on a phone.
CENTERS_PER_PAGE = 24


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _center_card(center, now):
    hours = opening.Hours.of(center)
    return {"center": center, "status": opening.status_text(hours, now), "open": opening.is_open_at(hours, now)}


def _figures(street) -> list:
    """The street's 数读 figures; each says where its records are listed (``public_url``, set
    where the figure is registered) or, in its help text, why they are not."""
    return registry.figures_for(street) if street is not None else []


@public_page(OPEN_NOW_SECONDS)
def home(request):
    street = organizations_selectors.default_street()
    now = timezone.now()
    context = {
        "street": street,
        "figures": _figures(street),
        "activities": activities_this_week(street=street, now=now),
        "updates": projects_selectors.latest_updates(limit=6),
        "today": today_in_beijing(),
    }
    return render(request, "portal/site/home.html", context)


@public_page(OPEN_NOW_SECONDS)
def center_list(request):
    now, today = timezone.now(), today_in_beijing()
    level = request.GET.get("level") or None
    community_id = _int(request.GET.get("community"))
    open_only = request.GET.get("open") == "1"
    street = organizations_selectors.default_street()
    centers = organizations_selectors.public_centers(
        street_id=street.pk if street else None, level=level, community_id=community_id, today=today
    )
    if open_only:
        # “开放中” is computed in Python from the hours: filter every centre, then paginate.
        cards = [card for card in (_center_card(center, now) for center in centers) if card["open"]]
        page = Paginator(cards, CENTERS_PER_PAGE).get_page(request.GET.get("page"))
    else:
        # Without it the database pages, and only one page's hours are read.
        page = Paginator(centers, CENTERS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = [_center_card(center, now) for center in page.object_list]
    context = {
        "cards": page.object_list,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "levels": [(key, label) for key, (label, _) in organizations_selectors.PUBLIC_CENTER_LEVELS.items()],
        "level": level,
        "communities": Community.objects.filter(street=street).order_by("name") if street else [],
        "community_id": community_id,
        "open_only": open_only,
    }
    return render(request, "portal/site/center_list.html", context)


@public_page(OPEN_NOW_SECONDS)
def center_detail(request, pk: int):
    now, today = timezone.now(), today_in_beijing()
    center = organizations_selectors.public_center(pk=pk, today=today)
    if center is None:
        raise Http404
    hours = opening.Hours.of(center)
    exceptions = sorted(
        (e for e in center.opening_exceptions.all() if e.date >= today), key=lambda e: (e.date, e.opens_at or e.date)
    )
    context = {
        "center": center,
        "status": opening.status_text(hours, now),
        "open": opening.is_open_at(hours, now),
        "week": opening.week(hours, today),
        "has_hours": any(hours.weekly.values()) or bool(hours.exceptions),
        "exceptions": exceptions,
        "json_ld": center_json_ld(center, hours, today=today, url=request.build_absolute_uri()),
        "projects": projects_selectors.public_projects_of(community_id=center.community_id)
        if center.community_id
        else [],
        "activities": volunteering.upcoming_at(center, now),
    }
    return render(request, "portal/site/center_detail.html", context)


@public_page()
def street_list(request):
    return render(request, "portal/site/street_list.html", {"streets": organizations_selectors.public_streets()})


@public_page()
def community_detail(request, pk: int):
    community = organizations_selectors.public_community(pk=pk)
    if community is None:
        raise Http404
    context = {
        "community": community,
        "projects": projects_selectors.public_projects_of(community_id=community.pk),
        "levels": ServiceCenter.Level,
    }
    return render(request, "portal/site/community_detail.html", context)


@public_page()
def project_board(request, year: int | None = None):
    """The year's 书记工程, filtered by community, status and 滞后 — all in the address, so a
    filtered board can be shared (“桂花社区的书记工程”)."""
    years = projects_selectors.public_years()
    year = year or (years[0] if years else today_in_beijing().year)
    street = organizations_selectors.default_street()
    street_id = street.pk if street else None
    communities = projects_selectors.board_communities(year=year, street_id=street_id)
    community_id = _int(request.GET.get("community"))
    if community_id not in {row["community_id"] for row in communities}:
        community_id = None
    status = request.GET.get("status") or None
    if status not in dict(projects_selectors.PROJECT_STATUSES):
        status = None
    lagging_only = request.GET.get("lagging") == "1"
    projects = projects_selectors.project_board(
        year=year, street_id=street_id, community_id=community_id, status=status, lagging_only=lagging_only
    )
    context = {
        "year": year,
        "projects": list(projects),
        "total": len(communities),
        "lagging_count": sum(row["is_lagging"] for row in communities),
        "communities": communities,
        "community_id": community_id,
        "statuses": projects_selectors.PROJECT_STATUSES,
        "status": status,
        "lagging_only": lagging_only,
        "filtered": bool(community_id or status or lagging_only),
        "years": years,
    }
    return render(request, "portal/site/project_board.html", context)


@public_page()
def project_detail(request, pk: int):
    project = projects_selectors.public_project(pk=pk)
    if project is None:
        raise Http404
    context = {"project": project, "updates": projects_selectors.timeline(project=project)}
    return render(request, "portal/site/project_detail.html", context)


@public_page()
def plan_board(request, year: int | None = None, printable: bool = False):
    street = organizations_selectors.default_street()
    year = year or projects_selectors.latest_public_plan_year(street_id=street.pk if street else None)
    plan = projects_selectors.plan_board(year=year, street_id=street.pk if street else None).first()
    if plan is None:
        raise Http404
    template = "portal/site/plan_print.html" if printable else "portal/site/plan_board.html"
    return render(request, template, {"plan": plan, "year": year, "today": today_in_beijing()})


@public_page()
def search(request):
    query = (request.GET.get("q") or "").strip()[:50]
    results = {}
    if query:
        results = organizations_selectors.search_places(query)
        results["projects"] = list(projects_selectors.search_public_projects(query))
        results["activities"] = list(volunteering.search_activities(query))
    return render(request, "portal/site/search.html", {"query": query, "results": results})


def robots(request):
    """Public pages may be indexed; the admin may not."""
    return HttpResponse("User-agent: *\nDisallow: /admin/\n", content_type="text/plain; charset=utf-8")
