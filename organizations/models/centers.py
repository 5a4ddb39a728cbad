"""Service centres (the “1+45+N” system) and their opening hours."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ..scope import ScopedQuerySet
from ..validators import validate_phone
from .base import PinyinMixin, manager_for
from .geography import AreaCluster, Community, EconomicSociety, Street


class ServiceType(models.Model):
    name = models.CharField("名称", max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    scope_path = None  # shared vocabulary, not scoped

    objects = manager_for(models.QuerySet, "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.name,)


class ServiceCenterQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(is_published=True)


class ServiceCenter(PinyinMixin, models.Model):
    class Level(models.TextChoices):
        STREET = "street", "街道党群服务中心"
        COMMUNITY = "community", "社区党群服务中心"
        STATION = "station", "党群服务站"
        AREA = "area", "片区党群服务中心"
        PARK = "park", "园区党群服务中心"
        BUILDING = "building", "楼宇党群服务中心"
        COMPOUND = "compound", "小区党建阵地"
        # 730 item 3.4 “一社一支部一阵地”: an economic society's own place for party activities.
        ECONOMIC_SOCIETY = "economic_society", "经济社党建阵地"

    street = models.ForeignKey(Street, models.PROTECT, related_name="service_centers", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_centers",
        verbose_name="社区",
        help_text="街道、片区、园区级的中心可留空。",
    )
    area_cluster = models.ForeignKey(
        AreaCluster, models.SET_NULL, null=True, blank=True, related_name="service_centers", verbose_name="片区"
    )
    economic_society = models.ForeignKey(
        EconomicSociety,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_centers",
        verbose_name="经济社",
        help_text="仅经济社党建阵地：它所属的经济社（“一社一支部一阵地”）。",
    )
    name = models.CharField("名称", max_length=80)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField(
        "纬度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        "经度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    area_m2 = models.PositiveIntegerField("面积（平方米）", null=True, blank=True)
    phone = models.CharField("服务电话", max_length=20, blank=True, validators=[validate_phone])
    services = models.ManyToManyField(ServiceType, blank=True, related_name="centers", verbose_name="服务项目")
    description = models.TextField("简介", blank=True)
    is_published = models.BooleanField("公开", default=False, help_text="公开后居民可在门户上看到。")
    is_demo = models.BooleanField("演示数据", default=False, help_text="地址、开放时间等为演示内容。")

    scope_path = "community"
    street_path = "street"

    objects = manager_for(ServiceCenterQuerySet, "street__name", "name")
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        verbose_name = "党群服务中心"
        verbose_name_plural = "党群服务中心"
        ordering = ["street", "level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="servicecenter_unique_name_in_street",
                violation_error_message="同一街道下已有同名服务中心。",
            ),
            models.CheckConstraint(
                condition=Q(community__isnull=False)
                | ~Q(level__in=["community", "station", "compound", "economic_society"]),
                name="servicecenter_community_levels_have_community",
                violation_error_message="社区党群服务中心、党群服务站、小区党建阵地和经济社党建阵地必须填写所属社区。",
            ),
            models.CheckConstraint(
                condition=Q(("economic_society__isnull", False), ("level", "economic_society"))
                | Q(("economic_society__isnull", True), ~Q(level="economic_society")),
                name="servicecenter_society_iff_society_level",
                violation_error_message="经济社党建阵地须选择所属经济社；其他层级的中心不填经济社。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.street.name, self.name)

    def clean(self) -> None:
        errors = {}
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            errors["community"] = "社区必须属于所选街道。"
        if self.economic_society_id and self.economic_society.community_id != self.community_id:
            errors["economic_society"] = "经济社必须属于所填社区。"
        if errors:
            raise ValidationError(errors)


class OpeningInterval(models.Model):
    """One interval of a centre's regular week; a day may have several (a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "周一"
        TUESDAY = 1, "周二"
        WEDNESDAY = 2, "周三"
        THURSDAY = 3, "周四"
        FRIDAY = 4, "周五"
        SATURDAY = 5, "周六"
        SUNDAY = 6, "周日"

    center = models.ForeignKey(ServiceCenter, models.CASCADE, related_name="opening_intervals", verbose_name="服务中心")
    weekday = models.PositiveSmallIntegerField("星期", choices=Weekday.choices)
    opens_at = models.TimeField("开门")
    closes_at = models.TimeField("关门")

    scope_path = "center__community"
    street_path = "center__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "开放时段"
        verbose_name_plural = "开放时段"
        ordering = ["center", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="openinginterval_ends_after_start",
                violation_error_message="关门时间必须晚于开门时间。",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="openinginterval_weekday_0_to_6",
                violation_error_message="星期只能是周一到周日。",
            ),
            models.UniqueConstraint(
                fields=["center", "weekday", "opens_at"],
                name="openinginterval_unique_start",
                violation_error_message="同一天已有从这个时间开始的开放时段。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.center_id:
            overlapping = OpeningInterval.objects.filter(
                center_id=self.center_id,
                weekday=self.weekday,
                opens_at__lt=self.closes_at,
                closes_at__gt=self.opens_at,
            ).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError("同一天的开放时段不能重叠。")


class OpeningException(models.Model):
    """A dated exception that overrides the regular week and the holiday calendar: closed all
    day, or open at special hours (one row per interval)."""

    center = models.ForeignKey(
        ServiceCenter, models.CASCADE, related_name="opening_exceptions", verbose_name="服务中心"
    )
    date = models.DateField("日期")
    is_closed = models.BooleanField("全天闭馆", default=False)
    opens_at = models.TimeField("开门", null=True, blank=True)
    closes_at = models.TimeField("关门", null=True, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)

    scope_path = "center__community"
    street_path = "center__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "特殊开放安排"
        verbose_name_plural = "特殊开放安排"
        ordering = ["center", "date", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(is_closed=True, opens_at__isnull=True, closes_at__isnull=True)
                    | Q(is_closed=False, opens_at__isnull=False, closes_at__gt=F("opens_at"))
                ),
                name="openingexception_closed_or_valid_hours",
                violation_error_message="全天闭馆时不填写开关门时间；特殊开放须填写开门和关门时间，且关门晚于开门。",
            ),
        ]
        indexes = [
            models.Index(fields=["center", "date"], name="openingexc_center_date_idx"),
        ]

    def __str__(self) -> str:
        if self.is_closed:
            return f"{self.date:%Y-%m-%d} 闭馆"
        return f"{self.date:%Y-%m-%d} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.is_closed and (self.opens_at or self.closes_at):
            raise ValidationError("全天闭馆时不填写开关门时间。")
        if not self.is_closed:
            if not (self.opens_at and self.closes_at):
                raise ValidationError("特殊开放须填写开门和关门时间，或勾选全天闭馆。")
            if self.closes_at <= self.opens_at:
                raise ValidationError({"closes_at": "关门时间必须晚于开门时间。"})
