"""书记工程: one project per community per year, its targets and quarterly milestones."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organizations.models import Community, manager_for
from organizations.scope import ScopedQuerySet

from .. import closing
from ..lagging import quarter_of
from ..rollups import ProgressStatus
from .base import PROGRESS_IS_DEMO_HELP, PROJECT_DERIVED_FIELDS


class SecretaryProjectQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(is_public=True)

    def for_year(self, year: int):
        return self.filter(year=year)


class SecretaryProject(models.Model):
    """A community's 书记工程 for one year, led by that community's party secretary."""

    # Derived from the timeline and the acceptance step (``rollups.progress_status``); the
    # computed 滞后 flag (``projects/lagging.py``) is shown beside it, never mixed in.
    Status = ProgressStatus

    community = models.ForeignKey(Community, models.PROTECT, related_name="secretary_projects", verbose_name="社区")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("项目名称", max_length=120)
    focus = models.TextField("聚焦问题", help_text="项目要破解的社区发展瓶颈或治理难题。")
    plan = models.TextField("实施计划", blank=True)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_STARTED,
        editable=False,
        help_text="由系统按进展计算：未启动、推进中；达到 100% 为已完成，设有验收节点的在验收完成前为待验收。"
        "是否“滞后”另按规则自动判断（见列表中的“滞后（自动）”）。",
    )
    is_public = models.BooleanField("公开", default=True, help_text="公开后居民可在门户上跟进项目进度。")
    is_demo = models.BooleanField("演示数据", default=False, help_text="由演示数据生成，不是真实项目。")
    percent = models.PositiveSmallIntegerField(
        "完成进度（%）",
        default=0,
        editable=False,
        help_text="取最近一条进展的完成百分比（由系统计算）。",
    )
    last_update_on = models.DateField("最近进展日期", null=True, blank=True, editable=False)
    progress_is_demo = models.BooleanField(
        "进度为演示数据", default=False, editable=False, help_text=PROGRESS_IS_DEMO_HELP
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(SecretaryProjectQuerySet, "community__street__name", "community__name", "year")
    history = HistoricalRecords(excluded_fields=PROJECT_DERIVED_FIELDS)

    class Meta:
        verbose_name = "书记工程"
        verbose_name_plural = "书记工程"
        ordering = ["-year", "community__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year"],
                name="secretaryproject_one_per_community_year",
                violation_error_message="同一社区同一年度只能有一个书记工程。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="secretaryproject_year_range",
                violation_error_message="年度应在 2000–2100 之间。",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="secretaryproject_percent_0_to_100",
                violation_error_message="完成进度应在 0–100 之间。",
            ),
        ]
        indexes = [
            # The public board and the admin filters: one year's projects, by status.
            models.Index(fields=["year", "status"], name="secproject_year_status_idx"),
            # The reminder scan: one year's projects by last update (the "no update this
            # quarter" half of the 滞后 rule).
            models.Index(fields=["year", "last_update_on"], name="secproject_year_lastupd_idx"),
        ]

    def __str__(self) -> str:
        community = self.community.name if self.community_id else "?"
        return f"{self.year}年 {community}：{self.title}"

    def natural_key(self):
        return (self.community.street.name, self.community.name, self.year)

    natural_key.dependencies = ["organizations.community"]

    @property
    def accepts_updates(self) -> bool:
        """Whether its year still runs: a past year's project takes no new update (``closing``)."""
        return closing.accepts_updates(self.year)


class ProjectTarget(models.Model):
    """A measurable target of a project, e.g. 纳入改造的小区 6 个."""

    project = models.ForeignKey(SecretaryProject, models.CASCADE, related_name="targets", verbose_name="书记工程")
    label = models.CharField("指标", max_length=60)
    unit = models.CharField("单位", max_length=10, blank=True)
    planned_value = models.DecimalField("计划值", max_digits=12, decimal_places=2)
    achieved_value = models.DecimalField(
        "已完成值", max_digits=12, decimal_places=2, null=True, blank=True, help_text="留空表示尚未填报。"
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    scope_path = "project__community"
    street_path = "project__community__street"

    objects = manager_for(
        ScopedQuerySet, "project__community__street__name", "project__community__name", "project__year", "label"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "量化指标"
        verbose_name_plural = "量化指标"
        ordering = ["project", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "label"],
                name="projecttarget_unique_label",
                violation_error_message="同一书记工程中已有同名指标。",
            ),
            models.CheckConstraint(
                condition=Q(planned_value__gt=0),
                name="projecttarget_planned_positive",
                violation_error_message="计划值须大于 0。",
            ),
            models.CheckConstraint(
                condition=Q(achieved_value__isnull=True) | Q(achieved_value__gte=0),
                name="projecttarget_achieved_not_negative",
                violation_error_message="已完成值不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {Decimal(self.planned_value).normalize():f}{self.unit}"

    def natural_key(self):
        return (*self.project.natural_key(), self.label)

    natural_key.dependencies = ["projects.secretaryproject"]

    @property
    def achievement(self):
        """Achieved as a percent of planned, or ``None`` before anything is reported."""
        if self.achieved_value is None or not self.planned_value:
            return None
        return min(100, round(self.achieved_value * 100 / self.planned_value))


class ProjectMilestone(models.Model):
    """A (usually quarterly) milestone of a project."""

    project = models.ForeignKey(SecretaryProject, models.CASCADE, related_name="milestones", verbose_name="书记工程")
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("节点内容", max_length=200)
    due_on = models.DateField("计划完成日期")
    done_on = models.DateField("实际完成日期", null=True, blank=True, help_text="留空表示尚未完成。")
    is_acceptance = models.BooleanField(
        "验收节点",
        default=False,
        help_text="勾选表示这一节点是项目验收：进度达到 100% 后，填写它的实际完成日期之前，项目显示为“待验收”。",
    )
    is_demo = models.BooleanField(
        "演示数据", default=False, help_text="节点由演示数据补足（报道没有写明），不是真实安排。"
    )

    scope_path = "project__community"
    street_path = "project__community__street"

    objects = manager_for(
        ScopedQuerySet,
        "project__community__street__name",
        "project__community__name",
        "project__year",
        "number",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "季度节点"
        verbose_name_plural = "季度节点"
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                name="projectmilestone_unique_number",
                violation_error_message="同一书记工程中已有这个序号的节点。",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="projectmilestone_number_positive",
                violation_error_message="节点序号须从 1 开始。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def natural_key(self):
        return (*self.project.natural_key(), self.number)

    natural_key.dependencies = ["projects.secretaryproject"]

    @property
    def quarter(self) -> int:
        return quarter_of(self.due_on)
