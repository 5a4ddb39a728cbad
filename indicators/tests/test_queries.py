"""Query counts stay flat: every changelist of the indicators admin and every selector costs the
same at 2 rows as at 50. Each test lists the queries it expects."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import registry
from indicators import selectors
from indicators.models import (
    Dimension,
    FollowUpVisit,
    Instructor,
    Mentor,
    Period,
    PublishedFigure,
    Rating,
    RectificationCase,
    Scheme,
    Score,
)
from organizations.tests.factories import CommunityFactory, PartyOrganizationFactory

from .factories import (
    DimensionFactory,
    FollowUpVisitFactory,
    InstructorFactory,
    MentorFactory,
    PeriodFactory,
    PublishedFigureFactory,
    RatingFactory,
    RectificationCaseFactory,
    SchemeFactory,
    ScoreFactory,
)

pytestmark = pytest.mark.django_db

SIZES = (2, 50)


def count_queries(run) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured), [q["sql"] for q in captured]


def flat(build, run) -> int:
    """Builds 2 rows, counts; adds up to 50, counts again; the two must match."""
    counts = []
    made = 0
    for size in SIZES:
        build(size - made)
        made = size
        counts.append(count_queries(run))
    (small, _), (big, big_sql) = counts
    assert small == big, "\n".join(big_sql)
    return small


@pytest.fixture
def place(guicheng):
    scheme = SchemeFactory(street=guicheng)
    return {"street": guicheng, "scheme": scheme, "period": PeriodFactory(scheme=scheme, quarter=1)}


def _subject(street):
    return PartyOrganizationFactory(community=CommunityFactory(street=street))


# --- Builders: n more rows of each model --------------------------------------------------------


def builders(place):
    street, period = place["street"], place["period"]
    return {
        Scheme: lambda n: [SchemeFactory(street=street) for _ in range(n)],
        Dimension: lambda n: [
            DimensionFactory(scheme=SchemeFactory(street=street, dimensions=False)) for _ in range(n)
        ],
        Period: lambda n: [PeriodFactory(scheme=SchemeFactory(street=street, dimensions=False)) for _ in range(n)],
        Score: lambda n: [ScoreFactory(period=period, subject=_subject(street)) for _ in range(n)],
        Rating: lambda n: [RatingFactory(period=period, subject=_subject(street)) for _ in range(n)],
        RectificationCase: lambda n: [
            FollowUpVisitFactory(case=RectificationCaseFactory(subject=_subject(street), opened_in=period))
            for _ in range(n)
        ],
        FollowUpVisit: lambda n: [
            FollowUpVisitFactory(case__subject=_subject(street), case__opened_in=period) for _ in range(n)
        ],
        Instructor: lambda n: [InstructorFactory(street=street) for _ in range(n)],
        Mentor: lambda n: [MentorFactory(street=street) for _ in range(n)],
        PublishedFigure: lambda n: [PublishedFigureFactory(street=street) for _ in range(n)],
    }


# Every changelist as street staff costs 4 queries before its own: the user, the staff scope
# (then cached on the user), the user's and the groups' permissions. Then its own:
CHANGELISTS = [
    # distinct years (year filter), COUNT, page (street joined)
    (Scheme, 3),
    # COUNT, page (scheme joined), distinct years (scheme__year filter)
    (Dimension, 3),
    # distinct years (year filter), COUNT, page (scheme and previous period joined, ratings counted)
    (Period, 3),
    # the periods offered by the related-only filter, distinct dimension names, COUNT, page
    # (subject, community, period, dimension joined)
    (Score, 4),
    # the periods offered by the related-only filter, distinct stars (filter), COUNT, page
    # (subject, community, period joined)
    (Rating, 4),
    # the periods offered by the related-only filter, COUNT, page (everything joined, visits
    # counted), mentors (prefetched)
    (RectificationCase, 4),
    # COUNT, page (case, subject, community, period, visitor joined), the date hierarchy's
    # min/max and its distinct days
    (FollowUpVisit, 4),
    # COUNT, page (street and user joined, cases counted)
    (Instructor, 2),
    # COUNT, page (street joined)
    (Mentor, 2),
    # distinct sources (filter), COUNT, page (street joined)
    (PublishedFigure, 3),
]
BASE = 4


@pytest.mark.parametrize(("model", "expected"), CHANGELISTS, ids=lambda v: getattr(v, "__name__", ""))
def test_changelists_are_flat(street_client, place, model, expected):
    url = reverse(f"admin:indicators_{model._meta.model_name}_changelist")
    build = builders(place)[model]

    def run():
        response = street_client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) >= 2

    assert flat(build, run) == BASE + expected


# --- Selectors ------------------------------------------------------------------------------------


def _rate(place, n: int) -> None:
    period = place["period"]
    for i in range(n):
        subject = _subject(place["street"])
        RatingFactory(period=period, subject=subject, stars=5 if i % 2 else 3, total=90 if i % 2 else 70)
        for dimension in period.scheme.dimensions.all():
            Score.objects.create(period=period, subject=subject, dimension=dimension, value=80)
        RectificationCaseFactory(subject=subject, opened_in=period)


def _closed(period) -> Period:
    from django.utils import timezone

    rules = {
        "thresholds": ["90", "80", "70", "60"],
        "rectification_level": 3,
        "honour_level": 5,
        "dimensions": [
            {"id": d.pk, "name": d.name, "weight": str(d.weight), "max_points": str(d.max_points)}
            for d in period.scheme.dimensions.order_by("number")
        ],
    }
    Period.objects.filter(pk=period.pk).update(
        status="published", closed_at=timezone.now(), ratings_computed_at=timezone.now(), rules=rules
    )
    return Period.objects.select_related("scheme").get(pk=period.pk)


def test_honour_roll_distribution_and_rectification_list_are_flat(place):
    period = _closed(place["period"])
    shown = []

    def run():
        shown.clear()
        # honour roll (subject, community, society joined): 1
        shown.extend((r.subject.name, r.subject.community.name, r.stars) for r in selectors.honour_roll(period=period))
        # one GROUP BY: 1
        shown.append(selectors.star_distribution(period=period))
        # cases (all joined, visits counted), mentors: 2
        for case in selectors.rectification_list():
            shown.append((case.subject.community.name, case.instructor, case.visit_count, list(case.mentors.all())))
        # the latest published period: 1
        shown.append(selectors.latest_rated_period(street=place["street"], subject_kind="society_branch"))

    assert flat(lambda n: _rate(place, n), run) == 5
    assert selectors.star_distribution(period=period) == {5: 25, 4: 0, 3: 25, 2: 0, 1: 0}


def test_rating_history_and_explanation_are_flat(place):
    period = _closed(place["period"])
    subject = _subject(place["street"])
    periods = [period]

    def build(n):
        # n more rated periods of the same subject, each compared with the one before
        for _ in range(n):
            previous = periods[-1]
            scheme = SchemeFactory(street=place["street"])
            new = _closed(PeriodFactory(scheme=scheme, quarter=1))
            Period.objects.filter(pk=new.pk).update(previous_period=previous)
            RatingFactory(period=new, subject=subject)
            for dimension in scheme.dimensions.all():
                Score.objects.create(period=new, subject=subject, dimension=dimension, value=85)
            periods.append(new)

    shown = []

    def run():
        shown.clear()
        # ratings (period, scheme, subject, community, society joined), scores, street averages
        for explained in selectors.rating_history(subject=subject):
            shown.append([(row.name, row.value, row.street_average, row.previous_value) for row in explained.rows])

    assert flat(build, run) == 3
    assert len(shown) == 50
    # dimensions are matched by name across schemes: each period is compared with the one before
    assert sum(1 for rows in shown if rows[0] == ("动员能力", 85, 85, 85)) == 49
    # and one rating explained: its scores, the street averages
    rating = Rating.objects.select_related("period", "subject").first()
    assert count_queries(lambda: selectors.rating_explanation(rating=rating))[0] == 2


def test_published_vs_computed_is_flat(place):
    street = place["street"]

    def build(n):
        for _ in range(n):
            PublishedFigureFactory(street=street, figure_name="organizations.communities")
        registry.figures_for(street)  # any change makes the snapshot stale: recomputed once here

    # the published figures, and the computed ones from the stored snapshot (the generation
    # key is a cache read, the snapshot one query)
    assert flat(build, lambda: selectors.published_vs_computed(street=street)) == 2


def test_computing_the_figures_does_not_grow_with_the_records(place):
    street = place["street"]

    def build(n):
        for _ in range(n):
            CommunityFactory(street=street)

    def run():
        registry.refresh(street)

    # a fixed number of COUNT queries per figure, whatever the number of records
    flat(build, run)
