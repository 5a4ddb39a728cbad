"""The lobby big screen (大屏): one street's public figures at 1920×1080, refreshed in place.

``screen`` renders the whole page once; ``static/portal/screen.js`` then fetches ``panels`` (the
same panels, without the frame) every ``SCREEN_REFRESH_SECONDS`` and swaps them in, so the page
never reloads. Both are anonymous public pages, cached until a record behind them changes, and
show only what the public site already shows: the 数读 figures, the public 730 plan, the
published star ratings, public activities and public progress updates.

Read from a few metres away, the screen shows one group at a time in large type — a few 数读
tiles, the 730 chart, the star chart, this week's activities — and ``screen.js`` moves to the
next group every ``SCREEN_ROTATE_SECONDS`` (``?rotate=<seconds>`` overrides it for one screen);
with reduced motion asked for, the groups stay put and change only from the buttons."""

from __future__ import annotations

from fnmatch import fnmatchcase

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core import charts, registry
from core.public_cache import public_page
from indicators import selectors as indicators_selectors
from indicators.subjects import SubjectKind
from organizations import selectors as organizations_selectors
from organizations.models import Street
from projects import selectors as projects_selectors
from projects.lagging import today_in_beijing
from volunteers.selectors import activities_this_week

# "This week's activities" moves with the clock: the panels are cached for a minute at most.
CACHE_SECONDS = 60
# The 730 chart spans the screen: its SVG is drawn about 1:1, so its type keeps its px size.
THEME_CHART_WIDTH = 1800
THEME_BAR_WIDTH = 1500  # px of a theme at 100 %
THEME_PITCH = 104
STAR_BAR_WIDTH = 720  # px of the most common star level
STAR_PITCH = 118
# As many as a group holds at 1920×1080 with every line whole.
ACTIVITIES = 4
UPDATES = 3

# The 数读 figures, a few large tiles at a time. A figure joins the first group one of whose
# patterns (fnmatch) matches its name; a figure no group names joins 更多数读, so a figure added
# to a key_figures table is on the screen before anyone files it. A group holds at most
# TILES_PER_GROUP tiles and continues in a second group when it has more.
FIGURE_GROUPS = (
    (
        "organization",
        "组织体系",
        (
            "organizations.communities",
            "organizations.grids_level_*",
            "organizations.party_organizations",
            "organizations.branches",
            "organizations.members",
        ),
    ),
    (
        "teams",
        "班子与阵地",
        (
            "organizations.one_shoulder*",
            "organizations.cross_appointment_rate",
            "organizations.reserve_cadres_per_community",
            "organizations.communities_with_centre",
            "organizations.joint_meeting*",
            "organizations.societies_fully_covered",
        ),
    ),
    ("stars", "星级评定", ("indicators.*",)),
    ("volunteers", "党员志愿服务", ("volunteers.*",)),
)
MORE_FIGURES = ("more", "更多数读")
TILES_PER_GROUP = 8
# The groups in the order they come round: the figure groups, the 730 chart ("plan"), the stars
# chart beside the 星级评定 figures ("stars"), this week's activities and the latest updates ("news").
GROUP_ORDER = ("organization", "plan", "teams", "stars", "volunteers", "more", "news")
CHART_TITLES = {"plan": "730进度", "stars": "星级评定", "news": "本周活动"}


def _street(street_pk: int | None) -> Street:
    street = (
        organizations_selectors.default_street() if street_pk is None else Street.objects.filter(pk=street_pk).first()
    )
    if street is None:
        raise Http404
    return street


def _plan(street: Street) -> dict:
    """The street's latest public 730 plan, each theme with its percent and 滞后 items."""
    year = projects_selectors.latest_public_plan_year(street_id=street.pk)
    plan = projects_selectors.plan_board(year=year, street_id=street.pk).first() if year else None
    if plan is None:
        return {"plan": None, "theme_bars": []}
    themes = list(plan.themes.all())
    bars = charts.bar_rows(
        ((theme, theme.percent) for theme in themes), max_width=THEME_BAR_WIDTH, pitch=THEME_PITCH, top=0, scale=100
    )
    for bar in bars:
        items = list(bar["key"].items.all())
        bar |= {"items": len(items), "lagging": sum(item.is_lagging for item in items)}
    return {
        "plan": plan,
        "theme_bars": bars,
        "track_width": THEME_BAR_WIDTH,
        "chart_width": THEME_CHART_WIDTH,
        "plan_height": len(bars) * THEME_PITCH,
    }


def _stars(street: Street) -> dict:
    period = indicators_selectors.latest_rated_period(
        street=street, subject_kind=SubjectKind.SOCIETY_BRANCH, published_only=True
    )
    if period is None:
        return {"period": None, "star_bars": []}
    distribution = indicators_selectors.star_distribution(period=period)
    return {
        "period": period,
        "star_bars": charts.star_bars(distribution, max_width=STAR_BAR_WIDTH, pitch=STAR_PITCH),
        "stars_height": len(distribution) * STAR_PITCH + 8,
        "rated": sum(distribution.values()),
    }


def _group_of(name: str) -> tuple[str, str]:
    for slug, title, patterns in FIGURE_GROUPS:
        if any(fnmatchcase(name, pattern) for pattern in patterns):
            return slug, title
    return MORE_FIGURES


def _groups(figures: list) -> list[dict]:
    """The groups the screen turns through, each ``{"slug", "title", "figures"}``: every figure
    in exactly one group, a group of more than TILES_PER_GROUP tiles split in even parts."""
    tiles: dict[str, list] = {}
    titles = dict(CHART_TITLES)
    for figure in figures:
        slug, title = _group_of(figure.name)
        tiles.setdefault(slug, []).append(figure)
        titles[slug] = title
    groups = []
    for slug in GROUP_ORDER:
        members = tiles.get(slug, [])
        if not members and slug not in CHART_TITLES:
            continue
        parts = max(1, -(-len(members) // TILES_PER_GROUP))
        size = -(-len(members) // parts) if members else 0
        for part in range(parts):
            groups.append(
                {
                    "slug": slug if part == 0 else f"{slug}-{part + 1}",
                    "kind": slug,
                    "title": titles[slug] if part == 0 else f"{titles[slug]}（续）",
                    "figures": members[part * size : (part + 1) * size],
                }
            )
    if not figures:
        groups.insert(0, {"slug": "figures", "kind": "figures", "title": "数读", "figures": []})
    return groups


def _panels(street: Street) -> dict:
    now = timezone.now()
    figures = [value for value in registry.figures_for(street) if value.computable]
    return {
        "street": street,
        "figures": figures,
        "groups": _groups(figures),
        **_plan(street),
        **_stars(street),
        "activities": activities_this_week(street=street, now=now)[:ACTIVITIES],
        "updates": projects_selectors.latest_updates(limit=UPDATES, street_id=street.pk),
        "generated_at": now,
        "today": today_in_beijing(now),
    }


@public_page(CACHE_SECONDS)
def screen(request, street_pk: int | None = None):
    street = _street(street_pk)
    context = _panels(street) | {
        "refresh_url": reverse("screen:panels", args=[street.pk]),
        "refresh_seconds": settings.SCREEN_REFRESH_SECONDS,
        "rotate_seconds": settings.SCREEN_ROTATE_SECONDS,
    }
    return render(request, "portal/screen/screen.html", context)


@public_page(CACHE_SECONDS)
def panels(request, street_pk: int):
    return render(request, "portal/screen/_panels.html", _panels(_street(street_pk)))
