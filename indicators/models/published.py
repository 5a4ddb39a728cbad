"""数读: the key figures the street's articles published."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organizations.models import Street, manager_for
from organizations.scope import ScopedQuerySet


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
