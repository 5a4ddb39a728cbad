"""Scoring schemes, their dimensions and sub-indicators."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from organizations.models import Street, manager_for
from organizations.scope import ScopedQuerySet

from ..subjects import SubjectKind
from .base import POINTS, STAR_VALIDATORS, THRESHOLD_VALIDATORS


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
