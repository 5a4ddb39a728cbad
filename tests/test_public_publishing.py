"""What the public sees, and when (issue 16): closing a rating period opens and closes
rectification cases at once, but its results are the street office's until the period is
published. Every public page and anonymous API answer reads published periods only, so the
whole anonymous crawl reads the same between a close and its publication as before the close.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import registry
from indicators import services
from indicators.models import Period, Rating, RectificationCase, Score
from indicators.subjects import SubjectKind, subjects_of
from indicators.tests.factories import SchemeFactory
from organizations.selectors import default_street

from .test_api_public_crawl import CRAWL as API_CRAWL
from .test_public_crawl import CRAWL, SCREEN_CRAWL, demo  # noqa: F401 - the module-scoped demo data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OPEN_CASES = "indicators.open_rectification_cases"
# Per-visitor or per-render values that differ between two reads of the same content.
VOLATILE = [
    re.compile(r'nonce="[^"]*"'),
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r'name="once" value="[^"]*"'),  # a form's one-time token, new at every render
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"),  # ISO times (API)
    re.compile(r"\d{1,2}:\d{2}(:\d{2})?"),  # times of day (更新于 … on the screen)
]


def _open_cases(street):
    return {value.name: value for value in registry.figures_for(street)}[OPEN_CASES]


def _normalised(text: str) -> str:
    for pattern in VOLATILE:
        text = pattern.sub("…", text)
    return text


def _crawl(urls) -> dict[str, str]:
    """Every URL read anonymously (a fresh client: no session, no cookie), normalised."""
    client = APIClient()
    answers = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        answers[url] = _normalised(response.content.decode("utf-8-sig"))
    return answers


def _public_urls() -> list[str]:
    own_pages = {reverse("site:me"), reverse("site:certificate")}  # a logged-in volunteer's own
    makers = [*CRAWL.values(), *SCREEN_CRAWL.values(), *API_CRAWL.values()]
    return [url for make in makers for url in make() if url not in own_pages]


def _weak_at_latest_published(street) -> int:
    period = (
        Period.objects.published()
        .filter(street=street, scheme__subject_kind=SubjectKind.SOCIETY_BRANCH)
        .order_by("-ends_on")
        .first()
    )
    return Rating.objects.filter(period=period, stars__lte=period.rules["rectification_level"]).count()


def _close_a_new_quarter(street, *, points: Decimal) -> Period:
    """2024's first quarter of the economic-society branches, every branch scored ``points`` in
    every dimension, closed and rated (the close's task, run in-process)."""
    scheme = SchemeFactory(street=street, year=2024, version=1)
    period = Period(scheme=scheme, kind=Period.Kind.QUARTER, year=2024, quarter=1)
    period.full_clean()
    period.save()
    dimensions = list(scheme.dimensions.all())
    Score.objects.bulk_create(
        Score(period=period, subject=subject, dimension=dimension, value=points)
        for subject in subjects_of(SubjectKind.SOCIETY_BRANCH, street.pk)
        for dimension in dimensions
    )
    services.period_close_unchecked(period=period)
    return period


def test_the_open_cases_figure_agrees_with_the_published_honour_roll(client, demo, db):  # noqa: F811
    # given the demo: 2023's first three quarters published, the fourth closed but not yet
    street = default_street()
    assert Period.objects.filter(street=street, status=Period.Status.CLOSED).count() == 1
    weak = _weak_at_latest_published(street)

    # when the public figure is read
    value = _open_cases(street).value

    # then it counts the cases of the published quarter (59), not those the unpublished fourth
    # quarter opened and closed (61 open cases in the office's list)
    assert value == weak == 59
    assert RectificationCase.objects.open().filter(subject__street=street).count() == 61
    home = client.get(reverse("site:home")).content.decode()
    assert re.search(r"整顿提升中的党组织</a></dt>\s*<dd>59<small>", home)
    api = {row["name"]: row["value"] for row in APIClient().get(reverse("api:figures")).json()}
    assert api[OPEN_CASES] == 59


def test_nothing_public_changes_between_a_close_and_its_publication(
    demo,  # noqa: F811
    db,
    settings,
    django_capture_on_commit_callbacks,
    django_user_model,
    client,
):
    # the crawl reads every page twice: the 点单 lookup's rate limit is not what is tested here
    settings.API_THROTTLE_RATES = {"anon": "100000/min", "user": "100000/min"}
    settings.RATELIMIT_ENABLE = False
    street = default_street()
    street_staff = django_user_model.objects.get(username="jiedao")  # the demo's street staff
    # given every rated period published, and what the public reads then
    with django_capture_on_commit_callbacks(execute=True):
        for period in Period.objects.filter(street=street, status=Period.Status.CLOSED):
            services.period_publish(period=period, user=street_staff)
    published = _open_cases(street).value
    assert published == _weak_at_latest_published(street) == 61
    urls = _public_urls()
    assert len(urls) > 300
    before = _crawl(urls)

    # when a new quarter is closed that rates every branch ★1 (each gets a case at once)
    with django_capture_on_commit_callbacks(execute=True):
        period = _close_a_new_quarter(street, points=Decimal(40))
    period.refresh_from_db()
    assert period.ratings_computed_at is not None
    branches = period.ratings.count()
    assert branches == period.ratings.filter(stars=1).count() > 100
    assert RectificationCase.objects.open().filter(subject__street=street).count() == branches

    # then no public page and no anonymous API answer has changed
    after = _crawl(urls)
    changed = [url for url in urls if before[url] != after[url]]
    assert changed == []
    # and the admin link of the figure lists the cases the figure counts
    link = _open_cases(street).admin_url
    client.force_login(street_staff)
    assert client.get(link).context["cl"].result_count == published

    # and once the quarter is published, the public figure counts its cases
    with django_capture_on_commit_callbacks(execute=True):
        services.period_publish(period=period, user=street_staff)
    assert _open_cases(street).value == branches
    assert _crawl([reverse("site:figures")]) != {reverse("site:figures"): before[reverse("site:figures")]}
