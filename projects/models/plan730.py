"""桂城党建730: a plan of themes and items."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organizations.models import Street, manager_for
from organizations.scope import ScopedQuerySet

from .. import closing
from .base import DERIVED_FIELDS, PROGRESS_IS_DEMO_HELP, WEIGHT_VALIDATORS

# list, led by street offices (办局), and public anyway. Its scope path runs through the street
# to all its communities, so a community secretary *sees* their own street's plan, themes and
# items (read-only: the 社区书记 role holds only "view" on them, see ``apps.py``) and nothing of
# another street's; street staff keep it. Item progress updates stay with street staff: a
# ``ProgressUpdate`` reaches a community only through a 书记工程.


class WorkPlanQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(is_public=True)

    def for_year(self, year: int):
        return self.filter(year=year)


class WorkPlan(models.Model):
    """A street's yearly plan, e.g. 2023年“桂城党建730” (7 themes, 30 items)."""

    street = models.ForeignKey(Street, models.PROTECT, related_name="work_plans", verbose_name="街道")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("计划名称", max_length=200)
    short_title = models.CharField("简称", max_length=40, blank=True, help_text="如“桂城党建730”。")
    published_on = models.DateField("发布日期", null=True, blank=True)
    is_public = models.BooleanField("公开", default=True)
    percent = models.DecimalField(
        "完成进度（%）",
        max_digits=5,
        decimal_places=2,
        default=0,
        editable=False,
        help_text="各主题进度按权重的加权平均（由系统计算）。",
    )
    progress_is_demo = models.BooleanField(
        "进度为演示数据", default=False, editable=False, help_text=PROGRESS_IS_DEMO_HELP
    )

    # Street-level: every community of the street sees it (secretaries read-only, by their
    # permissions), street staff keep it. See STREET_LEVEL_SCOPE above.
    scope_path = "street__communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(WorkPlanQuerySet, "street__name", "year")
    history = HistoricalRecords(excluded_fields=["percent", "progress_is_demo"])

    class Meta:
        verbose_name = "年度党建工作计划"
        verbose_name_plural = "年度党建工作计划（730）"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "year"],
                name="workplan_one_per_street_year",
                violation_error_message="这个街道这一年度已有工作计划。",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="workplan_percent_0_to_100",
                violation_error_message="完成进度应在 0–100 之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.short_title or self.title}"

    def natural_key(self):
        return (self.street.name, self.year)

    natural_key.dependencies = ["organizations.street"]


class WorkTheme(models.Model):
    """One of a plan's themes (主题), e.g. 01 党员干部思想建设."""

    plan = models.ForeignKey(WorkPlan, models.CASCADE, related_name="themes", verbose_name="计划")
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("主题", max_length=120)
    weight = models.DecimalField(
        "权重",
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=WEIGHT_VALIDATORS,
        help_text="在计划总进度中的权重，须大于 0。",
    )
    percent = models.DecimalField(
        "完成进度（%）",
        max_digits=5,
        decimal_places=2,
        default=0,
        editable=False,
        help_text="各要点进度按权重的加权平均（由系统计算）。",
    )
    progress_is_demo = models.BooleanField(
        "进度为演示数据", default=False, editable=False, help_text=PROGRESS_IS_DEMO_HELP
    )

    scope_path = "plan__street__communities"  # street-level, see STREET_LEVEL_SCOPE
    street_path = "plan__street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet, "plan__street__name", "plan__year", "number")
    history = HistoricalRecords(excluded_fields=["percent", "progress_is_demo"])

    class Meta:
        verbose_name = "730主题"
        verbose_name_plural = "730主题"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="worktheme_unique_number",
                violation_error_message="同一计划中已有这个序号的主题。",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="worktheme_weight_positive",
                violation_error_message="主题权重须大于 0。",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="worktheme_percent_0_to_100",
                violation_error_message="完成进度应在 0–100 之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.title}"

    def natural_key(self):
        return (*self.plan.natural_key(), self.number)

    natural_key.dependencies = ["projects.workplan"]


class WorkItemQuerySet(ScopedQuerySet):
    def for_year(self, year: int):
        return self.filter(theme__plan__year=year)


class WorkItem(models.Model):
    """One item (要点) of a theme, led by a street office, with its own progress timeline."""

    theme = models.ForeignKey(WorkTheme, models.CASCADE, related_name="items", verbose_name="主题")
    number = models.PositiveSmallIntegerField("序号", help_text="主题内的序号；编号显示为“主题.序号”，如 2.3。")
    title = models.CharField("要点", max_length=200)
    lead_unit = models.CharField("牵头单位", max_length=80, blank=True)
    responsible_person = models.CharField("责任人", max_length=40, blank=True, help_text="可填职务，如“党建办负责人”。")
    weight = models.DecimalField(
        "权重",
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=WEIGHT_VALIDATORS,
        help_text="在主题进度中的权重，须大于 0。",
    )
    deadline = models.DateField("完成时限", null=True, blank=True)
    target = models.TextField("工作目标", blank=True)
    is_demo = models.BooleanField(
        "演示数据", default=False, help_text="要点名称来自公开报道；牵头单位、责任人、权重、时限、目标为演示内容。"
    )
    percent = models.PositiveSmallIntegerField(
        "完成进度（%）", default=0, editable=False, help_text="取最近一条进展的完成百分比（由系统计算）。"
    )
    last_update_on = models.DateField("最近进展日期", null=True, blank=True, editable=False)
    progress_is_demo = models.BooleanField(
        "进度为演示数据", default=False, editable=False, help_text=PROGRESS_IS_DEMO_HELP
    )

    scope_path = "theme__plan__street__communities"  # street-level, see STREET_LEVEL_SCOPE
    street_path = "theme__plan__street"
    scope_path_is_multi = True

    objects = manager_for(WorkItemQuerySet, "theme__plan__street__name", "theme__plan__year", "theme__number", "number")
    history = HistoricalRecords(excluded_fields=DERIVED_FIELDS)

    class Meta:
        verbose_name = "730要点"
        verbose_name_plural = "730要点"
        ordering = ["theme__plan__year", "theme__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "number"],
                name="workitem_unique_number",
                violation_error_message="同一主题中已有这个序号的要点。",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="workitem_weight_positive", violation_error_message="权重须大于 0。"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="workitem_percent_0_to_100",
                violation_error_message="完成进度应在 0–100 之间。",
            ),
        ]
        indexes = [
            # The reminder / report scan of stale items: by last update inside a theme.
            models.Index(fields=["theme", "last_update_on"], name="workitem_theme_lastupd_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def natural_key(self):
        return (*self.theme.natural_key(), self.number)

    natural_key.dependencies = ["projects.worktheme"]

    @property
    def code(self) -> str:
        theme_number = self.theme.number if self.theme_id else "?"
        return f"{theme_number}.{self.number}"

    @property
    def accepts_updates(self) -> bool:
        """Whether its year still runs (``closing``); reads the theme's plan."""
        return closing.accepts_updates(self.theme.plan.year)
