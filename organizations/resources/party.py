"""Imports and exports of party organisations and members (members by ID number)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, instance_loaders

from core.importing import (
    StrictManyToManyWidget,
    cell_text,
    choice,
    database_rules,
    day,
    is_blank,
    related,
    restore_formula,
    text,
    yes_no,
)

from ..importing import ScopedResource, community_field, street_field
from ..models import (
    Community,
    EconomicSociety,
    Grid,
    PartyMember,
    PartyOrganization,
)
from ..services import positions_follow_organization
from .geography import PARENT_FIRST


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
