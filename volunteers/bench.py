"""The hours-import benchmark of ``make bench``: the background import (``services.
hours_import_run``: every cell checked, overlaps with the database and within the file, history
rows) against a raw ``bulk_create`` of the same file (read, numbers looked up, inserted; no
checks, no history). Both run inside a transaction that is rolled back, so the benchmark leaves
nothing behind and can run again. Never run in tests or by ``make run``."""

from __future__ import annotations

import csv
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction

from organizations.models import Community

from .models import HoursImport, ServiceRecord, Volunteer
from .resources import HEADER_FOR_BENCH
from .services import hours_import_run

IMPORT_RATE_TARGET = 2_000
IMPORT_SHARE_TARGET = 0.40
BEIJING = ZoneInfo("Asia/Shanghai")
PREFIX = "BI"
ROWS_PER_VOLUNTEER = 5


class _Rollback(Exception):
    pass


def _volunteers(count: int) -> list[str]:
    """Bench volunteers of their own (never in the file twice at the same time)."""
    numbers = [f"{PREFIX}{n:08d}" for n in range(count)]
    communities = list(Community.objects.filter(street__name="桂城街道").order_by("name").values_list("pk", flat=True))
    existing = set(Volunteer.objects.filter(number__in=numbers).values_list("number", flat=True))
    Volunteer.objects.bulk_create(
        [
            Volunteer(community_id=communities[i % len(communities)], number=n, name=f"测试{n[2:]}", is_demo=True)
            for i, n in enumerate(numbers)
            if n not in existing
        ],
        batch_size=5_000,
    )
    return numbers


def _write_file(path: Path, rows: int) -> None:
    numbers = _volunteers(max(1, rows // ROWS_PER_VOLUNTEER))
    first = datetime(2024, 3, 4, 9, tzinfo=BEIJING)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER_FOR_BENCH)
        for i in range(rows):
            start = first + timedelta(days=i // len(numbers))
            end = start + timedelta(hours=2)
            writer.writerow(
                [
                    numbers[i % len(numbers)],
                    "",
                    "",
                    "楼宇共享单车清理",
                    f"{start:%Y-%m-%d %H:%M}",
                    f"{end:%Y-%m-%d %H:%M}",
                ]
            )


def _raw(path: Path) -> int:
    volunteers = {
        number: (pk, community_id, street_id)
        for number, pk, community_id, street_id in Volunteer.objects.filter(number__startswith=PREFIX).values_list(
            "number", "pk", "community_id", "community__street_id"
        )
    }
    batch, written = [], 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, _name, _activity, description, start, end in reader:
            pk, community_id, street_id = volunteers[number]
            begin = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
            finish = datetime.strptime(end, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
            batch.append(
                ServiceRecord(
                    volunteer_id=pk,
                    community_id=community_id,
                    street_id=street_id,
                    description=description,
                    started_at=begin,
                    ended_at=finish,
                    hours=2,
                )
            )
            if len(batch) >= 5_000:
                ServiceRecord.objects.bulk_create(batch)
                written, batch = written + len(batch), []
    ServiceRecord.objects.bulk_create(batch)
    return written + len(batch)


def _timed(run) -> tuple[float, object]:
    result = None
    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = run()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, result


def hours_import_bench(*, rows: int = 100_000) -> dict:
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-import", "bench-import@bench.local", None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hours.csv"
        _write_file(path, rows)
        raw_seconds, _ = _timed(lambda: _raw(path))

        def portal():
            with path.open("rb") as handle:
                street = Community.objects.get(name="桂花社区", street__name="桂城街道").street
                job = HoursImport(street=street, file_name="hours.csv", created_by=user)
                job.file.save("bench-hours.csv", File(handle), save=False)
                job.save()
            job = hours_import_run(job_id=job.pk)
            if job.status != HoursImport.Status.DONE:
                raise RuntimeError(f"bench import failed: {job.errors[:3]}")
            job.file.delete(save=False)
            return job

        import_seconds, _ = _timed(portal)
    return {
        "rows": rows,
        "raw_seconds": raw_seconds,
        "raw_rate": rows / raw_seconds,
        "import_seconds": import_seconds,
        "import_rate": rows / import_seconds,
        "share": raw_seconds / import_seconds,
    }
