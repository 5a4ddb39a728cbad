"""战斗力指数: scoring schemes, rating periods, scores, star ratings (流动星级) and the 软弱涣散
rectification with its 一村一策 plan, 指导员 and 导师团; and the published key figures (数读).

A period is rated by one pass over its scores when it closes (``services.period_close``). The
thresholds and weights in force are copied onto the period then (``Period.rules``), and every
rating stores its total and stars, so editing a scheme later never rewrites a closed period.
Ratings, and the cases the close opens and closes, are written by the system only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from organizations.models import PartyOrganization, Street, manager_for
from organizations.scope import ScopedQuerySet

from .subjects import SubjectKind, is_subject

POINTS = {"max_digits": 6, "decimal_places": 2}
STAR_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
THRESHOLD_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]

# STREET_LEVEL — schemes, periods, mentors, instructors and published figures belong to a street:
# every community of the street reaches them through ``street__communities`` (a secretary reads
# them, by the 社区书记 role's view-only permissions), street staff keep them, and nobody of
# another street sees them. Scores, ratings and cases reach a community through their subject.


# --- Schemes --------------------------------------------------------------------------------


class SchemeQuerySet(ScopedQuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)


class Scheme(models.Model):
    """How a street rates one kind of subject in one year: the dimensions and their weights, the
    star thresholds, the level at or below which a subject is put under rectification. A new
    version of the same year and kind may replace it for later periods."""

    street = models.ForeignKey(Street, models.PROTECT, related_name="strength_schemes", verbose_name="街道")
    name = models.CharField("方案名称", max_length=80, help_text="如“经济社党支部战斗力指数”。")
    subject_kind = models.CharField(
        "评定对象", max_length=20, choices=SubjectKind.choices, default=SubjectKind.SOCIETY_BRANCH
    )
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1, help_text="同一年度、同一评定对象的方案修订时加 1。")
    star5_min = models.DecimalField(
        "五星最低分", **POINTS, default=Decimal(90), validators=THRESHOLD_VALIDATORS, help_text="总分不低于此分为五星。"
    )
    star4_min = models.DecimalField("四星最低分", **POINTS, default=Decimal(80), validators=THRESHOLD_VALIDATORS)
    star3_min = models.DecimalField("三星最低分", **POINTS, default=Decimal(70), validators=THRESHOLD_VALIDATORS)
    star2_min = models.DecimalField(
        "二星最低分", **POINTS, default=Decimal(60), validators=THRESHOLD_VALIDATORS, help_text="低于此分为一星。"
    )
    rectification_level = models.PositiveSmallIntegerField(
        "整顿星级线",
        default=3,
        validators=STAR_VALIDATORS,
        help_text="评定为此星级及以下的对象纳入软弱涣散整顿（默认三星）。",
    )
    honour_level = models.PositiveSmallIntegerField(
        "表彰星级线",
        default=5,
        validators=STAR_VALIDATORS,
        help_text="评定为此星级及以上的对象进入光荣榜（桂城为五星；经开区为四星以上）。",
    )
    description = models.TextField("说明", blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(SchemeQuerySet, "street__name", "subject_kind", "year", "version")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评分方案"
        verbose_name_plural = "评分方案"
        ordering = ["-year", "subject_kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "subject_kind", "year", "version"],
                name="scheme_unique_version",
                violation_error_message="这个街道同一年度、同一评定对象已有这个版本的方案。",
            ),
            models.CheckConstraint(
                condition=Q(star5_min__gt=F("star4_min"), star4_min__gt=F("star3_min"), star3_min__gt=F("star2_min")),
                name="scheme_thresholds_descending",
                violation_error_message="星级分数线须从五星到二星依次降低。",
            ),
            models.CheckConstraint(
                condition=Q(star5_min__lte=100, star2_min__gte=0),
                name="scheme_thresholds_0_to_100",
                violation_error_message="星级分数线应在 0–100 分之间。",
            ),
            models.CheckConstraint(
                condition=Q(rectification_level__gte=1, rectification_level__lte=5, honour_level__gte=1)
                & Q(honour_level__lte=5, honour_level__gt=F("rectification_level")),
                name="scheme_levels_1_to_5",
                violation_error_message="整顿星级线和表彰星级线应为 1–5 星，且表彰线高于整顿线。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="scheme_year_range",
                violation_error_message="年度应在 2000–2100 之间。",
            ),
        ]

    def __str__(self) -> str:
        version = f"（第{self.version}版）" if self.version > 1 else ""
        return f"{self.year}年 {self.name}{version}"

    def natural_key(self):
        return (self.street.name, self.subject_kind, self.year, self.version)

    natural_key.dependencies = ["organizations.street"]

    @property
    def thresholds(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.star5_min, self.star4_min, self.star3_min, self.star2_min)


class Dimension(models.Model):
    """One ability the index measures (动员、组织、决策、执行能力, seed 004), with its weight in
    the total. A subject's total is Σ score ÷ 满分 × 权重 over the dimensions; the weights of a
    scheme add up to 100."""

    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="dimensions", verbose_name="方案")
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("维度", max_length=40)
    weight = models.DecimalField(
        "权重", **POINTS, validators=[MinValueValidator(Decimal("0.01"))], help_text="各维度权重之和应为 100。"
    )
    max_points = models.DecimalField(
        "满分", **POINTS, default=Decimal(100), validators=[MinValueValidator(Decimal("0.01"))]
    )
    description = models.TextField("评分要点", blank=True)

    scope_path = "scheme__street__communities"  # street-level, see STREET_LEVEL
    street_path = "scheme__street"
    scope_path_is_multi = True

    objects = manager_for(
        ScopedQuerySet, "scheme__street__name", "scheme__subject_kind", "scheme__year", "scheme__version", "name"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评分维度"
        verbose_name_plural = "评分维度"
        ordering = ["scheme", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "name"],
                name="dimension_unique_name",
                violation_error_message="同一方案中已有同名维度。",
            ),
            models.UniqueConstraint(
                fields=["scheme", "number"],
                name="dimension_unique_number",
                violation_error_message="同一方案中已有这个序号的维度。",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0, max_points__gt=0),
                name="dimension_weight_positive",
                violation_error_message="权重和满分须大于 0。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (*self.scheme.natural_key(), self.name)

    natural_key.dependencies = ["indicators.scheme"]


class SubIndicator(models.Model):
    """An optional item of a dimension with its own maximum (e.g. 理论水平提高 10 分): what the
    scorer looks at. The dimension's 满分 is the sum of its items' when it has any."""

    dimension = models.ForeignKey(Dimension, models.CASCADE, related_name="sub_indicators", verbose_name="维度")
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("指标", max_length=80)
    max_points = models.DecimalField("满分", **POINTS, validators=[MinValueValidator(Decimal("0.01"))])
    description = models.TextField("评分标准", blank=True)

    scope_path = "dimension__scheme__street__communities"  # street-level, see STREET_LEVEL
    street_path = "dimension__scheme__street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "细项指标"
        verbose_name_plural = "细项指标"
        ordering = ["dimension", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "name"],
                name="subindicator_unique_name",
                violation_error_message="同一维度中已有同名细项指标。",
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0),
                name="subindicator_points_positive",
                violation_error_message="细项满分须大于 0。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{Decimal(self.max_points).normalize():f}分）"


# --- Periods --------------------------------------------------------------------------------


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


# --- People who help: 指导员 and 导师团 ------------------------------------------------------


class InstructorQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class Instructor(models.Model):
    """A 党建指导员 (seed 004: a 机关中层干部 paired with a weak subject): a staff login of the
    street, so the workspace can show them their cases."""

    street = models.ForeignKey(Street, models.PROTECT, related_name="instructors", verbose_name="街道")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="instructor", verbose_name="登录账号"
    )
    name = models.CharField("姓名", max_length=30)
    unit = models.CharField("所在单位/科室", max_length=80, blank=True)
    is_active = models.BooleanField("在岗", default=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(InstructorQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党建指导员"
        verbose_name_plural = "党建指导员"
        ordering = ["street", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    def clean(self) -> None:
        if not self.user_id or not self.street_id:
            return
        if not self.user.is_staff or not self.user.is_active:
            raise ValidationError({"user": "指导员须使用在用的工作人员账号。"})
        scope = getattr(self.user, "staff_scope", None)
        if scope is None or scope.street_id != self.street_id:
            raise ValidationError({"user": "指导员的账号须属于同一街道的工作范围。"})


class Mentor(models.Model):
    """A member of the 导师团: a party-building expert, scholar or leading secretary who advises
    the weak subjects on their 一村一策 plan (seed 004)."""

    street = models.ForeignKey(Street, models.PROTECT, related_name="mentors", verbose_name="街道")
    name = models.CharField("姓名", max_length=30)
    title = models.CharField("职务/职称", max_length=80, blank=True, help_text="如“党校教授”“先进社区党委书记”。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "导师团成员"
        verbose_name_plural = "导师团成员"
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name", "title"],
                name="mentor_unique_in_street",
                violation_error_message="这个街道的导师团已有这位导师。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


# --- Scores and ratings -----------------------------------------------------------------------


class Score(models.Model):
    """A subject's points in one dimension of one period, with the evidence behind them."""

    period = models.ForeignKey(Period, models.CASCADE, related_name="scores", verbose_name="评定期")
    subject = models.ForeignKey(
        PartyOrganization, models.PROTECT, related_name="strength_scores", verbose_name="评定对象"
    )
    dimension = models.ForeignKey(Dimension, models.PROTECT, related_name="scores", verbose_name="维度")
    value = models.DecimalField("得分", **POINTS, validators=[MinValueValidator(0)])
    evidence = models.TextField("佐证说明", blank=True, help_text="得分依据：台账、活动记录、群众评议等。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "subject__community"
    street_path = "subject__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        ordering = ["period", "subject", "dimension__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "subject", "dimension"],
                name="score_one_per_dimension",
                violation_error_message="这个评定对象在本期的这一维度已有评分。",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="score_value_not_negative",
                violation_error_message="得分不能为负数。",
            ),
        ]
        indexes = [
            # A subject's scores across periods (its history and explanation).
            models.Index(fields=["subject", "period"], name="score_subject_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.dimension} {Decimal(self.value).normalize():f}"

    def clean(self) -> None:
        errors = {}
        period = self.period if self.period_id else None
        if period is not None and not period.is_open:
            errors["period"] = f"“{period}”已评定，不能再录入或修改评分；如需更正，请街道工作人员先重新打开评定期。"
        if period is not None and self.dimension_id:
            dimension = self.dimension
            if dimension.scheme_id != period.scheme_id:
                errors["dimension"] = f"维度“{dimension}”不属于这一评定期的方案。"
            elif self.value is not None and self.value > dimension.max_points:
                errors["value"] = (
                    f"得分 {Decimal(self.value).normalize():f} 超出“{dimension}”的满分"
                    f" {Decimal(dimension.max_points).normalize():f}。"
                )
        if period is not None and self.subject_id:
            subject = self.subject
            if subject.street_id != period.street_id:
                errors["subject"] = "评定对象须属于这一评定期所在的街道。"
            elif not is_subject(subject, period.scheme.subject_kind):
                errors["subject"] = f"“{subject}”不是这一方案的评定对象（{period.scheme.get_subject_kind_display()}）。"
        if errors:
            raise ValidationError(errors)


class RatingQuerySet(ScopedQuerySet):
    def honour_roll(self):
        return self.filter(stars__gte=F("period__scheme__honour_level"))


class Rating(models.Model):
    """A subject's stars for one period, written by the close: its total, stars, the stars of
    the previous period, the movement between them and its rank in the street. The rows of a
    subject over the periods are its 流动星级 history."""

    class Movement(models.TextChoices):
        UP = "up", "↑ 上升"
        DOWN = "down", "↓ 下降"
        SAME = "same", "= 持平"
        NEW = "new", "首次评定"  # no rating in the previous period

    period = models.ForeignKey(Period, models.CASCADE, related_name="ratings", verbose_name="评定期")
    subject = models.ForeignKey(
        PartyOrganization, models.PROTECT, related_name="strength_ratings", verbose_name="评定对象"
    )
    total = models.DecimalField("总分", **POINTS)
    stars = models.PositiveSmallIntegerField("星级", validators=STAR_VALIDATORS)
    previous_stars = models.PositiveSmallIntegerField("上期星级", null=True, blank=True, validators=STAR_VALIDATORS)
    movement = models.CharField("升降", max_length=10, choices=Movement.choices)
    rank = models.PositiveIntegerField("街道排名", help_text="按总分在本街道同期评定对象中的名次，同分同名次。")
    created_at = models.DateTimeField("评定时间", default=timezone.now)

    scope_path = "subject__community"
    street_path = "subject__street"

    objects = manager_for(RatingQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "星级评定"
        verbose_name_plural = "星级评定"
        ordering = ["period", "rank", "subject__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "subject"],
                name="rating_one_per_period",
                violation_error_message="这个评定对象在本期已有星级评定。",
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5),
                name="rating_stars_1_to_5",
                violation_error_message="星级应为 1–5 星。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(movement="new", previous_stars__isnull=True)
                    | Q(movement="up", previous_stars__lt=F("stars"))
                    | Q(movement="down", previous_stars__gt=F("stars"))
                    | Q(movement="same", previous_stars=F("stars"))
                ),
                name="rating_movement_matches_stars",
                violation_error_message="升降须与本期和上期星级一致。",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0, rank__gte=1),
                name="rating_total_and_rank_positive",
                violation_error_message="总分不能为负，排名从 1 开始。",
            ),
        ]
        indexes = [
            # The honour roll and the star distribution of a period.
            models.Index(fields=["period", "stars"], name="rating_period_stars_idx"),
            # A subject's history, newest period first.
            models.Index(fields=["subject", "period"], name="rating_subject_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.period}：{self.stars}星"


# --- Rectification ----------------------------------------------------------------------------


class RectificationCaseQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status=RectificationCase.Status.OPEN)

    def overdue(self, today):
        """Open cases whose plan's deadline (完成时限) is before ``today``."""
        return self.open().filter(deadline__lt=today)

    def public_open(self):
        """The cases the public sees under rectification: opened by a published period and not
        closed by a published one. A close opens and closes cases at once, but until the period
        is published its ratings are the street office's alone, so a public figure counting
        ``open()`` would tell everyone which branches were just rated weak (issue 16)."""
        published = Period.objects.filter(status=Period.Status.PUBLISHED).values("pk")
        return self.filter(opened_in__in=published).exclude(closed_in__in=published)


class RectificationCase(models.Model):
    """A weak subject's 软弱涣散 rectification: opened by the close of the period that rated it
    at or below the scheme's level, closed by the close of a later period that rates it above.
    Its 一村一策 plan (analysis, measures, owner, deadline), the paired 指导员, the 导师团
    members advising it and the dated follow-up visits are kept by people."""

    class Status(models.TextChoices):
        OPEN = "open", "整顿中"
        CLOSED = "closed", "已销号"

    subject = models.ForeignKey(
        PartyOrganization, models.PROTECT, related_name="rectification_cases", verbose_name="整顿对象"
    )
    opened_in = models.ForeignKey(
        Period, models.PROTECT, related_name="opened_cases", verbose_name="纳入整顿的评定期", editable=False
    )
    closed_in = models.ForeignKey(
        Period,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_cases",
        verbose_name="销号的评定期",
        editable=False,
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    analysis = models.TextField("问题分析", blank=True, help_text="结合战斗力指数各维度得分分析薄弱原因。")
    measures = models.TextField("提升措施（一村一策）", blank=True)
    owner = models.CharField("责任人", max_length=60, blank=True, help_text="可填职务，如“经济社党支部书记”。")
    deadline = models.DateField("完成时限", null=True, blank=True)
    instructor = models.ForeignKey(
        Instructor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="挂钩指导员",
    )
    mentors = models.ManyToManyField(Mentor, blank=True, related_name="cases", verbose_name="指导导师")
    created_at = models.DateTimeField("纳入时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)

    scope_path = "subject__community"
    street_path = "subject__street"

    objects = manager_for(RectificationCaseQuerySet)
    history = HistoricalRecords(m2m_fields=[mentors])

    class Meta:
        verbose_name = "整顿提升"
        verbose_name_plural = "软弱涣散整顿提升"
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status="open"),
                name="rectificationcase_one_open_per_subject",
                violation_error_message="这个对象已有一个整顿中的案例。",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_in__isnull=True) | Q(status="closed", closed_in__isnull=False),
                name="rectificationcase_closed_iff_closed_in",
                violation_error_message="已销号的案例须有销号的评定期；整顿中的案例不填。",
            ),
        ]
        indexes = [
            # The close finds a subject's open case; the list shows a street's open cases.
            models.Index(fields=["subject", "status"], name="rectcase_subject_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}（{self.opened_in}纳入）"


class FollowUpVisit(models.Model):
    """A dated visit of the instructor (or a mentor) to a subject under rectification."""

    case = models.ForeignKey(RectificationCase, models.CASCADE, related_name="visits", verbose_name="整顿案例")
    visited_on = models.DateField("走访日期")
    notes = models.TextField("跟踪情况", help_text="“两委”班子工作落实情况、发现的问题。")
    next_steps = models.TextField("下一步", blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
        editable=False,
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    once_token = once_token_field()

    scope_path = "case__subject__community"
    street_path = "case__subject__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "跟踪走访"
        verbose_name_plural = "跟踪走访"
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["case", "visited_on"], name="visit_case_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} 走访"


# --- 数读: what the articles published ------------------------------------------------------


class PublishedFigure(models.Model):
    """A key figure as an article stated it (seeds 000–004), kept beside the figure the portal
    computes from its records (``registry``) so the 数读核对 page can show both."""

    class Comparison(models.TextChoices):
        EXACT = "exact", "等于"
        AT_LEAST = "at_least", "不少于"  # “460多个”“2000名以上”

    street = models.ForeignKey(Street, models.PROTECT, related_name="published_figures", verbose_name="街道")
    label = models.CharField("指标", max_length=80)
    value = models.DecimalField("公布数值", max_digits=12, decimal_places=2)
    unit = models.CharField("单位", max_length=20, blank=True)
    comparison = models.CharField(
        "口径", max_length=10, choices=Comparison.choices, default=Comparison.EXACT, help_text="“多”“以上”为不少于。"
    )
    figure_name = models.CharField(
        "对应的计算指标",
        max_length=80,
        blank=True,
        help_text="系统计算的指标标识（如 organizations.communities）；留空表示系统尚无对应记录可计算。",
    )
    source = models.CharField("来源编号", max_length=10, blank=True, help_text="资料中的报道编号，如 000。")
    article = models.CharField("报道", max_length=200, blank=True)
    published_on = models.DateField("报道日期", null=True, blank=True)
    date_note = models.CharField("日期说明", max_length=60, blank=True, help_text="报道未注明日期时的说明。")
    note = models.TextField("备注", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet, "street__name", "label")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "公布数据"
        verbose_name_plural = "数读：公布数据"
        ordering = ["street", "sort_order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "label"],
                name="publishedfigure_unique_label",
                violation_error_message="这个街道已有同名的公布数据。",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="publishedfigure_value_not_negative",
                violation_error_message="公布数值不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {Decimal(self.value).normalize():f}{self.unit}"

    def natural_key(self):
        return (self.street.name, self.label)

    natural_key.dependencies = ["organizations.street"]

    def clean(self) -> None:
        from core.registry import registered_names

        if self.figure_name and self.figure_name not in registered_names():
            raise ValidationError({"figure_name": f"没有名为“{self.figure_name}”的计算指标。"})
