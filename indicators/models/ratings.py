"""Scores and the star ratings (流动星级) computed from them."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import PartyOrganization, manager_for
from organizations.scope import ScopedQuerySet

from ..subjects import is_subject
from .base import POINTS, STAR_VALIDATORS
from .periods import Period
from .schemes import Dimension


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
