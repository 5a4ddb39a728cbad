"""Excel/CSV import and export of the organizations app, built on ``core.importing``."""

from __future__ import annotations

import re
import secrets
from datetime import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export import fields, instance_loaders, widgets

from core.importing import (
    FIRST_LINE,
    LevelWidget,
    NamedForeignKeyWidget,
    StrictManyToManyWidget,
    TextWidget,
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
    OpeningException,
    OpeningInterval,
    PartyMember,
    PartyOrganization,
    PasswordChangeDue,
    Position,
    ServiceCenter,
    ServiceType,
    StaffScope,
)
from .opening import WEEKDAYS
from .services import positions_follow_organization, roles_sync


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


# --- positions --------------------------------------------------------------------------------

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


# --- opening hours ----------------------------------------------------------------------------

DAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
RANGE = r"\s*[-–—~～至到]\s*"
CLOCK = r"\d{1,2}[:：]\d{2}"
GROUP = re.compile(
    rf"^(?P<days>[^\d]+?)\s*(?P<times>{CLOCK}{RANGE}{CLOCK}(?:\s*[、,，]\s*{CLOCK}{RANGE}{CLOCK})*)"
    rf"(?:\s*[（(]?\s*午休\s*(?P<lunch>{CLOCK}{RANGE}{CLOCK})\s*[)）]?)?$"
)
NO_HOURS = ("无", "不开放", "无固定开放时间")
WEEK_EXAMPLE = "例：周一至周五 09:00-18:00（午休12:00-14:00）；周六 09:00-12:00"

Week = tuple[tuple[int, time, time], ...]


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in re.split("[:：]", text))
    if hours == 24 and minutes == 0:
        return time(23, 59)
    if hours > 23 or minutes > 59:
        raise ValueError(f"时间“{text}”不正确。")
    return time(hours, minutes)


def _span(text: str) -> tuple[time, time]:
    opens, closes = (_clock(part) for part in re.split(RANGE, text.strip(), maxsplit=1))
    if closes <= opens:
        raise ValueError(f"“{text.strip()}”的结束时间必须晚于开始时间。")
    return opens, closes


def _days(text: str) -> list[int]:
    """“周一至周五”, “周一、三、五”, “周六日”, “每天” as weekdays 0–6."""
    text = text.replace("星期", "").replace("礼拜", "").replace("周", "").strip()
    if text in ("每天", "每日", "全周", "一至日", "一至七"):
        return list(range(7))
    days: list[int] = []
    for token in re.split(r"[、,，/\s]+", text):
        if not token:
            continue
        ends = re.split(r"[-–—~～至到]", token)
        if len(ends) == 2 and all(end in DAY_CHARS for end in ends):
            first, last = DAY_CHARS[ends[0]], DAY_CHARS[ends[1]]
            if last < first:
                raise ValueError(f"“{token}”的起止顺序不对，应从周一往周日写。")
            days += range(first, last + 1)
        elif all(char in DAY_CHARS for char in token):
            days += [DAY_CHARS[char] for char in token]
        else:
            raise ValueError(f"无法识别星期“{token}”。")
    return days


def parse_week(value) -> Week:
    """A centre's week from one cell; groups are separated by “；”. Raises ``ValueError``."""
    text = cell_text(value)
    if text in NO_HOURS:
        return ()
    if not text:
        raise ValueError(f"必填。没有固定开放时间请填“无”。{WEEK_EXAMPLE}")
    week: dict[int, list[tuple[time, time]]] = {}
    for group in (g.strip() for g in re.split(r"[；;\n]", text)):
        if not group:
            continue
        match = GROUP.match(group)
        if match is None:
            raise ValueError(f"无法识别“{group}”。{WEEK_EXAMPLE}")
        days = _days(match["days"])
        spans = [_span(part) for part in re.split(r"\s*[、,，]\s*(?=\d)", match["times"])]
        if match["lunch"]:
            if len(spans) != 1:
                raise ValueError(f"“{group}”：写了午休时只能写一段开放时间。")
            (opens, closes), (rest, back) = spans[0], _span(match["lunch"])
            if not opens < rest < back < closes:
                raise ValueError(f"“{group}”：午休必须在开放时间之内。")
            spans = [(opens, rest), (back, closes)]
        for weekday in days:
            if weekday in week:
                raise ValueError(f"{WEEKDAYS[weekday]}写了两次，每一天只能出现在一组里。")
            ordered = sorted(spans)
            for (_, a_closes), (b_opens, _) in zip(ordered, ordered[1:], strict=False):
                if b_opens < a_closes:
                    raise ValueError(f"“{group}”的时段互相重叠。")
            week[weekday] = ordered
    return tuple((weekday, opens, closes) for weekday in sorted(week) for opens, closes in week[weekday])


