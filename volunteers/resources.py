"""Excel and CSV for the volunteers app.

- ``ServiceRecordResource`` (the import framework's ``ScopedResource``): hours in and out of the
  admin. An import is all-or-nothing, every bad row named with its column and reason; the
  overlap rule is checked row by row against the database and the rows above it.
- ``HoursFile``: the same columns read as a stream, for files too large for the admin's preview;
  ``services.hours_import_run`` checks and writes them in the background.
- ``hours_summary_xlsx``: hours by volunteer, team or community over a period.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import date, datetime, time

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, widgets

from core.importing import (
    HEADER_SEARCH_ROWS,
    ImportFileError,
    cell_text,
    header_text,
    is_blank,
    neutralise_formula,
    related,
    text,
)
from organizations.importing import ScopedResource

from .models import Activity, ServiceRecord, Volunteer

COLUMN_NUMBER = "志愿者编号"
COLUMN_NAME = "姓名"
COLUMN_ACTIVITY = "活动"
COLUMN_DESCRIPTION = "服务内容"
COLUMN_START = "开始时间"
COLUMN_END = "结束时间"
COLUMN_HOURS = "时长（小时）"
COLUMN_STATUS = "状态"
REQUIRED_COLUMNS = (COLUMN_NUMBER, COLUMN_START, COLUMN_END)
IMPORT_COLUMNS = (COLUMN_NUMBER, COLUMN_NAME, COLUMN_ACTIVITY, COLUMN_DESCRIPTION, COLUMN_START, COLUMN_END)
HEADER_FOR_BENCH = IMPORT_COLUMNS


def read_datetime(value) -> datetime | None:
    """A time as 2023-05-01 09:00; 2023/5/1 9:00, 2023年5月1日 9:00, seconds and Excel date-time
    cells also read. Times are Beijing time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise ValueError(f"“{value:%Y-%m-%d}”只有日期，请写上时刻，如 {value:%Y-%m-%d} 09:00。")
    else:
        text_value = cell_text(value).replace("：", ":").replace("T", " ")
        if not text_value:
            return None
        moment = None
        for day_format in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            for clock_format in ("%H:%M", "%H:%M:%S"):
                try:
                    moment = datetime.strptime(text_value, f"{day_format} {clock_format}")  # noqa: DTZ007
                except ValueError:
                    continue
                break
            if moment is not None:
                break
        if moment is None:
            raise ValueError(f"时间“{text_value}”无法识别，请写成 2023-05-01 09:00 的形式。")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class DateTimeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return read_datetime(value)

    def render(self, value, obj=None, **kwargs):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class ServiceRecordResource(ScopedResource):
    """Hours, one row per record. An imported record waits for confirmation like any other."""

    volunteer = related("volunteer", COLUMN_NUMBER, Volunteer, field="number", label="志愿者编号")
    name = text("volunteer__name", COLUMN_NAME, readonly=True)
    activity = fields.Field(attribute="activity", column_name=COLUMN_ACTIVITY, widget=widgets.Widget())
    description = text("description", COLUMN_DESCRIPTION)
    started_at = fields.Field(attribute="started_at", column_name=COLUMN_START, widget=DateTimeWidget())
    ended_at = fields.Field(attribute="ended_at", column_name=COLUMN_END, widget=DateTimeWidget())
    hours = text("hours", COLUMN_HOURS, readonly=True)
    status = text("status", COLUMN_STATUS, readonly=True)

    key_columns = (COLUMN_NUMBER, COLUMN_START)
    select_related = ("volunteer", "activity")

    class Meta(ScopedResource.Meta):
        model = ServiceRecord
        name = "服务时长（每行一条记录）"
        fields = ("volunteer", "name", "activity", "description", "started_at", "ended_at", "hours", "status")
        import_id_fields = ("volunteer", "started_at")
        skip_unchanged = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._activities: dict[tuple[str, date], Activity | None] = {}
        self._user = None

    def before_import(self, dataset, **kwargs):
        self._activities = {}
        self._user = kwargs.get("user")
        super().before_import(dataset, **kwargs)

    def _check_file(self, dataset, user) -> None:
        super()._check_file(dataset, user)
        limit = settings.VOLUNTEERS_IMPORT_BACKGROUND_ROWS
        if len(dataset) > limit:
            # The preview checks row by row in one request; a big file belongs to the background
            # import, which streams it and reports progress.
            raise ImportFileError(
                f"文件有 {len(dataset):,} 行，超过 {limit:,} 行的文件请在“服务时长记录”列表中"
                "点击“导入大文件（后台处理）”上传。"
            )

    def dehydrate_activity(self, record):
        return record.activity.title if record.activity_id else ""

    def dehydrate_status(self, record):
        return record.get_status_display()

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "activity":
            title = cell_text(row.get(COLUMN_ACTIVITY))
            instance.activity = self.find_activity(title, row) if title else None
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def find_activity(self, title: str, row) -> Activity:
        """An activity by its title and the day it started on (titles repeat across the year)."""
        try:
            start = read_datetime(row.get(COLUMN_START))
        except ValueError:
            start = None
        if start is None:
            raise ValueError("填写了活动时须填写正确的开始时间，以便按日期找到活动。")
        day = timezone.localtime(start).date()
        key = (title, day)
        if key not in self._activities:
            found = list(activity_candidates(title, day)[:2])
            self._activities[key] = found[0] if len(found) == 1 else None
            if len(found) != 1:
                raise ValueError(
                    f"{day:%Y-%m-%d}没有名为“{title}”的活动。"
                    if not found
                    else f"{day:%Y-%m-%d}有多个名为“{title}”的活动，请改填服务内容。"
                )
        if self._activities[key] is None:
            raise ValueError(f"{day:%Y-%m-%d}找不到唯一一个名为“{title}”的活动。")
        return self._activities[key]

    def import_instance(self, instance, row, **kwargs):
        # The framework's import_instance already gathers the row's ValidationErrors; an
        # activity title that names none or several (``_activity``) is a ValueError.
        try:
            super().import_instance(instance, row, **kwargs)
        except ValueError as exc:
            raise ValidationError({"activity": [str(exc)]}) from exc

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        from .services import overlap_check

        if instance.pk is None:
            instance.source = ServiceRecord.Source.IMPORT
            instance.created_by = self._user
        elif instance.status != ServiceRecord.Status.PENDING:
            raise ValidationError({"started_at": ["这条记录已确认或已退回，不能再通过导入修改。"]})
        if instance.volunteer_id:
            instance.fill_derived()
        super().validate_instance(instance, import_validation_errors, validate_unique)
        if instance.volunteer_id and instance.started_at and instance.ended_at:
            overlap_check(instance)


