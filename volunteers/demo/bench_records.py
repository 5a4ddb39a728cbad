"""Foshan-scale service records, for ``make bench`` only."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction

from organizations.models import Community

from ..models import ServiceRecord, Volunteer
from .base import _moment

BENCH_VOLUNTEERS = 100_000
BENCH_RECORDS_PER_VOLUNTEER = 50  # 100,000 × 50 = 5,000,000 service records
BENCH_PREFIX = "FS"
BENCH_CHUNK = 2_000  # volunteers per transaction: 100,000 records


def bench_records_seed(*, volunteers: int = BENCH_VOLUNTEERS, per_volunteer: int = BENCH_RECORDS_PER_VOLUNTEER) -> int:
    """Foshan-scale hours for the benchmark: ``volunteers`` demo volunteers spread over every
    community, each with ``per_volunteer`` confirmed two-hour records a week apart (never
    overlapping). Plain chunked ``bulk_create`` without history rows (bench data, not records
    anyone made); a volunteer that already has its records is skipped, so a second run writes
    nothing and an interrupted one is completed. Returns the records written."""
    communities = list(Community.objects.order_by("street__name", "name").values_list("pk", "street_id"))
    if not communities:
        raise ValueError("no communities: run seed_demo --scale foshan first")
    written = 0
    for start in range(0, volunteers, BENCH_CHUNK):
        numbers = [f"{BENCH_PREFIX}{n:08d}" for n in range(start, min(volunteers, start + BENCH_CHUNK))]
        with transaction.atomic():
            existing = set(Volunteer.objects.filter(number__in=numbers).values_list("number", flat=True))
            Volunteer.objects.bulk_create(
                [
                    Volunteer(
                        community_id=communities[int(n[2:]) % len(communities)][0],
                        number=n,
                        name=f"志愿者{n[2:]}",
                        is_demo=True,
                        registered_on=date(2020, 1, 1),
                    )
                    for n in numbers
                    if n not in existing
                ],
                batch_size=5_000,
            )
            ids = dict(Volunteer.objects.filter(number__in=numbers).values_list("pk", "community_id"))
            done = set(
                ServiceRecord.objects.filter(volunteer_id__in=list(ids))
                .values_list("volunteer_id", flat=True)
                .distinct()
            )
            street_of = dict(communities)
            records = []
            for volunteer_id, community_id in ids.items():
                if volunteer_id in done:
                    continue
                first = _moment(date(2019, 1, 7), 9) + timedelta(hours=volunteer_id % 8)
                for week in range(per_volunteer):
                    begin = first + timedelta(days=7 * week)
                    records.append(
                        ServiceRecord(
                            volunteer_id=volunteer_id,
                            street_id=street_of[community_id],
                            community_id=community_id,
                            description="楼宇共享单车清理",
                            started_at=begin,
                            ended_at=begin + timedelta(hours=2),
                            hours=2,
                            status=ServiceRecord.Status.PENDING,
                            source=ServiceRecord.Source.IMPORT,
                            is_demo=True,
                        )
                    )
            ServiceRecord.objects.bulk_create(records, batch_size=5_000)
            written += len(records)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE volunteers_servicerecord")
            cursor.execute("ANALYZE volunteers_volunteer")
    return written