def _days_text(days: list[int]) -> str:
    runs: list[list[int]] = []
    for weekday in days:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}至{WEEKDAYS[run[-1]]}")
        else:
            parts += [WEEKDAYS[weekday] for weekday in run]
    return "、".join(parts)


def render_week(week: Week) -> str:
    """The cell ``parse_week`` reads back: days with the same hours are one group."""
    if not week:
        return "无"
    by_day: dict[int, tuple] = {}
    for weekday, opens, closes in week:
        by_day[weekday] = (*by_day.get(weekday, ()), (opens, closes))
    groups: dict[tuple, list[int]] = {}
    for weekday in sorted(by_day):
        groups.setdefault(by_day[weekday], []).append(weekday)
    texts = []
    for spans, days in groups.items():
        if len(spans) == 2:
            (opens, rest), (back, closes) = spans
            hours = f"{opens:%H:%M}-{closes:%H:%M}（午休{rest:%H:%M}-{back:%H:%M}）"
        else:
            hours = "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans)
        texts.append(f"{_days_text(days)} {hours}")
    return "；".join(texts)


def week_of(center) -> Week:
    return tuple(
        sorted((interval.weekday, interval.opens_at, interval.closes_at) for interval in center.opening_intervals.all())
    )


class WeekWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_week(value)

    def render(self, value, obj=None, **kwargs):
        return render_week(value or ())


class WeeklyHoursResource(ScopedResource):
    """A centre's regular week, one row per centre. Importing a row replaces the centre's whole
    week (all its weekly intervals, all or nothing); an unchanged week is skipped. Only existing
    centres are named: centres themselves are imported with ``ServiceCenterResource``."""

    street = street_field()
    name = text("name", "名称")
    week = fields.Field(attribute="new_week", column_name="每周开放时间（整周替换）", widget=WeekWidget())

    key_columns = ("街道", "名称")
    select_related = ("street",)
    prefetch_related = ("opening_intervals",)

    class Meta(ScopedResource.Meta):
        model = ServiceCenter
        name = "每周开放时间（导入即整周替换该中心原有时段）"
        fields = ("street", "name", "week")
        import_id_fields = ("street", "name")
        export_order = fields

    def dehydrate_week(self, center) -> str:
        new = getattr(center, "new_week", None)
        return render_week(week_of(center) if new is None else new)

    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        if new:
            raise ValidationError(
                {"名称": f"找不到服务中心“{cell_text(row.get('名称'))}”：开放时间只能导入给已有的中心，请核对名称。"}
            )
        return instance, new

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return instance.new_week == week_of(original)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Only the week is written: the centre itself is not checked or saved again.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        OpeningInterval.objects.filter(center=instance).delete()
        for weekday, opens, closes in instance.new_week:
            OpeningInterval.objects.create(center=instance, weekday=weekday, opens_at=opens, closes_at=closes)


