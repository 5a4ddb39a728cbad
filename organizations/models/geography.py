"""The geography of a street: district, street, clusters, communities, grids and 经济社."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ..scope import ScopedQuerySet
from .base import PinyinMixin, manager_for


class District(models.Model):
    name = models.CharField("名称", max_length=50, unique=True)
    city = models.CharField("所属市", max_length=50, default="佛山市")
    province = models.CharField("所属省", max_length=50, default="广东省")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "streets__communities"
    street_path = "streets"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet, "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "区"
        verbose_name_plural = "区"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.name,)


class Street(models.Model):
    district = models.ForeignKey(District, models.PROTECT, related_name="streets", verbose_name="区")
    name = models.CharField("名称", max_length=50)
    is_town = models.BooleanField("是否为镇", default=False, help_text="镇与街道同级，只在称呼上不同。")
    party_org_name = models.CharField("党工委全称", max_length=120, blank=True)
    party_brand = models.CharField("党建品牌", max_length=60, blank=True, help_text="如“千灯耀 桂城红”。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "communities"
    street_path = "pk"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet, "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "街道（镇）"
        verbose_name_plural = "街道（镇）"
        ordering = ["name"]
        constraints = [
            # Street names are unique city-wide in Foshan, so a name is a natural key.
            models.UniqueConstraint(
                fields=["name"], name="street_unique_name", violation_error_message="已有同名街道（镇）。"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.name,)


class AreaCluster(models.Model):
    street = models.ForeignKey(Street, models.PROTECT, related_name="area_clusters", verbose_name="街道")
    name = models.CharField("名称", max_length=50)
    population = models.PositiveIntegerField("人口", null=True, blank=True)
    notes = models.TextField("简介", blank=True)

    scope_path = "communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet, "street__name", "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "片区"
        verbose_name_plural = "片区"
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="areacluster_unique_name_in_street",
                violation_error_message="同一街道下已有同名片区。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.street.name, self.name)


class CommunityQuerySet(ScopedQuerySet):
    def urban(self):
        return self.filter(kind=Community.Kind.URBAN)

    def rural(self):
        return self.filter(kind=Community.Kind.RURAL)


class Community(PinyinMixin, models.Model):
    class Kind(models.TextChoices):
        URBAN = "urban", "城市社区"
        RURAL = "rural", "农村社区"

    street = models.ForeignKey(Street, models.PROTECT, related_name="communities", verbose_name="街道")
    area_cluster = models.ForeignKey(
        AreaCluster,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="communities",
        verbose_name="片区",
    )
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    notes = models.TextField("简介", blank=True)
    is_demo = models.BooleanField("演示数据", default=False, help_text="由演示数据生成，不是真实社区。")

    scope_path = "pk"
    street_path = "street"

    objects = manager_for(CommunityQuerySet, "street__name", "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "社区"
        verbose_name_plural = "社区"
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="community_unique_name_in_street",
                violation_error_message="同一街道下已有同名社区。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.street.name, self.name)

    def clean(self) -> None:
        if self.area_cluster_id and self.street_id and self.area_cluster.street_id != self.street_id:
            raise ValidationError({"area_cluster": "片区必须属于同一街道。"})


class GridQuerySet(ScopedQuerySet):
    def level(self, level: int):
        return self.filter(level=level)


class Grid(models.Model):
    """A cell of the three-level grid: 1 = the community, 2 = a residents' group, compound or
    business building, 3 = the responsibility zone of a party-group leader, a member who took a
    post, a building head or a volunteer team."""

    class Level(models.IntegerChoices):
        COMMUNITY = 1, "一级网格（社区）"
        COMPOUND = 2, "二级网格（居民小组/物业小区/商圈楼宇）"
        ZONE = 3, "三级网格（责任区）"

    class Kind(models.TextChoices):
        COMMUNITY = "community", "社区"
        RESIDENT_GROUP = "resident_group", "居民小组"
        COMPOUND = "compound", "物业小区"
        BUILDING = "building", "商圈楼宇"
        ZONE = "zone", "责任区"

    community = models.ForeignKey(Community, models.CASCADE, related_name="grids", verbose_name="社区")
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name="上级网格"
    )
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=80)
    path = models.CharField(
        "路径",
        max_length=255,
        editable=False,
        help_text="从一级网格起的名称，以“/”相连；在社区内唯一，用于导入导出。",
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(GridQuerySet, "community__street__name", "community__name", "path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["community", "path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=3),
                name="grid_level_1_to_3",
                violation_error_message="层级只能是 1、2 或 3。",
            ),
            models.CheckConstraint(
                condition=Q(("parent__isnull", True), ("level", 1)) | Q(("parent__isnull", False), ("level__gt", 1)),
                name="grid_parent_iff_below_level_1",
                violation_error_message="一级网格不能有上级网格；二级、三级网格必须填写上级网格路径。",
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(level=1),
                name="grid_one_level_1_per_community",
                violation_error_message="每个社区只能有一个一级网格。",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="grid_unique_name_in_parent",
                violation_error_message="同一上级网格下已有同名网格。",
            ),
            models.UniqueConstraint(
                fields=["community", "path"],
                name="grid_unique_path_in_community",
                violation_error_message="同一社区内已有相同路径的网格。",
            ),
        ]
        indexes = [
            # The admin and the public tree list one level of one community at a time.
            models.Index(fields=["community", "level"], name="grid_community_level_idx"),
        ]

    def __str__(self) -> str:
        return self.path or self.name

    def save(self, *args, **kwargs):
        # The grid's own path only; ``services.grid_save`` carries the paths below it along.
        self.path = self.build_path()
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.community.street.name, self.community.name, self.path)

    natural_key.dependencies = ["organizations.community"]

    def build_path(self) -> str:
        return f"{self.parent.path}/{self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        errors = {}
        if self.parent_id:
            if self.parent.level != (self.level or 0) - 1:
                errors["parent"] = "上级网格必须正好高一级（二级网格挂在一级下，三级挂在二级下）。"
            if self.community_id and self.parent.community_id != self.community_id:
                errors["parent"] = "上级网格必须属于同一社区。"
        elif self.level and self.level > 1:
            errors["parent"] = "二级、三级网格必须有上级网格。"
        if self.level == 1 and self.parent_id:
            errors["parent"] = "一级网格没有上级网格。"
        if errors:
            raise ValidationError(errors)


class EconomicSociety(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="economic_societies", verbose_name="社区")
    name = models.CharField("名称", max_length=50)
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    notes = models.TextField("简介", blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet, "community__street__name", "community__name", "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "经济社"
        verbose_name_plural = "经济社"
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                name="economicsociety_unique_name",
                violation_error_message="同一社区下已有同名经济社。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community.name}·{self.name}" if self.community_id else self.name

    def natural_key(self):
        return (self.community.street.name, self.community.name, self.name)

    def clean(self) -> None:
        if self.community_id and self.community.kind != Community.Kind.RURAL:
            raise ValidationError({"community": "经济社只能属于农村社区。"})
