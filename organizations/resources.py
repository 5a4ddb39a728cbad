"""Excel/CSV import and export of the organizations app, built on ``core.importing``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, instance_loaders

from core.importing import (
    LevelWidget,
    StrictManyToManyWidget,
    cell_text,
    choice,
    database_rules,
    day,
    is_blank,
    number,
    related,
    restore_formula,
    text,
    yes_no,
)

from .importing import ScopedResource, community_field, street_field
from .models import (
    AreaCluster,
    Community,
    EconomicSociety,
    Grid,
    PartyMember,
    PartyOrganization,
    ServiceCenter,
    ServiceType,
)
from .services import positions_follow_organization


def _id_number_taken() -> str:
    return next(rule.message for rule in database_rules(PartyMember) if rule.name == "partymember_unique_id_number")


class MemberLoader(instance_loaders.ModelInstanceLoader):
    """Reads every member the file names in a few queries, instead of one query per row, and
    tells the resource which ID numbers are registered at all (perhaps outside the importing
    user's street), so it need not ask the database again for each row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        field = resource.fields["id_number"]
        ids: set[str] = set()
        if dataset is not None and field.column_name in (dataset.headers or []):
            ids = {field.widget.clean(restore_formula(v)) for v in dataset[field.column_name]} - {""}
        self.instances: dict[str, PartyMember] = {}
        registered: set[str] = set()
        ids_list = sorted(ids)
        for start in range(0, len(ids_list), 500):
            chunk = ids_list[start : start + 500]
            registered.update(
                PartyMember._default_manager.filter(id_number__in=chunk).values_list("id_number", flat=True)
            )
            for member in self.get_queryset().filter(id_number__in=chunk):
                self.instances[member.id_number] = member
        resource.registered_ids = registered

    def get_instance(self, row):
        return self.instances.get(self.resource.fields["id_number"].clean(row))


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


class PartyOrganizationResource(ScopedResource):
    street = street_field()
    name = text("name", "党组织名称")
    kind = choice(PartyOrganization, "kind", "类别")
    field = choice(PartyOrganization, "field", "领域")
    parent = related("parent", "上级党组织", PartyOrganization, parents={"street__name": "街道"}, hint=PARENT_FIRST)
    community = community_field(column="所在社区")
    grid = related(
        "grid",
        "所在网格",
        Grid,
        field="path",
        parents={"community__name": "所在社区", "community__street__name": "街道"},
        label="网格",
    )
    economic_society = related(
        "economic_society",
        "所在经济社",
        EconomicSociety,
        parents={"community__name": "所在社区", "community__street__name": "街道"},
        label="经济社",
    )
    spanned_communities = fields.Field(
        attribute="spanned_communities",
        column_name="联合覆盖的社区",
        widget=StrictManyToManyWidget(Community, parents={"street__name": "街道"}, label="社区"),
    )
    founded_on = day("founded_on", "成立日期")
    notes = text("notes", "简介", long=True)
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "党组织名称")
    select_related = ("street", "parent", "community", "grid", "economic_society")
    prefetch_related = ("spanned_communities",)

    class Meta(ScopedResource.Meta):
        model = PartyOrganization
        name = "党组织"
        fields = (
            "street",
            "name",
            "kind",
            "field",
            "parent",
            "community",
            "grid",
            "economic_society",
            "spanned_communities",
            "founded_on",
            "notes",
            "is_demo",
        )
        import_id_fields = ("street", "name")
        export_order = fields

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        # An organisation moved to another community takes its positions along (a dry run is
        # rolled back with the rest of the file).
        positions_follow_organization(organization=instance, user=kwargs.get("user"))


class PartyMemberResource(ScopedResource):
    """Members are keyed by ID number: names repeat, ID numbers do not. The file holds the
    private fields (phone, ID number, address, birth date): export is for staff only."""

    name = text("name", "姓名")
    gender = choice(PartyMember, "gender", "性别")
    status = choice(PartyMember, "status", "状态")
    street = text("organization__street__name", "街道", readonly=True)
    organization = related(
        "organization", "所在党组织", PartyOrganization, parents={"street__name": "街道"}, label="党组织"
    )
    residence_community = community_field("residence_community", "居住社区")
    joined_on = day("joined_on", "入党日期")
    id_number = text("id_number", "身份证号", upper=True)
    phone = text("phone", "手机")
    address = text("address", "住址")
    birth_date = day("birth_date", "出生日期")
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("身份证号",)
    select_related = ("organization__street", "residence_community__street")
    # MemberLoader reads which ID numbers are taken, and the file may not repeat one.
    checked_per_file = ("id_number",)
    registered_ids: set[str] = frozenset()

    class Meta(ScopedResource.Meta):
        model = PartyMember
        name = "党员"
        fields = (
            "name",
            "gender",
            "status",
            "street",
            "organization",
            "residence_community",
            "joined_on",
            "id_number",
            "phone",
            "address",
            "birth_date",
            "is_demo",
        )
        import_id_fields = ("id_number",)
        export_order = fields
        instance_loader_class = MemberLoader

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.pk is None and instance.id_number in self.registered_ids:
            # Taken by a member the importing user cannot see (another street's).
            errors["id_number"] = [ValidationError(_id_number_taken())]
        super().validate_instance(instance, errors, validate_unique)

    def normalise_row(self, row) -> None:
        value = row.get("身份证号")
        if isinstance(value, float | int) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: the last ones of an 18-digit number are lost.
            raise ValidationError(
                {"身份证号": "身份证号被 Excel 存成了数字，末几位已丢失：请把这一列设为“文本”后重新填写。"}
            )
        if is_blank(value):
            raise ValidationError({"身份证号": "身份证号必填：它是区分同名党员的唯一依据。"})
        row["身份证号"] = cell_text(value).upper()


class ServiceCenterResource(ScopedResource):
    street = street_field()
    name = text("name", "名称")
    level = choice(ServiceCenter, "level", "层级")
    community = community_field()
    area_cluster = related("area_cluster", "片区", AreaCluster, parents={"street__name": "街道"})
    economic_society = related(
        "economic_society",
        "经济社",
        EconomicSociety,
        parents={"community__name": "社区", "community__street__name": "街道"},
        label="经济社",
    )
    address = text("address", "地址")
    latitude = number("latitude", "纬度", decimal=True)
    longitude = number("longitude", "经度", decimal=True)
    area_m2 = number("area_m2", "面积（平方米）")
    phone = text("phone", "服务电话")
    services = fields.Field(
        attribute="services", column_name="服务项目", widget=StrictManyToManyWidget(ServiceType, label="服务项目")
    )
    description = text("description", "简介", long=True)
    is_published = yes_no("is_published", "公开")
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "名称")
    select_related = ("street", "community__street", "area_cluster", "economic_society")
    prefetch_related = ("services",)

    class Meta(ScopedResource.Meta):
        model = ServiceCenter
        name = "党群服务中心"
        fields = (
            "street",
            "name",
            "level",
            "community",
            "area_cluster",
            "economic_society",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "phone",
            "services",
            "description",
            "is_published",
            "is_demo",
        )
        import_id_fields = ("street", "name")
        export_order = fields
