"""Imports and exports of communities, grids and 经济社."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields

from core.importing import (
    LevelWidget,
    cell_text,
    choice,
    number,
    related,
    text,
    yes_no,
)

from ..importing import ScopedResource, community_field, street_field
from ..models import (
    AreaCluster,
    Community,
    EconomicSociety,
    Grid,
)


class CommunityResource(ScopedResource):
    street = street_field()
    name = text("name", "社区名称")
    kind = choice(Community, "kind", "类型")
    area_cluster = related("area_cluster", "片区", AreaCluster, parents={"street__name": "街道"})
    notes = text("notes", "简介", long=True)
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "社区名称")
    select_related = ("street", "area_cluster")

    class Meta(ScopedResource.Meta):
        model = Community
        name = "社区"
        fields = ("street", "name", "kind", "area_cluster", "notes", "is_demo")
        import_id_fields = ("street", "name")
        export_order = fields


PARENT_FIRST = "如果它也在本文件中，请把它放在前面的行。"


class GridResource(ScopedResource):
    street = text("community__street__name", "街道", readonly=True)
    community = community_field()
    parent = related(
        "parent",
        "上级网格路径",
        Grid,
        field="path",
        parents={"community__name": "社区", "community__street__name": "街道"},
        label="上级网格",
        hint=PARENT_FIRST,
    )
    name = text("name", "网格名称")
    level = fields.Field(attribute="level", column_name="层级", widget=LevelWidget(Grid.Level.choices))
    kind = choice(Grid, "kind", "类型")
    path = text("path", "路径", readonly=True)
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "社区", "上级网格路径", "网格名称")
    select_related = ("community__street", "parent")

    class Meta(ScopedResource.Meta):
        model = Grid
        name = "网格"
        fields = ("street", "community", "parent", "name", "level", "kind", "path", "is_demo")
        import_id_fields = ("community", "path")
        export_order = fields

    def normalise_row(self, row) -> None:
        # The path is the natural key: the parent's path plus this grid's own name. The 路径
        # column of an export is for reading; it is always worked out again here.
        parent, name = cell_text(row.get("上级网格路径")), cell_text(row.get("网格名称"))
        if "/" in name:
            raise ValidationError({"网格名称": "网格名称不能包含“/”（它用来分隔路径）。"})
        row["路径"] = f"{parent}/{name}" if parent else name


class EconomicSocietyResource(ScopedResource):
    street = text("community__street__name", "街道", readonly=True)
    community = community_field()
    name = text("name", "经济社名称")
    households = number("households", "户数")
    notes = text("notes", "简介", long=True)
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "社区", "经济社名称")
    select_related = ("community__street",)

    class Meta(ScopedResource.Meta):
        model = EconomicSociety
        name = "经济社"
        fields = ("street", "community", "name", "households", "notes", "is_demo")
        import_id_fields = ("community", "name")
        export_order = fields
