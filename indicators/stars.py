"""The star rule of the 战斗力指数, written once in Python and once as SQL.

A total of at least ``thresholds[0]`` gets ★5, at least ``thresholds[1]`` ★4, and so on; below
the last threshold ★1. Totals are rounded to two decimals before they are compared, so 90.00 is
★5 and 89.99 is ★4 on every database. ``stars_for`` judges one total in memory (forms, the
explanation, tests); ``stars_case`` is the same rule as a database expression, used by the close
to rate every subject of a period in one statement. ``tests/test_stars.py`` proves they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, DecimalField, IntegerField, Value, When
from django.db.models.expressions import Expression
from django.db.models.lookups import GreaterThanOrEqual

DEFAULT_THRESHOLDS = (Decimal(90), Decimal(80), Decimal(70), Decimal(60))
TOTAL_PLACES = Decimal("0.01")
STARS = (5, 4, 3, 2, 1)


def round_total(total) -> Decimal:
    return Decimal(total).quantize(TOTAL_PLACES, rounding=ROUND_HALF_UP)


def stars_for(total, thresholds: Sequence = DEFAULT_THRESHOLDS) -> int:
    """★5 … ★1 for ``total``; ``thresholds`` are the minimums of ★5, ★4, ★3 and ★2."""
    total = round_total(total)
    for stars, minimum in zip(STARS, thresholds, strict=False):
        if total >= Decimal(minimum):
            return stars
    return 1


def star_band(stars: int, thresholds: Sequence) -> tuple[Decimal | None, Decimal | None]:
    """The minimum total of ``stars`` (None for the lowest, which has none) and the minimum of
    one star more (None for ★5): the band a total fell in under ``thresholds``."""
    minimums = {s: Decimal(t) for s, t in zip(STARS, thresholds, strict=False)}
    return minimums.get(stars), minimums.get(stars + 1)


def stars_case(total: Expression, thresholds: Sequence = DEFAULT_THRESHOLDS) -> Case:
    """``stars_for`` as a SQL ``CASE`` over ``total`` (an expression already rounded to two
    decimals, see ``services``)."""
    whens = [
        When(
            GreaterThanOrEqual(
                total, Value(Decimal(minimum), output_field=DecimalField(max_digits=6, decimal_places=2))
            ),
            then=Value(stars),
        )
        for stars, minimum in zip(STARS, thresholds, strict=False)
    ]
    return Case(*whens, default=Value(1), output_field=IntegerField())


def stars_display(stars: int | None) -> str:
    if not stars:
        return "—"
    return "★" * stars + "☆" * (5 - stars)
