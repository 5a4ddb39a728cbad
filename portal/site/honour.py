"""The 流动星级 honour roll: this period's five-star subjects, the star distribution as a
server-side SVG chart (no script), and a subject's public rating history explained."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from core import charts
from core.public_cache import public_page
from indicators import selectors as indicators_selectors
from indicators.subjects import SubjectKind
from organizations import selectors as organizations_selectors
from organizations.models import PartyOrganization

BAR_WIDTH = 240  # px of the longest bar in the distribution chart


def distribution_bars(distribution: dict[int, int]) -> list[dict]:
    """Rows for the SVG bar chart: stars, count, bar width and the row's y position."""
    return charts.star_bars(distribution, max_width=BAR_WIDTH, pitch=34)


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
    context = {"street": street, "period": period, "roll": [], "bars": []}
    if period is not None:
        distribution = indicators_selectors.star_distribution(period=period)
        context |= {
            "roll": list(indicators_selectors.honour_roll(period=period)),
            "bars": distribution_bars(distribution),
            "rated": sum(distribution.values()),
        }
    return render(request, "portal/site/honour_roll.html", context)


@public_page()
def subject_history(request, pk: int):
    subject = PartyOrganization.objects.select_related("community", "economic_society").filter(pk=pk).first()
    history = indicators_selectors.rating_history(subject=pk, published_only=True) if subject else []
    if not history:
        raise Http404
    return render(request, "portal/site/subject_history.html", {"subject": subject, "history": history})
