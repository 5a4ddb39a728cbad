"""书记工程 (one project per community per year) and 桂城党建730 (plan → themes → items), with
their progress timelines.

Percentages shown on the boards are roll-ups (``projects/rollups.py``). They are stored on the
records for speed — so the admin can sort and filter by them in one query — and only
``services.rollups_recompute`` writes them; they are kept out of the change history, which
records what people typed, not what was derived from it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from organizations.models import Community, Street, manager_for
from organizations.scope import ScopedQuerySet

from .lagging import quarter_of
from .validators import validate_photo

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
DERIVED_FIELDS = ["percent", "last_update_on"]
WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0.01"), message="权重须大于 0。")]


# --- 书记工程 ---------------------------------------------------------------------------------


class SecretaryProjectQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(is_public=True)

    def for_year(self, year: int):
        return self.filter(year=year)


class SecretaryProject(models.Model):
    """A community's 书记工程 for one year, led by that community's party secretary."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未启动"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "已完成"
        # What the secretary declares. The computed 滞后 flag (``projects/lagging.py``) is what
        # the list filter, the boards' warning and the reminders go by; the two may differ.
        LAGGING = "lagging", "滞后"

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
        help_text="由书记填报。是否“滞后”另按规则自动判断（见列表中的“滞后（自动）”）。",
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
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(SecretaryProjectQuerySet, "community__street__name", "community__name", "year")
    history = HistoricalRecords(excluded_fields=DERIVED_FIELDS)

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


# --- 桂城党建730 ------------------------------------------------------------------------------

# STREET_LEVEL_SCOPE — the decision on who sees the 730 plan in the admin: it is the street's
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

    # Street-level: every community of the street sees it (secretaries read-only, by their
    # permissions), street staff keep it. See STREET_LEVEL_SCOPE above.
    scope_path = "street__communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(WorkPlanQuerySet, "street__name", "year")
    history = HistoricalRecords(excluded_fields=["percent"])

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

    scope_path = "plan__street__communities"  # street-level, see STREET_LEVEL_SCOPE
    street_path = "plan__street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet, "plan__street__name", "plan__year", "number")
    history = HistoricalRecords(excluded_fields=["percent"])

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


# --- Progress timelines -----------------------------------------------------------------------


class ProgressUpdateQuerySet(ScopedQuerySet):
    def public(self):
        """Updates of public projects and of public plans' items."""
        return self.filter(Q(project__is_public=True) | Q(item__theme__plan__is_public=True))

    def for_projects(self):
        return self.filter(project__isnull=False)

    def for_items(self):
        return self.filter(item__isnull=False)


class ProgressUpdate(models.Model):
    """One entry of a timeline: a 书记工程's or a 730 item's progress on a date.

    Append-only: anyone allowed may add; only the author may correct it, and only within
    ``settings.PROJECTS_UPDATE_EDIT_WINDOW_MINUTES`` of posting; only street staff may delete,
    and the deletion stays in the change history with who did it (see ``services``).
    """

    project = models.ForeignKey(
        SecretaryProject,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name="书记工程",
    )
    item = models.ForeignKey(
        WorkItem, models.CASCADE, null=True, blank=True, related_name="updates", verbose_name="730要点"
    )
    # Copied from the subject so one lookup scopes both kinds of update for street staff.
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="progress_updates", verbose_name="街道", editable=False
    )
    date = models.DateField("进展日期")
    text = models.TextField("进展情况")
    percent = models.PositiveSmallIntegerField(
        "完成百分比", validators=PERCENT_VALIDATORS, help_text="截至该日期，整体完成了百分之多少（0–100）。"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name="填报人",
        editable=False,
    )
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    once_token = once_token_field()
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    scope_path = "project__community"
    street_path = "street"

    objects = manager_for(ProgressUpdateQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "进展"
        verbose_name_plural = "进展"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, item__isnull=True) | Q(project__isnull=True, item__isnull=False),
                name="progressupdate_exactly_one_subject",
                violation_error_message="一条进展必须且只能属于一个书记工程或一个730要点。",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="progressupdate_percent_0_to_100",
                violation_error_message="完成百分比应在 0–100 之间。",
            ),
        ]
        indexes = [
            # A project's timeline, newest first, and its latest update for the roll-up.
            models.Index(fields=["project", "-date", "-id"], name="progressupd_project_date_idx"),
            # The same for a 730 item.
            models.Index(fields=["item", "-date", "-id"], name="progressupd_item_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.percent}%"

    @property
    def subject(self):
        return self.project if self.project_id else self.item

    def _subject_street_and_year(self) -> tuple[int, int] | None:
        if self.project_id and not self.item_id:
            return self.project.community.street_id, self.project.year
        if self.item_id and not self.project_id:
            plan = self.item.theme.plan
            return plan.street_id, plan.year
        return None

    def clean_fields(self, exclude=None) -> None:
        # The street is copied from the subject before the fields are checked.
        found = self._subject_street_and_year()
        if found is not None:
            self.street_id = found[0]
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        from .lagging import today_in_beijing

        found = self._subject_street_and_year()
        if found is None:
            raise ValidationError("一条进展必须且只能属于一个书记工程或一个730要点。")
        self.street_id, year = found
        if self.date and self.date.year < year:
            raise ValidationError({"date": f"进展日期不能早于 {year} 年：这是 {year} 年度的项目。"})
        if self.date and self.date > today_in_beijing():
            raise ValidationError({"date": "进展日期不能晚于今天。"})


class UpdatePhoto(models.Model):
    """A photo of a progress update; a thumbnail is made after it is saved."""

    update = models.ForeignKey(ProgressUpdate, models.CASCADE, related_name="photos", verbose_name="进展")
    image = models.ImageField(
        "照片",
        upload_to="projects/updates/%Y/%m/",
        validators=[validate_photo],
        help_text="JPEG、PNG 或 WebP 格式。",
    )
    caption = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope_path = "update__project__community"
    street_path = "update__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "进展照片"
        verbose_name_plural = "进展照片"
        ordering = ["update", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name.rsplit("/", 1)[-1]


# --- Reminders --------------------------------------------------------------------------------


class StaleReminder(models.Model):
    """The record that a project's 滞后 reminder went out for a quarter: the database lets one
    exist per (project, year, quarter), so a second run of the task sends nothing."""

    project = models.ForeignKey(
        SecretaryProject, models.CASCADE, related_name="stale_reminders", verbose_name="书记工程"
    )
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    recipients = models.TextField("收件人", help_text="发送时的收件地址，以逗号分隔。")
    reasons = models.TextField("滞后原因", blank=True)

    scope_path = "project__community"
    street_path = "project__community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "滞后提醒"
        verbose_name_plural = "滞后提醒"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "quarter"],
                name="stalereminder_once_per_quarter",
                violation_error_message="这个书记工程本季度的提醒已经发送过。",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="stalereminder_quarter_1_to_4",
                violation_error_message="季度应为 1–4。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年第{self.quarter}季度提醒"
