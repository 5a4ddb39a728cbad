"""Excel/CSV import and export (django-import-export).

Every file names records the way a person does — by names within their parent (street →
community → grid path), never by database ids — and the export writes the same columns, so a
file round-trips. An import with any bad row writes nothing: each bad row is reported with its
column and reason. Text cells an office suite would run as a formula are neutralised on export.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from .models import (
    Community,
    EconomicSociety,
    Grid,
    PartyMember,
    PartyOrganization,
    ServiceCenter,
    ServiceType,
    Street,
)

# A cell starting with one of these is read as a formula by Excel, WPS and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_formula(value):
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """Finds a related record by its name plus the names of its parents in the same row.

    ``parents`` maps a lookup (``"street__name"``) to the column holding its value; a missing
    record is a ``ValueError`` with a sentence a street clerk can act on.
    """

    def __init__(self, model, field="name", parents=None, label=None, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.parents = parents or {}
        self.label = label or model._meta.verbose_name

    def get_lookup_kwargs(self, value, row, **kwargs):
        lookup = {self.field: value}
        for lookup_name, column in self.parents.items():
            lookup[lookup_name] = (row or {}).get(column)
        return lookup

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return super().clean(str(value).strip(), row, **kwargs)
        except self.model.DoesNotExist:
            where = "，".join(f"{column}“{(row or {}).get(column)}”" for column in self.parents.values())
            raise ValueError(f"找不到{self.label}“{value}”" + (f"（{where}）" if where else "")) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(f"{self.label}“{value}”不唯一，请补充上级名称") from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.field)


class ChoiceLabelWidget(widgets.Widget):
    """Shows and reads a choice by its Chinese label (“城市社区”); the code is accepted too."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.by_label = {str(label): value for value, label in choices}
        self.by_value = {value: str(label) for value, label in choices}

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return ""
        value = str(value).strip()
        if value in self.by_label:
            return self.by_label[value]
        if value in self.by_value:
            return value
        raise ValueError(f"“{value}”不是可选值，可选：{'、'.join(self.by_label)}")

    def render(self, value, obj=None, **kwargs):
        return self.by_value.get(value, value or "")


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Like ``ManyToManyWidget`` but an unknown name is an error, not silently dropped."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return self.model.objects.none()
        names = [name.strip() for name in str(value).split(self.separator) if name.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": names})
        missing = set(names) - {getattr(obj, self.field) for obj in found}
        if missing:
            known = "、".join(self.model.objects.values_list(self.field, flat=True)[:30])
            raise ValueError(f"未知的{self.model._meta.verbose_name}：{'、'.join(sorted(missing))}（可选：{known}）")
        return found


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "1", 1, True, "true", "TRUE", "True"]
    FALSE_VALUES = ["否", "0", 0, False, "false", "FALSE", "False"]
    NULL_VALUES = ["", None]

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"

    def clean(self, value, row=None, **kwargs):
        if value in self.NULL_VALUES:
            return False
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(f"“{value}”应为“是”或“否”")


class ChineseDateWidget(widgets.DateWidget):
    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(f"日期“{value}”格式不正确，应为 2023-02-17") from None


def street_widget():
    return NamedForeignKeyWidget(Street, label="街道")


def community_widget():
    return NamedForeignKeyWidget(Community, parents={"street__name": "街道"}, label="社区")


def choice(model, field_name, column):
    model_field = model._meta.get_field(field_name)
    return fields.Field(attribute=field_name, column_name=column, widget=ChoiceLabelWidget(model_field.choices))


