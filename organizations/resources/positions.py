"""Imports and exports of positions: member by ID number, 一肩挑 as one row per post."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, instance_loaders

from core.importing import (
    FIRST_LINE,
    NamedForeignKeyWidget,
    cell_text,
    choice,
    day,
    is_blank,
    related,
    restore_formula,
    text,
    yes_no,
)

from ..importing import ScopedResource, community_field
from ..models import (
    EconomicSociety,
    PartyMember,
    PartyOrganization,
    Position,
)

ROLE_ALIASES = {
    "居委会主任": Position.Role.DIRECTOR.label,
    "村委会主任": Position.Role.DIRECTOR.label,
    "居（村）委主任": Position.Role.DIRECTOR.label,
    "居(村)委会主任": Position.Role.DIRECTOR.label,
    "社长": Position.Role.SOCIETY_HEAD.label,
}
ONE_CURRENT = {
    Position.Role.SECRETARY: ("党组织", "这个党组织"),
    Position.Role.DIRECTOR: ("社区", "这个社区"),
    Position.Role.SOCIETY_HEAD: ("经济社", "这个经济社"),
}


class MemberByIdWidget(NamedForeignKeyWidget):
    """A member named by ID number, read from a map the resource builds once per file (a
    ``NamedForeignKeyWidget``, so the checks trust what it found instead of reading it again)."""

    def __init__(self, **kwargs):
        super().__init__(PartyMember, field="id_number", label="党员", **kwargs)
        self.members: dict[str, PartyMember] = {}

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).upper()
        if not text:
            return None
        try:
            return self.members[text]
        except KeyError:
            raise ValueError(f"找不到身份证号为“{text}”的党员：请核对身份证号，或先在“党员”中导入这名党员。") from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.id_number


class PositionLoader(instance_loaders.ModelInstanceLoader):
    """Reads the existing positions of every member the file names in one query; a position is
    found by its natural key: member, role, body and start date."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        people = list(resource.fields["person"].widget.members.values())
        self.instances: dict[tuple, Position] = {}
        for start in range(0, len(people), 500):
            chunk = [person.pk for person in people[start : start + 500]]
            for position in self.get_queryset().filter(person_id__in=chunk):
                self.instances[self.key(position)] = position

    @staticmethod
    def key(position) -> tuple:
        community_id = position.community_id if position.role == Position.Role.DIRECTOR else None
        return (
            position.person_id,
            position.role,
            position.organization_id,
            community_id,
            position.economic_society_id,
            position.started_on,
        )

    def get_instance(self, row):
        fields_ = self.resource.fields
        probe = Position(
            person=fields_["person"].clean(row),
            role=fields_["role"].clean(row),
            organization=fields_["organization"].clean(row),
            community=fields_["community"].clean(row),
            economic_society=fields_["economic_society"].clean(row),
            started_on=fields_["started_on"].clean(row),
        )
        return self.instances.get(self.key(probe))


class PositionResource(ScopedResource):
    """Positions, one row per post: a member holding several (一肩挑: 书记 and 居委会主任) has
    several rows. The member is named by ID number; a party post names its organisation (its
    community follows), a 居（村）委会主任 the community, a 经济社社长 the community and 经济社."""

    name = text("person__name", "姓名", readonly=True)
    person = fields.Field(attribute="person", column_name="身份证号", widget=MemberByIdWidget())
    street = text("person__organization__street__name", "街道", readonly=True)
    role = choice(Position, "role", "职务")
    organization = related(
        "organization", "党组织", PartyOrganization, parents={"street__name": "街道"}, label="党组织"
    )
    community = community_field()
    economic_society = related(
        "economic_society",
        "经济社",
        EconomicSociety,
        parents={"community__name": "社区", "community__street__name": "街道"},
        label="经济社",
    )
    started_on = day("started_on", "任职日期")
    ended_on = day("ended_on", "离任日期")
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("身份证号", "职务", "任职日期")
    body_columns = ("党组织", "社区", "经济社")
    select_related = ("person__organization__street", "organization", "community", "economic_society__community")

    class Meta(ScopedResource.Meta):
        model = Position
        name = "职务"
        fields = (
            "name",
            "person",
            "street",
            "role",
            "organization",
            "community",
            "economic_society",
            "started_on",
            "ended_on",
            "is_demo",
        )
        import_id_fields = ("person", "role", "started_on")
        export_order = fields
        instance_loader_class = PositionLoader

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._current: dict[tuple, int] = {}
        ids: set[str] = set()
        if "身份证号" in (dataset.headers or []):
            ids = {cell_text(restore_formula(value)).upper() for value in dataset["身份证号"]} - {""}
        members = PartyMember.objects.select_related("organization__street")
        if self._only_street is not None:
            members = members.filter(organization__street__name=self._only_street)
        found: dict[str, PartyMember] = {}
        ids_list = sorted(ids)
        for start in range(0, len(ids_list), 500):
            for member in members.filter(id_number__in=ids_list[start : start + 500]):
                found[member.id_number] = member
        self.fields["person"].widget.members = found

    def normalise_row(self, row) -> None:
        role = cell_text(row.get("职务"))
        row["职务"] = ROLE_ALIASES.get(role, role)
        if is_blank(row.get("身份证号")):
            raise ValidationError({"身份证号": "身份证号必填：职务按身份证号对应到党员。"})
        if is_blank(row.get("街道")):
            member = self.fields["person"].widget.members.get(cell_text(row["身份证号"]).upper())
            if member is not None:  # a hand-made file may leave it out: the member's street
                row["街道"] = member.organization.street.name

    def _check_duplicate(self, row, row_number: int) -> None:
        line = row_number + FIRST_LINE - 1
        key = tuple(cell_text(row.get(column)) for column in (*self.key_columns, *self.body_columns))
        first = self._seen_keys.setdefault(key, line)
        if first != line:
            raise ValidationError({"任职日期": f"与第{first}行重复：同一人同一职务同一任职日期只能出现一次。"})
        role = next((value for value, label in Position.Role.choices if label == cell_text(row.get("职务"))), None)
        if role in ONE_CURRENT and is_blank(row.get("离任日期")):
            column, body = ONE_CURRENT[role]
            body_key = (role, cell_text(row.get("社区")), cell_text(row.get(column)))
            first = self._current.setdefault(body_key, line)
            if first != line:
                raise ValidationError(
                    {
                        "离任日期": f"与第{first}行冲突：{body}“{cell_text(row.get(column))}”只能有一名现任"
                        f"{Position.Role(role).label}，请给前任填写离任日期。"
                    }
                )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        person, organization = instance.person if instance.person_id else None, instance.organization
        if person and organization and person.organization.street_id != organization.street_id:
            errors.setdefault("organization", []).append(ValidationError("党组织与这名党员不在同一街道。"))
        if (
            instance.role in Position.PARTY_ROLES
            and organization is not None
            and instance.community_id
            and instance.community_id != organization.community_id
        ):
            where = organization.community.name if organization.community_id else "街道层面，社区留空"
            errors.setdefault("community", []).append(
                ValidationError(f"党内职务的社区取自党组织（{where}），请留空或改正。")
            )
        super().validate_instance(instance, errors, validate_unique)
