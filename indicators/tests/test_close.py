"""Closing a period: one set-based pass rates every subject; stars, movement, rank; idempotent."""

from decimal import Decimal

import pytest

from indicators import services
from indicators.models import Period, Rating
from organizations.tests.factories import CommunityFactory, StreetFactory

from .factories import PeriodFactory, SchemeFactory, score_all, society_branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def street():
    return StreetFactory(name="测试街道")


@pytest.fixture
def staff(street):
    from organizations.services import staff_user_create

    return staff_user_create(username="jiedao-test", password=None, street=street)


@pytest.fixture
def scheme(street):
    return SchemeFactory(street=street, year=2023)


def test_close_rates_every_subject(street, staff, scheme, django_capture_on_commit_callbacks):
    community = CommunityFactory(street=street, rural=True)
    period = PeriodFactory(scheme=scheme, quarter=1)
    a, b, c = (society_branch(community) for _ in range(3))
    score_all(period, a, 90)
    score_all(period, b, ["89.99", "89.99", "89.99", "89.99"])
    score_all(period, c, 50)

    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(period=period, user=staff)

    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    assert period.ratings_computed_at is not None
    rows = {r.subject_id: (r.total, r.stars, r.rank, r.movement) for r in Rating.objects.filter(period=period)}
    assert rows == {
        a.pk: (Decimal("90.00"), 5, 1, "new"),
        b.pk: (Decimal("89.99"), 4, 2, "new"),
        c.pk: (Decimal("50.00"), 1, 3, "new"),
    }
