"""The hours import's checks, a chunk of rows at a time into the staging table, and the
set-based write of the checked rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from ..models import MAX_RECORD_HOURS, Activity, HoursImport, HoursImportRow, ServiceRecord, Volunteer, hours_between
from ..resources import (
    COLUMN_ACTIVITY,
    COLUMN_DESCRIPTION,
    COLUMN_END,
    COLUMN_NUMBER,
    COLUMN_START,
    activity_candidates,
    read_datetime,
)
from .hours import overlap_message


class _Lookups:
    """Volunteers by number and activities by (title, day), looked up a chunk at a time and
    kept for the rest of the file: bounded by the street's volunteers, not by the file's rows."""

    def __init__(self, street_id: int):
        self.street_id = street_id
        self.volunteers: dict[str, tuple[int, int] | None] = {}
        self.activities: dict[tuple[str, date], Activity | None | str] = {}

    def load_volunteers(self, numbers: Iterable[str]) -> None:
        missing = sorted({n for n in numbers if n and n not in self.volunteers})
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            found = Volunteer.objects.filter(number__in=chunk, community__street_id=self.street_id).values_list(
                "number", "pk", "community_id"
            )
            known = {number: (pk, community_id) for number, pk, community_id in found}
            self.volunteers.update({number: known.get(number) for number in chunk})

    def activity(self, title: str, day: date) -> Activity:
        key = (title, day)
        if key not in self.activities:
            found = list(activity_candidates(title, day).filter(street_id=self.street_id)[:2])
            self.activities[key] = found[0] if len(found) == 1 else ("none" if not found else "many")
        value = self.activities[key]
        if value == "none":
            raise ValueError(f"{day:%Y-%m-%d}没有名为“{title}”的活动。")
        if value == "many":
            raise ValueError(f"{day:%Y-%m-%d}有多个名为“{title}”的活动，请改填服务内容。")
        return value


def _stage_chunk(job: HoursImport, chunk: list[tuple[int, dict]], lookups: _Lookups, errors: list) -> list:
    """Checks one chunk of rows; returns the staging rows of the good ones, notes the bad ones."""

    def cell(row, column):
        value = row.get(column)
        return "" if value is None else str(value).strip()

    lookups.load_volunteers(cell(row, COLUMN_NUMBER).upper() for _, row in chunk)
    staged = []
    for line, row in chunk:
        problems: dict[str, str] = {}
        number = cell(row, COLUMN_NUMBER).upper()
        volunteer = lookups.volunteers.get(number) if number else None
        if not number:
            problems[COLUMN_NUMBER] = "必填，不能为空。"
        elif volunteer is None:
            problems[COLUMN_NUMBER] = f"找不到志愿者编号“{number}”（须为本街道登记的志愿者）。"
        times = {}
        for column in (COLUMN_START, COLUMN_END):
            try:
                times[column] = read_datetime(row.get(column))
                if times[column] is None:
                    problems[column] = "必填，不能为空。"
            except ValueError as exc:
                problems[column] = str(exc)
        start, end = times.get(COLUMN_START), times.get(COLUMN_END)
        if start and end:
            if end <= start:
                problems[COLUMN_END] = "结束时间必须晚于开始时间。"
            elif (end - start).total_seconds() > MAX_RECORD_HOURS * 3600:
                problems[COLUMN_END] = f"一条记录不能超过 {MAX_RECORD_HOURS} 小时，请核对日期。"
            elif end > timezone.now():
                problems[COLUMN_END] = "结束时间不能晚于现在。"
        title, description = cell(row, COLUMN_ACTIVITY), cell(row, COLUMN_DESCRIPTION)[:200]
        activity = None
        if title and start:
            try:
                activity = lookups.activity(title, timezone.localtime(start).date())
            except ValueError as exc:
                problems[COLUMN_ACTIVITY] = str(exc)
        elif not title and not description:
            problems[COLUMN_DESCRIPTION] = "请填写活动或服务内容。"
        if problems:
            errors += [{"line": line, "column": column, "message": message} for column, message in problems.items()]
            continue
        volunteer_id, community_id = volunteer
        staged.append(
            HoursImportRow(
                job=job,
                line=line,
                volunteer_id=volunteer_id,
                activity=activity,
                description=description,
                street_id=activity.street_id if activity else job.street_id,
                community_id=activity.community_id if activity else community_id,
                started_at=start,
                ended_at=end,
                hours=hours_between(start, end),
            )
        )
    _overlaps_with_database(staged, errors)
    bad = {error["line"] for error in errors}
    return [row for row in staged if row.line not in bad]


def _overlaps_with_database(staged: list, errors: list) -> None:
    if not staged:
        return
    earliest = min(row.started_at for row in staged)
    latest = max(row.ended_at for row in staged)
    existing: dict[int, list[tuple]] = {}
    records = overlapping_any(
        volunteer_ids={row.volunteer_id for row in staged}, started_at=earliest, ended_at=latest
    ).values_list("volunteer_id", "started_at", "ended_at")
    for volunteer_id, start, end in records:
        existing.setdefault(volunteer_id, []).append((start, end))
    for row in staged:
        for start, end in existing.get(row.volunteer_id, ()):
            if start < row.ended_at and (end is None or end > row.started_at):
                other = ServiceRecord(started_at=start, ended_at=end)
                errors.append({"line": row.line, "column": "开始时间", "message": overlap_message(other)})
                break


def overlapping_any(*, volunteer_ids, started_at: datetime, ended_at: datetime):
    """Records (not rejected) of any of ``volunteer_ids`` that meet [started_at, ended_at)."""
    return (
        ServiceRecord.objects.counting()
        .filter(volunteer_id__in=list(volunteer_ids), started_at__lt=ended_at)
        .exclude(ended_at__isnull=False, ended_at__lte=started_at)
    )


def _self_overlaps(job: HoursImport) -> list[dict]:
    """Rows of the file that overlap an earlier row of the same volunteer, in one query."""
    earlier = (
        HoursImportRow.objects.filter(
            job=job,
            volunteer=OuterRef("volunteer"),
            line__lt=OuterRef("line"),
            started_at__lt=OuterRef("ended_at"),
            ended_at__gt=OuterRef("started_at"),
        )
        .order_by("line")
        .values("line")[:1]
    )
    clashes = (
        HoursImportRow.objects.filter(job=job)
        .annotate(first=Subquery(earlier))
        .filter(first__isnull=False)
        .values_list("line", "first")
        .order_by("line")
    )
    return [
        {"line": line, "column": "开始时间", "message": f"与文件第{first}行同一志愿者的时间重叠。"}
        for line, first in clashes
    ]


def _late_overlaps(job: HoursImport) -> list[int]:
    """Lines that meet a record written after the check (another clerk, meanwhile). On
    PostgreSQL the exclusion constraint refuses those rows anyway, so the query is skipped."""
    if connection.vendor == "postgresql":
        return []
    clash = (
        ServiceRecord.objects.counting()
        .filter(volunteer_id=OuterRef("volunteer_id"), started_at__lt=OuterRef("ended_at"))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("started_at")))
    )
    return list(HoursImportRow.objects.filter(job=job).filter(Exists(clash)).values_list("line", flat=True)[:100])


def _insert_from_staging(job: HoursImport) -> int:
    """The checked rows become pending records, and each record its "created" history row, in
    two set-based INSERT … SELECT statements: no row passes through Python again."""
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    copied = ["volunteer_id", "activity_id", "description", "street_id", "community_id", "started_at", "ended_at"]
    copied.append("hours")
    constants = {
        "source": ServiceRecord.Source.IMPORT,
        "status": ServiceRecord.Status.PENDING,
        "confirmations": 0,
        "review_note": "",
        "created_by_id": job.created_by_id,
        "created_at": now,
        "import_job_id": job.pk,
        "is_demo": False,
    }
    columns = ", ".join(quote(name) for name in [*copied, *constants])
    values = ", ".join([*(quote(name) for name in copied), *["%s"] * len(constants)])
    history = ServiceRecord.history.model
    record_columns = {field.column for field in ServiceRecord._meta.concrete_fields}
    history_values = {
        "history_date": now,
        "history_change_reason": f"文件导入：{job.file_name}",
        "history_type": "+",
        "history_user_id": job.created_by_id,
    }
    history_columns = [f.column for f in history._meta.concrete_fields if f.column != "history_id"]
    history_select = [quote(c) if c in record_columns else "%s" for c in history_columns]
    history_params = [history_values[c] for c in history_columns if c not in record_columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(ServiceRecord._meta.db_table)} ({columns}) "  # noqa: S608 — names from _meta
            f"SELECT {values} FROM {quote(HoursImportRow._meta.db_table)} WHERE {quote('job_id')} = %s "
            f"ORDER BY {quote('line')}",
            [*constants.values(), job.pk],
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(c) for c in history_columns)}) "  # noqa: S608
            f"SELECT {', '.join(history_select)} FROM {quote(ServiceRecord._meta.db_table)} "
            f"WHERE {quote('import_job_id')} = %s",
            [*history_params, job.pk],
        )
    return written
