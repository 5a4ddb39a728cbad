"""Rating periods and the rules copied onto them when they close."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organizations.models import Street, manager_for
from organizations.scope import ScopedQuerySet

from .schemes import Scheme


class PeriodQuerySet(ScopedQuerySet):
    def rated(self):
        """Closed or published, with the ratings written."""
        return self.filter(
            status__in=[Period.Status.CLOSED, Period.Status.PUBLISHED], ratings_computed_at__isnull=False
        )

    def published(self):
        return self.filter(status=Period.Status.PUBLISHED, ratings_computed_at__isnull=False)


class Period(models.Model):
    """A quarter or a year of one scheme: open (scores are entered) → closed (rated; scores
    frozen) → published (on the public honour roll). Reopening a closed period is for street
    staff, with a reason, and stays in the change history."""

    class Kind(models.TextChoices):
        QUARTER = "quarter", "季度"
        YEAR = "year", "年度"

    class Status(models.TextChoices):
        OPEN = "open", "评分中"
        CLOSED = "closed", "已评定"
        PUBLISHED = "published", "已公布"

    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="periods", verbose_name="方案")
    # Copied from the scheme: it names the period within its street and orders the street's periods.
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="strength_periods", verbose_name="街道", editable=False
    )
    name = models.CharField(
        "名称", max_length=60, blank=True, help_text="留空自动生成，如“2023年第一季度·经济社党支部”。"
    )
    kind = models.CharField("周期", max_length=10, choices=Kind.choices, default=Kind.QUARTER)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField(
        "季度", null=True, blank=True, help_text="季度评定填 1–4；年度评定留空。"
    )
    starts_on = models.DateField("开始日期", editable=False)
    ends_on = models.DateField("结束日期", editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    closed_at = models.DateTimeField("评定时间", null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="评定人",
        editable=False,
    )
    ratings_computed_at = models.DateTimeField(
        "星级计算完成时间", null=True, blank=True, editable=False, help_text="评定后由后台任务计算；为空表示计算中。"
    )
    published_at = models.DateTimeField("公布时间", null=True, blank=True, editable=False)
    previous_period = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上一期",
        editable=False,
        help_text="评定时确定：同一街道、同一评定对象最近一次已评定的评定期，星级升降与它相比。",
    )
    rules = models.JSONField(
        "评定规则快照", default=dict, blank=True, editable=False, help_text="评定时的分数线、整顿线和各维度权重。"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(PeriodQuerySet, "street__name", "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评定期"
        verbose_name_plural = "评定期"
        ordering = ["-ends_on", "scheme__subject_kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="quarter", quarter__gte=1, quarter__lte=4) | Q(kind="year", quarter__isnull=True),
                name="period_quarter_iff_quarterly",
                violation_error_message="季度评定须填写 1–4 季度；年度评定不填季度。",
            ),
            models.UniqueConstraint(
                fields=["scheme", "year", "quarter"],
                condition=Q(kind="quarter"),
                name="period_one_per_quarter",
                violation_error_message="这个方案已有这一季度的评定期。",
            ),
            models.UniqueConstraint(
                fields=["scheme", "year"],
                condition=Q(kind="year"),
                name="period_one_per_year",
                violation_error_message="这个方案已有这一年度的评定期。",
            ),
            models.UniqueConstraint(
                fields=["street", "name"],
                name="period_unique_name_in_street",
                violation_error_message="这个街道已有同名的评定期。",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False),
                name="period_closed_has_time",
                violation_error_message="已评定或已公布的评定期须有评定时间。",
            ),
        ]
        indexes = [
            # The previous period of a close, and a street's periods newest first.
            models.Index(fields=["street", "ends_on"], name="period_street_ends_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.year}年"

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.street.name, self.name)

    natural_key.dependencies = ["indicators.scheme"]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def fill_derived(self) -> None:
        """Street from the scheme; dates and (when blank) the name from the year and quarter."""
        if self.scheme_id:
            self.street_id = self.scheme.street_id
        if not self.year:
            return
        if self.kind == self.Kind.QUARTER and self.quarter in (1, 2, 3, 4):
            first_month = 3 * (self.quarter - 1) + 1
            self.starts_on = date(self.year, first_month, 1)
            after = date(self.year + 1, 1, 1) if self.quarter == 4 else date(self.year, first_month + 3, 1)
            self.ends_on = date.fromordinal(after.toordinal() - 1)
            label = f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"
        else:
            self.starts_on, self.ends_on = date(self.year, 1, 1), date(self.year, 12, 31)
            label = f"{self.year}年度"
        if not self.name and self.scheme_id:
            self.name = f"{label}·{self.scheme.get_subject_kind_display()}"

    def clean_fields(self, exclude=None) -> None:
        self.fill_derived()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.scheme_id and self.year and self.scheme.year != self.year:
            raise ValidationError({"year": f"评定期年度须与方案年度（{self.scheme.year}年）一致。"})
