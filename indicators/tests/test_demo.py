"""The demo ratings are deterministic and idempotent, and show stars that move, five-star
branches and branches under rectification with a plan."""

import pytest

from indicators.demo import demo_ratings_load
from indicators.models import FollowUpVisit, Period, Rating, RectificationCase, Score
from organizations.demo import demo_guicheng_seed

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_ratings(guicheng):
    demo_guicheng_seed()

    first = demo_ratings_load()
    snapshot = sorted(Rating.objects.values_list("subject__name", "period__quarter", "total", "stars"))
    second = demo_ratings_load()

    assert first["rated"] > 50 and second == {"scores": 0, "rated": 0, "published": 0, "cases_planned": 0}
    assert sorted(Rating.objects.values_list("subject__name", "period__quarter", "total", "stars")) == snapshot
    assert Period.objects.published().count() == 3 and Period.objects.rated().count() == 4
    q4 = Rating.objects.filter(period__quarter=4)
    assert q4.filter(stars=5).exists() and q4.filter(stars__lte=3).exists()
    assert set(q4.values_list("movement", flat=True)) >= {"up", "down", "same"}
    assert RectificationCase.objects.open().exists() and RectificationCase.objects.filter(status="closed").exists()
    assert not RectificationCase.objects.filter(measures="").exists()
    assert FollowUpVisit.objects.count() == 2 * RectificationCase.objects.count()
    assert Score.objects.filter(is_demo=False).count() == 0
