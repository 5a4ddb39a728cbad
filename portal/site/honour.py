"""The 流动星级 honour roll: this period's five-star subjects, every other rated subject found
by name, community (pinyin too) or stars, the star distribution as a server-side SVG chart (no
script), the rules the period was rated by, and a subject's public rating history explained."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from core import charts
from core.public_cache import public_page
from indicators import selectors as indicators_selectors
from indicators.subjects import SubjectKind
from organizations import selectors as organizations_selectors
from organizations.models import PartyOrganization

BAR_WIDTH = 240  # px of the longest bar in the distribution chart
FOUND_PER_PAGE = 30  # ratings per page of a search


def distribution_bars(distribution: dict[int, int]) -> list[dict]:
    """Rows for the SVG bar chart: stars, count, bar width and the row's y position."""
    return charts.star_bars(distribution, max_width=BAR_WIDTH, pitch=34)


def _stars(value) -> int | None:
    return int(value) if value in {"1", "2", "3", "4", "5"} else None


@public_page()
def honour_roll(request):
    street = organizations_selectors.default_street()
    period = (
        indicators_selectors.latest_rated_period(
            street=street, subject_kind=SubjectKind.SOCIETY_BRANCH, published_only=True
        )
        if street
        else None
    )
    query = (request.GET.get("q") or "").strip()[:50]
    stars = _stars(request.GET.get("stars"))
    context = {"street": street, "period": period, "roll": [], "bars": [], "query": query, "stars": stars}
    if period is not None:
        distribution = indicators_selectors.star_distribution(period=period)
        context |= {
            "roll": list(indicators_selectors.honour_roll(period=period)),
            "bars": distribution_bars(distribution),
            "distribution": distribution,
            "rated": sum(distribution.values()),
            "rules": indicators_selectors.RulesExplained.of(period.rules),
        }
        if query or stars:
            found = indicators_selectors.find_rated(period=period, query=query, stars=stars)
            page = Paginator(found, FOUND_PER_PAGE).get_page(request.GET.get("page"))
            context |= {"searching": True, "found": page}
    return render(request, "portal/site/honour_roll.html", context)


@public_page()
def subject_history(request, pk: int):
    subject = PartyOrganization.objects.select_related("community", "economic_society").filter(pk=pk).first()
    history = indicators_selectors.rating_history(subject=pk, published_only=True) if subject else []
    if not history:
        raise Http404
    return render(request, "portal/site/subject_history.html", {"subject": subject, "history": history})
