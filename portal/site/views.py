"""The residents' pages. Thin: each view reads through the apps' selectors and renders; the
rules (who may see what, what is open when, what is 滞后) live in the apps."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import registry
from core.public_cache import public_page
from organizations import geo, opening
from organizations import selectors as organizations_selectors
from organizations.models import Community, ServiceCenter
from projects import selectors as projects_selectors
from projects.lagging import today_in_beijing
from volunteers.selectors import activities_this_week

from . import volunteering
from .forms import NearForm
from .structured import center_json_ld

# “开放中” changes by the minute: pages that show it are cached briefly.
OPEN_NOW_SECONDS = 60
# The directory's page size: a screen or two of cards on a phone.
CENTERS_PER_PAGE = 24


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _center_card(center, now, km: float | None = None):
    state = opening.status(opening.Hours.of(center), now)
    return {
        "center": center,
        "state": state,
        "open": state.is_open,
        "distance": geo.distance_text(km) if km is not None else "",
    }


def _directory_filters(query) -> dict:
    """The directory's filters, read from the query string (the position never is)."""
    return {
        "level": query.get("level") or None,
        "community_id": _int(query.get("community")),
        "open_only": query.get("open") == "1",
    }


def _soonest_first(cards: list, now) -> list:
    """Closed centres by when they open next; those that say nothing of their hours are left out."""
    known = [card for card in cards if card["state"].known]
    return sorted(known, key=lambda card: (card["state"].next_opening is None, card["state"].next_opening or now))


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
    filters = _directory_filters(request.GET)
    street = organizations_selectors.default_street()
    centers = organizations_selectors.public_centers(
        street_id=street.pk if street else None,
        level=filters["level"],
        community_id=filters["community_id"],
        today=today,
    )
    none_open = False
    if filters["open_only"]:
        # “开放中” is computed in Python from the hours: filter every centre, then paginate.
        every = [_center_card(center, now) for center in centers]
        cards = [card for card in every if card["open"]]
        if not cards:
            # At night nothing is open: show when each centre opens next, the soonest first.
            none_open, cards = True, _soonest_first(every, now)
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
        "level": filters["level"],
        "communities": Community.objects.filter(street=street).order_by("name") if street else [],
        "community_id": filters["community_id"],
        "open_only": filters["open_only"],
        "none_open": none_open,
    }
    return render(request, "portal/site/center_list.html", context)


# Farther than this from the nearest centre, the resident is not in Guicheng: distances are
# still shown, with a word that they are far.
FAR_KM = 30


@csrf_exempt
@require_POST
@never_cache
def centers_near(request):
    """“离我最近”: the directory's centres (its filters come in the query string) nearest the
    position in the body, as list items for the directory's script to put in place.

    The position is a POST body so that no access log, cache key, browser history or Referer
    carries it; it is used for this one sort and kept nowhere. The view reads public records
    only and writes nothing, hence no CSRF token (the cached directory page has none to give)."""
    form = NearForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/site/_centers_near.html", {"form": form}, status=400)
    # Browsers report WGS-84; the centres' coordinates are GCJ-02, as on 高德's maps.
    lat, lng = geo.wgs84_to_gcj02(form.cleaned_data["lat"], form.cleaned_data["lng"])
    now, today = timezone.now(), today_in_beijing()
    filters = _directory_filters(request.GET)
    street = organizations_selectors.default_street()
    centers = organizations_selectors.public_centers(
        street_id=street.pk if street else None,
        level=filters["level"],
        community_id=filters["community_id"],
        today=today,
    )
    placed, unplaced = [], 0
    for center in centers:
        if center.latitude is None or center.longitude is None:
            unplaced += 1
            continue
        placed.append((geo.haversine_km(lat, lng, float(center.latitude), float(center.longitude)), center))
    placed.sort(key=lambda pair: pair[0])
    cards = [_center_card(center, now, km) for km, center in placed]
    none_open = False
    if filters["open_only"]:
        open_cards = [card for card in cards if card["open"]]
        # none open: the nearest still, each saying when it opens next
        none_open, cards = not open_cards, open_cards or cards
    context = {
        "form": form,
        "cards": cards[:CENTERS_PER_PAGE],
        "more": max(0, len(cards) - CENTERS_PER_PAGE),
        "unplaced": unplaced,
        "far": bool(placed) and placed[0][0] > FAR_KM,
        "none_open": none_open,
    }
    return render(request, "portal/site/_centers_near.html", context)


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
        "state": opening.status(hours, now),
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
