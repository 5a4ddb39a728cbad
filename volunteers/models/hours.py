"""Hours: service records (check-in/out, confirmation) and the hours import's batches and staging rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Community, Street, manager_for
from organizations.scope import ScopedQuerySet

from .activities import Activity
from .teams import Volunteer

HOURS_PLACES = Decimal("0.01")
# One record longer than a day is a typing error (a wrong date), never a shift.
MAX_RECORD_HOURS = 24


def hours_between(start, end) -> Decimal:
    """Hours from check-in to check-out, to the hundredth: the one place this is computed."""
    seconds = Decimal((end - start).total_seconds())
    return (seconds / 3600).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL, and nothing elsewhere (SQLite has no GiST index).

    Validation is the service's own check (``services.overlap_check``, which names the record
    in the way) on every database alike; the constraint is PostgreSQL's last guard against two
    writes racing past that check. ``validate`` therefore does nothing: Django's version would
    say the same thing a second time, in the wrong column, and cannot cope with a form that
    excludes the ``status`` its condition reads."""

    def _on_postgres(self, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        return None


# --- Hours ------------------------------------------------------------------------------------


class ServiceRecordQuerySet(ScopedQuerySet):
    def confirmed(self):
        return self.filter(status=ServiceRecord.Status.CONFIRMED)

    def pending(self):
        return self.filter(status=ServiceRecord.Status.PENDING)

    def awaiting_confirmation(self):
        """Pending and checked out: staff can confirm them now (an open check-in cannot be)."""
        return self.pending().filter(ended_at__isnull=False)

    def counting(self):
        """Records that occupy the volunteer's time (the overlap rule): all but rejected ones."""
        return self.exclude(status=ServiceRecord.Status.REJECTED)

    def in_period(self, start=None, end=None):
        queryset = self
        if start is not None:
            queryset = queryset.filter(started_at__gte=start)
        if end is not None:
            queryset = queryset.filter(started_at__lt=end)
        return queryset


class ServiceRecord(models.Model):
    """Hours one volunteer served, from a check-in/check-out, a staff entry or an imported file.
    Hours count (and earn points) only once confirmed, and who confirmed it when is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "已退回"

    class Source(models.TextChoices):
        CHECK_IN = "check_in", "签到签退"
        STAFF = "staff", "工作人员录入"
        IMPORT = "import", "文件导入"

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="service_records", verbose_name="志愿者")
    activity = models.ForeignKey(
        Activity, models.PROTECT, null=True, blank=True, related_name="service_records", verbose_name="活动"
    )
    description = models.CharField(
        "服务内容", max_length=200, blank=True, help_text="不属于某个活动时必填；属于活动时可补充说明。"
    )
    street = models.ForeignKey(Street, models.PROTECT, related_name="service_records", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name="所属社区",
        help_text="由系统填写：活动所属社区，不属于活动时为志愿者登记社区。",
    )
    started_at = models.DateTimeField("开始（签到）时间")
    ended_at = models.DateTimeField("结束（签退）时间", null=True, blank=True, help_text="签到后未签退时为空。")
    hours = models.DecimalField("时长（小时）", max_digits=5, decimal_places=2, default=Decimal(0), editable=False)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.STAFF)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    # Each confirmation is numbered: the points entry of a confirmation is unique per number, so
    # confirming twice writes one entry, and a confirmation after an un-confirmation a new one.
    confirmations = models.PositiveIntegerField("确认次数", default=0, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认/退回人",
    )
    reviewed_at = models.DateTimeField("确认/退回时间", null=True, blank=True)
    review_note = models.CharField("确认/退回说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    import_job = models.ForeignKey(
        "HoursImport", models.SET_NULL, null=True, blank=True, related_name="records", verbose_name="导入批次"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "street"

    objects = manager_for(ServiceRecordQuerySet)
    history = HistoricalRecords(excluded_fields=["confirmations"])

    class Meta:
        verbose_name = "服务时长记录"
        verbose_name_plural = "服务时长记录"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="servicerecord_ends_after_start",
                violation_error_message="结束时间必须晚于开始时间。",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=MAX_RECORD_HOURS),
                name="servicerecord_hours_0_to_24",
                violation_error_message=f"一条记录的时长应在 0–{MAX_RECORD_HOURS} 小时之间，请核对日期。",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False, ended_at__isnull=False),
                name="servicerecord_reviewed_has_who_when",
                violation_error_message="已确认或已退回的记录须有确认人、确认时间和结束时间。",
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=False) | ~Q(description=""),
                name="servicerecord_activity_or_description",
                violation_error_message="请选择活动或填写服务内容。",
            ),
            PostgresExclusionConstraint(
                name="servicerecord_no_overlap",
                expressions=[
                    ("volunteer", RangeOperators.EQUAL),
                    (TsTzRange("started_at", "ended_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status="rejected"),
                violation_error_message="同一名志愿者的服务时间不能重叠。",
            ),
        ]
        indexes = [
            # The overlap check, a volunteer's hours and certificate.
            models.Index(fields=["volunteer", "started_at"], name="servrec_volunteer_start_idx"),
            # The confirmation queue of a community.
            models.Index(fields=["community", "status"], name="servrec_community_status_idx"),
            # Key figure "confirmed hours this year" and the period exports.
            models.Index(fields=["street", "status", "started_at"], name="servrec_street_status_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.started_at).strftime("%Y-%m-%d %H:%M") if self.started_at else ""
        return f"{self.volunteer.name if self.volunteer_id else ''} {when} {self.hours}小时".strip()

    @property
    def content(self) -> str:
        """What the volunteer did, as the certificate says it."""
        if self.activity_id and self.description:
            return f"{self.activity.title}（{self.description}）"
        return self.activity.title if self.activity_id else self.description

    def fill_derived(self) -> None:
        """Hours from the times; the community and street the record is kept under."""
        self.hours = hours_between(self.started_at, self.ended_at) if self.started_at and self.ended_at else Decimal(0)
        if self.activity_id:
            self.street_id, self.community_id = self.activity.street_id, self.activity.community_id
        elif self.volunteer_id:
            self.community_id = self.volunteer.community_id
            self.street_id = self.volunteer.community.street_id

    def clean(self) -> None:
        if self.volunteer_id:
            self.fill_derived()
        if self.started_at and self.ended_at and self.ended_at > self.started_at:
            if self.ended_at - self.started_at > timedelta(hours=MAX_RECORD_HOURS):
                raise ValidationError({"ended_at": f"一条记录不能超过 {MAX_RECORD_HOURS} 小时，请核对日期。"})


# --- Import jobs ------------------------------------------------------------------------------


class HoursImportQuerySet(ScopedQuerySet):
    pass


class HoursImport(models.Model):
    """One hours file imported in the background. Progress is written as the file is read, so
    the admin shows how far it got; the file is all-or-nothing (``services.hours_import_run``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        CHECKING = "checking", "校验中"
        WRITING = "writing", "写入中"
        CHECKED = "checked", "已校验，待确认"
        DONE = "done", "已完成"
        FAILED = "failed", "未导入（有错误）"

    street = models.ForeignKey(Street, models.PROTECT, related_name="hours_imports", verbose_name="街道")
    file = models.FileField("文件", upload_to="volunteers/imports/")
    file_name = models.CharField("文件名", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField("已读行数", default=0)
    checked_rows = models.PositiveIntegerField("已校验行数", default=0)
    written_rows = models.PositiveIntegerField("已写入行数", default=0)
    error_count = models.PositiveIntegerField("错误行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="导入人")
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Each run that claims the job numbers itself and writes its progress only while the number
    # is still its own: a worker that died (its job silent past the stale limit) is replaced by
    # the retried task, and a replaced worker that wakes up stops at its next chunk.
    attempt = models.PositiveIntegerField("运行次数", default=0, editable=False)
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True, editable=False)
    # Uploaded in the admin: the checked rows wait in the staging table for the clerk to look at
    # the preview and confirm (``services.hours_import_confirm``); a script's job writes at once.
    confirm_first = models.BooleanField("预览确认后写入", default=False, editable=False)

    # Street-level: only street staff import files.
    scope_path = "street__communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(HoursImportQuerySet)
    history = HistoricalRecords(excluded_fields=["checked_rows", "written_rows", "total_rows", "heartbeat_at"])

    class Meta:
        verbose_name = "时长导入批次"
        verbose_name_plural = "时长导入批次"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class HoursImportRow(models.Model):
    """A checked row of a file being imported, kept until the whole file has passed. Staging
    rows let the file be checked against itself in SQL (overlaps between its own rows) while
    memory stays flat, and are deleted when the import ends either way. Never shown anywhere."""

    job = models.ForeignKey(HoursImport, models.CASCADE, related_name="rows", verbose_name="导入批次")
    line = models.PositiveIntegerField("行号")
    volunteer = models.ForeignKey(Volunteer, models.CASCADE, related_name="+", verbose_name="志愿者")
    activity = models.ForeignKey(Activity, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="活动")
    description = models.CharField("服务内容", max_length=200, blank=True)
    street = models.ForeignKey(Street, models.CASCADE, related_name="+", verbose_name="街道")
    community = models.ForeignKey(
        Community, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="社区"
    )
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    hours = models.DecimalField("时长", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "导入暂存行"
        verbose_name_plural = "导入暂存行"
        indexes = [
            # The file's self-overlap check: one volunteer's rows of one job by start.
            models.Index(fields=["job", "volunteer", "started_at"], name="importrow_job_vol_start_idx"),
        ]

    def __str__(self) -> str:
        return f"第{self.line}行"
