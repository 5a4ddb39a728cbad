"""The star rule in Python (``stars_for``) and in SQL (``stars_case``) agree, edges included."""

import random
from decimal import Decimal

import pytest
from django.db.models import DecimalField, Value

from indicators.stars import DEFAULT_THRESHOLDS, stars_case, stars_for
from organizations.models import Street
from organizations.tests.factories import StreetFactory

pytestmark = pytest.mark.django_db

EDGES = [
    ("100", 5), ("90", 5), ("90.00", 5), ("89.995", 5), ("89.99", 4), ("80", 4), ("79.99", 3),
    ("70", 3), ("69.99", 2), ("60", 2), ("59.99", 1), ("0", 1),
]  # fmt: skip


@pytest.mark.parametrize(("total", "stars"), EDGES)
def test_threshold_edges(total, stars):
    assert stars_for(Decimal(total)) == stars


def test_custom_thresholds():
    # the 经开区 style may set its own lines
    assert stars_for(Decimal("85"), (Decimal(95), Decimal(85), Decimal(75), Decimal(65))) == 4
    assert stars_for(Decimal("84.99"), (Decimal(95), Decimal(85), Decimal(75), Decimal(65))) == 3


def _in_sql(total: Decimal, thresholds) -> int:
    expression = stars_case(Value(total, output_field=DecimalField(max_digits=6, decimal_places=2)), thresholds)
    return Street.objects.annotate(stars=expression).values_list("stars", flat=True).first()


def test_python_and_sql_agree():
    StreetFactory()
    rng = random.Random("stars")
    totals = [Decimal(t) for t, _ in EDGES if Decimal(t).as_tuple().exponent >= -2]
    totals += [Decimal(rng.randint(0, 10_000)) / 100 for _ in range(60)]
    for thresholds in (DEFAULT_THRESHOLDS, (Decimal("92.5"), Decimal(81), Decimal("70.5"), Decimal(50))):
        for total in totals:
            assert _in_sql(total, thresholds) == stars_for(total, thresholds), (total, thresholds)