def activity_candidates(title: str, day: date):
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day, time.max))
    return Activity.objects.filter(title=title, starts_at__range=(start, end)).order_by("pk")


# --- Streaming read of large files ---------------------------------------------------------------


class HoursFileError(ValueError):
    """The whole file is unusable (its columns, its format)."""


class HoursFile:
    """The rows of an hours file as ``(line, {column: value})``, read one at a time: an xlsx in
    openpyxl's read-only mode, a csv through the csv module. Memory stays flat with file size."""

    def __init__(self, file, name: str):
        self.file = file
        self.is_xlsx = name.lower().endswith(".xlsx")
        self.ignored: list[str] = []

    def _raw_rows(self) -> Iterator[tuple]:
        self.file.seek(0)
        if self.is_xlsx:
            try:
                book = openpyxl.load_workbook(self.file, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
                raise HoursFileError("无法读取这个文件：请确认是 xlsx 或 UTF-8 编码的 csv。") from exc
            try:
                yield from book.worksheets[0].iter_rows(values_only=True)
            finally:
                book.close()
            return
        try:
            yield from csv.reader(io.TextIOWrapper(self.file, encoding="utf-8-sig", newline=""))
        except UnicodeDecodeError as exc:
            raise HoursFileError("csv 须为 UTF-8 编码（在 Excel 中“另存为 → CSV UTF-8”），或直接使用 xlsx。") from exc

    def rows(self) -> Iterator[tuple[int, dict]]:
        """Rows below the header, by their Excel line. The header is the row among the first ten
        that names the most known columns (offices put a title row above it); columns it does
        not know (a 备注) are left out and named in ``ignored``."""
        raw = self._raw_rows()
        top = list(itertools.islice(raw, HEADER_SEARCH_ROWS))
        if not top:
            raise HoursFileError("文件是空的。")
        known = (*IMPORT_COLUMNS, COLUMN_HOURS, COLUMN_STATUS)
        scores = [len({header_text(cell) for cell in row} & set(known)) for row in top]
        found = scores.index(max(scores)) if max(scores) else 0
        headers = [header_text(cell) for cell in top[found]]
        missing = [column for column in REQUIRED_COLUMNS if column not in headers]
        self.ignored = [h for h in headers if h and h not in known]
        if missing:
            raise HoursFileError(
                f"文件的列不对：缺少必需的列：{'、'.join(missing)}。列名所在的一行应包含：{'、'.join(IMPORT_COLUMNS)}。"
            )
        columns = {i: h for i, h in enumerate(headers) if h in known}
        for number, cells in enumerate(itertools.chain(top[found + 1 :], raw), start=found + 2):
            row = {h: cells[i] if i < len(cells) else None for i, h in columns.items()}
            if all(is_blank(value) for value in row.values()):
                continue
            yield number, row


# --- Reports ------------------------------------------------------------------------------------


def hours_summary_xlsx(*, rows, group_label: str, start: date | None, end: date | None) -> bytes:
    """The summary a selector computed, as a workbook: one line per group."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "服务时长汇总"
    period = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" if start and end else "全部时间"
    sheet.append([f"志愿服务时长汇总（按{group_label}，{period}，仅统计已确认记录）"])
    sheet.append([group_label, "记录数", "志愿者人数", "服务时长（小时）"])
    for row in rows:
        # a label is staff text (a team's or an activity's name): openpyxl writes "=…" as a formula
        label = neutralise_formula(row["label"] or "（未填写）")
        sheet.append([label, row["records"], row["volunteers"], float(row["hours"] or 0)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
