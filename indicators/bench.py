"""``make bench``, the indicators part: close a period for every economic-society branch at the
scale the database holds (Foshan after ``seed_demo --scale foshan``), and refresh the 数读 key
figures. Safe to run again: the benchmark's own periods (year ``BENCH_YEAR``) are reset first."""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import transaction

from core import registry
from organizations.models import Street

from . import services
from .models import Dimension, Period, Rating, RectificationCase, Scheme, Score
from .subjects import SubjectKind, subjects_of

BENCH_YEAR = 2099
CLOSE_TARGET_SECONDS = 10
FIGURES_TARGET_SECONDS = 5
CHUNK = 5_000


def _bench_periods() -> list[Period]:
    """One scheme and one period per street, scored for every economic-society branch."""
    periods = []
    for street in Street.objects.order_by("pk"):
        scheme, created = Scheme.objects.get_or_create(
            street=street,
            subject_kind=SubjectKind.SOCIETY_BRANCH,
            year=BENCH_YEAR,
            version=1,
            defaults={"name": "基准测试", "is_demo": True},
        )
        if created:
            Dimension.objects.bulk_create(
                [
                    Dimension(scheme=scheme, number=i, name=name, weight=25)
                    for i, name in enumerate(("动员能力", "组织能力", "决策能力", "执行能力"), start=1)
                ]
            )
        period, _ = Period.objects.get_or_create(
            scheme=scheme, kind=Period.Kind.QUARTER, year=BENCH_YEAR, quarter=1, defaults={"is_demo": True}
        )
        if not Score.objects.filter(period=period).exists():
            dimensions = list(scheme.dimensions.all())
            subjects = subjects_of(SubjectKind.SOCIETY_BRANCH, street.pk).values_list("pk", flat=True)
            Score.objects.bulk_create(
                [
                    Score(period=period, subject_id=pk, dimension=d, value=Decimal(40 + (pk * 7 + d.number) % 61))
                    for pk in subjects
                    for d in dimensions
                ],
                batch_size=CHUNK,
            )
        periods.append(period)
    return periods


@transaction.atomic
def _reset(periods: list[Period]) -> None:
    ids = [p.pk for p in periods]
    Rating.objects.filter(period_id__in=ids)._raw_delete(Rating.objects.db)
    RectificationCase.objects.filter(opened_in_id__in=ids).delete()
    RectificationCase.objects.filter(closed_in_id__in=ids).update(status=RectificationCase.Status.OPEN, closed_in=None)
    Period.objects.filter(pk__in=ids).update(
        status=Period.Status.OPEN, closed_at=None, ratings_computed_at=None, previous_period=None, rules={}
    )


def run(stdout) -> list[str]:
    """Times the close of every street's benchmark period and a key-figure refresh; returns the
    targets missed."""
    missed = []
    periods = _bench_periods()
    _reset(periods)
    subjects = Score.objects.filter(period__in=periods).values("subject").distinct().count()
    started = time.perf_counter()
    rated = 0
    for period in periods:
        with transaction.atomic():
            services.period_close_unchecked(period=period)
            rated += services.period_ratings_compute(period_id=period.pk).rated
    seconds = time.perf_counter() - started
    flag = "" if seconds <= CLOSE_TARGET_SECONDS else "  << over target"
    stdout.write(
        f"close {len(periods)} periods, {rated:,} economic-society branches rated of {subjects:,}: "
        f"{seconds:.2f} s (target ≤ {CLOSE_TARGET_SECONDS} s){flag}"
    )
    if flag:
        missed.append(f"closing periods {seconds:.1f} s")

    guicheng = Street.objects.filter(name="桂城街道").first() or Street.objects.first()
    started = time.perf_counter()
    values = registry.refresh(guicheng)
    seconds = time.perf_counter() - started
    flag = "" if seconds <= FIGURES_TARGET_SECONDS else "  << over target"
    stdout.write(
        f"key figures of {guicheng.name} ({len(values)} figures) refreshed: {seconds:.2f} s "
        f"(target ≤ {FIGURES_TARGET_SECONDS} s){flag}"
    )
    if flag:
        missed.append(f"key-figure refresh {seconds:.1f} s")
    return missed
