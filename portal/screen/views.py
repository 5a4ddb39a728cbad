"""The lobby big screen (大屏): one street's public figures at 1920×1080, refreshed in place.

``screen`` renders the whole page once; ``static/portal/screen.js`` then fetches ``panels`` (the
same panels, without the frame) every ``SCREEN_REFRESH_SECONDS`` and swaps them in, so the page
never reloads. Both are anonymous public pages, cached until a record behind them changes, and
show only what the public site already shows: the 数读 figures, the public 730 plan, the
published star ratings, public activities and public progress updates."""

from __future__ import annotations

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
THEME_BAR_WIDTH = 500  # px of a theme at 100 %
THEME_PITCH = 62
STAR_BAR_WIDTH = 330  # px of the most common star level
# As many as the panels hold at 1920×1080 without cutting a line in half.
ACTIVITIES = 4
UPDATES = 3


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
        ((theme, theme.percent) for theme in themes), max_width=THEME_BAR_WIDTH, pitch=THEME_PITCH, top=4, scale=100
    )
    for bar in bars:
        items = list(bar["key"].items.all())
        bar |= {"items": len(items), "lagging": sum(item.is_lagging for item in items)}
    return {
        "plan": plan,
        "theme_bars": bars,
        "track_width": THEME_BAR_WIDTH,
        "plan_height": len(bars) * THEME_PITCH + 8,
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
        "star_bars": charts.star_bars(distribution, max_width=STAR_BAR_WIDTH, pitch=64),
        "rated": sum(distribution.values()),
    }


def _panels(street: Street) -> dict:
    now = timezone.now()
    return {
        "street": street,
        "figures": [value for value in registry.figures_for(street) if value.computable],
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
    }
    return render(request, "portal/screen/screen.html", context)


@public_page(CACHE_SECONDS)
def panels(request, street_pk: int):
    return render(request, "portal/screen/_panels.html", _panels(_street(street_pk)))