class ClockWidget(widgets.Widget):
    """A time of day as 09:00 (an Excel time cell reads too)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, time):
            return value
        if hasattr(value, "time") and callable(value.time):
            return value.time()
        text = cell_text(value)
        if not text:
            return None
        if re.fullmatch(r"\d{1,2}[:：]\d{2}(:00)?", text):
            return _clock(text[:5] if text.count(":") == 2 else text)
        raise ValueError(f"时间“{text}”无法识别，请写成 09:00 的形式。")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:%H:%M}"


class OpeningExceptionResource(ScopedResource):
    """Dated exceptions to a centre's week: closed all day, or open at special hours (one row
    per interval). Rows are found by centre, date and opening time."""

    street = text("center__street__name", "街道", readonly=True)
    center = related("center", "服务中心", ServiceCenter, parents={"street__name": "街道"}, label="服务中心")
    date = day("date", "日期")
    is_closed = yes_no("is_closed", "全天闭馆")
    opens_at = fields.Field(attribute="opens_at", column_name="开门", widget=ClockWidget())
    closes_at = fields.Field(attribute="closes_at", column_name="关门", widget=ClockWidget())
    note = text("note", "说明")

    key_columns = ("街道", "服务中心", "日期", "开门")
    select_related = ("center__street",)

    class Meta(ScopedResource.Meta):
        model = OpeningException
        name = "特殊开放安排（闭馆或特殊时段）"
        fields = ("street", "center", "date", "is_closed", "opens_at", "closes_at", "note")
        import_id_fields = ("center", "date", "opens_at")
        export_order = fields

    def normalise_row(self, row) -> None:
        if is_blank(row.get("全天闭馆")):
            # Blank means “not closed”: a row with hours is a special opening.
            row["全天闭馆"] = "否"


# --- secretary logins -------------------------------------------------------------------------


def one_time_password() -> str:
    """12 characters a person can type from a printout: no 0/O or 1/l/I."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class SecretaryLoader(instance_loaders.ModelInstanceLoader):
    """The accounts the file names (by phone, the login name), read in one query."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        phones: set[str] = set()
        if dataset is not None and "手机" in (dataset.headers or []):
            phones = {cell_text(restore_formula(value)) for value in dataset["手机"]} - {""}
        self.instances = {scope.user.username: scope for scope in self.get_queryset().filter(user__username__in=phones)}
        resource.taken_logins = set(
            get_user_model()._default_manager.filter(username__in=phones).values_list("username", flat=True)
        )

    def get_instance(self, row):
        return self.instances.get(cell_text(row.get("手机")))


class SecretaryAccountResource(ScopedResource):
    """Community secretaries' logins: name, phone (the login name) and community. A new phone
    gets an account with the 社区书记 role, a one-time password (handed to the importing staff
    member once, never stored in clear) and must change it at first login. A phone already
    registered as a secretary of the street keeps its password; its name and communities are
    updated. The file holds phones: export is for street staff only."""

    name = fields.Field(attribute="account_name", column_name="姓名", widget=TextWidget())
    phone = fields.Field(attribute="account_phone", column_name="手机", widget=TextWidget())
    street = street_field()
    communities = fields.Field(
        attribute="communities",
        column_name="社区",
        widget=StrictManyToManyWidget(Community, parents={"street__name": "街道"}, label="社区"),
    )

    key_columns = ("手机",)
    select_related = ("user", "street")
    prefetch_related = ("communities",)
    taken_logins: set[str] = frozenset()

    class Meta(ScopedResource.Meta):
        model = StaffScope
        name = "社区书记账号（新账号发放一次性密码）"
        fields = ("name", "phone", "street", "communities")
        import_id_fields = ("phone",)
        export_order = fields
        instance_loader_class = SecretaryLoader

    def __init__(self, new_passwords: list | None = None, **kwargs):
        super().__init__(**kwargs)
        self.new_passwords = new_passwords if new_passwords is not None else []

    def get_queryset(self):
        return super().get_queryset().filter(whole_street=False)

    def dehydrate_name(self, scope) -> str:
        return getattr(scope, "account_name", None) or scope.user.first_name

    def dehydrate_phone(self, scope) -> str:
        return scope.user.username

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.new_passwords.clear()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        communities = {c.pk for c in self.fields["communities"].clean(row)}
        return (
            instance.account_name == original.user.first_name
            and instance.street_id == original.street_id
            and communities == {c.pk for c in original.communities.all()}
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        instance.account_name = getattr(instance, "account_name", "")
        if not instance.account_name:
            errors.setdefault("account_name", []).append(ValidationError("必填，不能为空。"))
        phone = instance.account_phone = getattr(instance, "account_phone", "")
        if not re.fullmatch(r"1\d{10}", phone or ""):
            errors.setdefault("account_phone", []).append(
                ValidationError("请填写 11 位手机号：它是登录名，也用于找回密码。")
            )
        elif instance.pk is None and phone in self.taken_logins:
            errors.setdefault("account_phone", []).append(
                ValidationError("这个手机号已是其他街道或街道工作人员的登录名，不能作为本街道的书记账号。")
            )
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:
            _, secretary_group = roles_sync()
            user = get_user_model()(username=instance.account_phone, first_name=instance.account_name, is_staff=True)
            password = one_time_password()
            user.set_password(password)
            user.save()
            user.groups.add(secretary_group)
            instance.user = user
            instance.whole_street = False
            if not kwargs.get("dry_run"):
                self.new_passwords.append((instance.account_name, instance.account_phone, password))
        elif instance.user.first_name != instance.account_name:
            instance.user.first_name = instance.account_name
            instance.user.save(update_fields=["first_name"])
        instance.save()
        if is_create:
            PasswordChangeDue.objects.create(user=instance.user)