class PortalResource(resources.ModelResource):
    """Base resource: validated rows, all-or-nothing imports, formula-safe exports."""

    def import_data(self, dataset, *args, **kwargs):
        # Any invalid row rolls the whole file back, in the admin and in scripts alike.
        kwargs["rollback_on_validation_errors"] = True
        kwargs.setdefault("use_transactions", True)
        return super().import_data(dataset, *args, **kwargs)

    def before_import_row(self, row, **kwargs):
        for column in list(row.keys()):
            value = row[column]
            if isinstance(value, str):
                value = value.strip()
            row[column] = restore_formula(value)
        super().before_import_row(row, **kwargs)

    def get_instance(self, instance_loader, row):
        """Reads the natural key; a key cell that names nothing is that column's error."""
        errors = {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            try:
                field.clean(row)
            except (ValueError, KeyError) as exc:
                errors[field.attribute] = ValidationError(str(exc).strip("'\""), code="invalid")
        if errors:
            raise ValidationError(errors)
        return super().get_instance(instance_loader, row)

    def export_field(self, field, instance, **kwargs):
        return neutralise_formula(super().export_field(field, instance, **kwargs))

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class CommunityResource(PortalResource):
    street = fields.Field(attribute="street", column_name="街道", widget=street_widget())
    name = fields.Field(attribute="name", column_name="社区名称")
    kind = choice(Community, "kind", "类型")
    area_cluster = fields.Field(
        attribute="area_cluster",
        column_name="片区",
        widget=NamedForeignKeyWidget(
            Community._meta.get_field("area_cluster").related_model,
            parents={"street__name": "街道"},
            label="片区",
        ),
    )
    notes = fields.Field(attribute="notes", column_name="简介")
    is_demo = fields.Field(attribute="is_demo", column_name="演示数据", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = Community
        fields = ("street", "name", "kind", "area_cluster", "notes", "is_demo")
        import_id_fields = ("street", "name")
        export_order = fields


class GridResource(PortalResource):
    street = fields.Field(attribute="community__street__name", column_name="街道", readonly=True)
    community = fields.Field(attribute="community", column_name="社区", widget=community_widget())
    parent = fields.Field(
        attribute="parent",
        column_name="上级网格路径",
        widget=NamedForeignKeyWidget(
            Grid,
            field="path",
            parents={"community__name": "社区", "community__street__name": "街道"},
            label="上级网格",
        ),
    )
    name = fields.Field(attribute="name", column_name="网格名称")
    level = fields.Field(attribute="level", column_name="层级", widget=widgets.IntegerWidget())
    kind = choice(Grid, "kind", "类型")
    path = fields.Field(attribute="path", column_name="路径")
    is_demo = fields.Field(attribute="is_demo", column_name="演示数据", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = Grid
        fields = ("street", "community", "parent", "name", "level", "kind", "path", "is_demo")
        import_id_fields = ("community", "path")
        export_order = fields

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # The path is the natural key: the parent's path plus this grid's own name.
        parent, name = row.get("上级网格路径") or "", row.get("网格名称") or ""
        row["路径"] = f"{parent}/{name}" if parent else name

    def get_queryset(self):
        return super().get_queryset().select_related("community__street", "parent")


class EconomicSocietyResource(PortalResource):
    street = fields.Field(attribute="community__street__name", column_name="街道", readonly=True)
    community = fields.Field(attribute="community", column_name="社区", widget=community_widget())
    name = fields.Field(attribute="name", column_name="经济社名称")
    households = fields.Field(attribute="households", column_name="户数", widget=widgets.IntegerWidget())
    notes = fields.Field(attribute="notes", column_name="简介")
    is_demo = fields.Field(attribute="is_demo", column_name="演示数据", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = EconomicSociety
        fields = ("street", "community", "name", "households", "notes", "is_demo")
        import_id_fields = ("community", "name")
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("community__street")


class PartyOrganizationResource(PortalResource):
    street = fields.Field(attribute="street", column_name="街道", widget=street_widget())
    name = fields.Field(attribute="name", column_name="党组织名称")
    kind = choice(PartyOrganization, "kind", "类别")
    field = choice(PartyOrganization, "field", "领域")
    parent = fields.Field(
        attribute="parent",
        column_name="上级党组织",
        widget=NamedForeignKeyWidget(PartyOrganization, parents={"street__name": "街道"}, label="上级党组织"),
    )
    community = fields.Field(attribute="community", column_name="所在社区", widget=community_widget())
    economic_society = fields.Field(
        attribute="economic_society",
        column_name="所在经济社",
        widget=NamedForeignKeyWidget(
            EconomicSociety,
            parents={"community__name": "所在社区", "community__street__name": "街道"},
            label="经济社",
        ),
    )
    founded_on = fields.Field(attribute="founded_on", column_name="成立日期", widget=ChineseDateWidget())
    notes = fields.Field(attribute="notes", column_name="简介")
    is_demo = fields.Field(attribute="is_demo", column_name="演示数据", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = PartyOrganization
        fields = (
            "street",
            "name",
            "kind",
            "field",
            "parent",
            "community",
            "economic_society",
            "founded_on",
            "notes",
            "is_demo",
        )
        import_id_fields = ("street", "name")
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("street", "parent", "community", "economic_society")


class PartyMemberResource(PortalResource):
    """Members are keyed by ID number: names repeat, ID numbers do not. The file holds
    private data, so only staff with the members' view permission can export it."""

    name = fields.Field(attribute="name", column_name="姓名")
    gender = choice(PartyMember, "gender", "性别")
    status = choice(PartyMember, "status", "状态")
    street = fields.Field(attribute="organization__street__name", column_name="街道", readonly=True)
    organization = fields.Field(
        attribute="organization",
        column_name="所在党组织",
        widget=NamedForeignKeyWidget(PartyOrganization, parents={"street__name": "街道"}, label="党组织"),
    )
    residence_community = fields.Field(
        attribute="residence_community", column_name="居住社区", widget=community_widget()
    )
    joined_on = fields.Field(attribute="joined_on", column_name="入党日期", widget=ChineseDateWidget())
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    phone = fields.Field(attribute="phone", column_name="手机")
    address = fields.Field(attribute="address", column_name="住址")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=ChineseDateWidget())
    is_demo = fields.Field(attribute="is_demo", column_name="演示数据", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = PartyMember
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

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if not row.get("身份证号"):
            raise ValidationError({"id_number": "身份证号必填：它是区分同名党员的唯一依据"})
        row["身份证号"] = str(row["身份证号"]).upper()

    def get_queryset(self):
        return super().get_queryset().select_related("organization__street", "residence_community__street")


class ServiceCenterResource(PortalResource):
    street = fields.Field(attribute="street", column_name="街道", widget=street_widget())
    name = fields.Field(attribute="name", column_name="名称")
    level = choice(ServiceCenter, "level", "层级")
    community = fields.Field(attribute="community", column_name="社区", widget=community_widget())
    address = fields.Field(attribute="address", column_name="地址")
    latitude = fields.Field(attribute="latitude", column_name="纬度", widget=widgets.DecimalWidget())
    longitude = fields.Field(attribute="longitude", column_name="经度", widget=widgets.DecimalWidget())
    area_m2 = fields.Field(attribute="area_m2", column_name="面积（平方米）", widget=widgets.IntegerWidget())
    phone = fields.Field(attribute="phone", column_name="服务电话")
    services = fields.Field(
        attribute="services",
        column_name="服务项目",
        widget=StrictManyToManyWidget(ServiceType, field="name", separator="、"),
    )
    description = fields.Field(attribute="description", column_name="简介")
    is_published = fields.Field(attribute="is_published", column_name="公开", widget=YesNoWidget())
    is_demo = fields.Field(attribute="is_demo", column_name="演示数据", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = ServiceCenter
        fields = (
            "street",
            "name",
            "level",
            "community",
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

    def get_queryset(self):
        return super().get_queryset().select_related("street", "community__street").prefetch_related("services")
