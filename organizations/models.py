"""The geography of a street, its party organisations, members, positions and service centres."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from pypinyin import Style, lazy_pinyin
from simple_history.models import HistoricalRecords

from .scope import ScopedQuerySet
from .validators import validate_id_number, validate_phone


def pinyin_of(text: str) -> str:
    """“桂花社区” → “guihuashequ”: full pinyin for search, letters and digits kept as typed."""
    return "".join(lazy_pinyin(text)).lower()


def initials_of(text: str) -> str:
    """“桂花社区” → “ghsq”: the initials people type into a search box."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


class PinyinMixin(models.Model):
    """Pinyin beside the name, so “ghsq” or “guihua” finds 桂花社区 in every search box.
    Filled on save(); bulk paths call ``fill_pinyin()`` themselves."""

    pinyin = models.CharField("拼音", max_length=255, blank=True, editable=False)
    initials = models.CharField("拼音首字母", max_length=60, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fill_pinyin()
        super().save(*args, **kwargs)

    def fill_pinyin(self) -> None:
        self.pinyin = pinyin_of(self.name)
        self.initials = initials_of(self.name)


class NaturalKeyManager(models.Manager):
    """Looks records up by the names a person would use (see each model's ``natural_key``)."""

    natural_fields: tuple[str, ...] = ()

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.natural_fields, key, strict=True)))


def manager_for(queryset_class, *fields):
    return type(
        f"{queryset_class.__name__}Manager",
        (NaturalKeyManager.from_queryset(queryset_class),),
        {"natural_fields": fields},
    )()


# --- Geography --------------------------------------------------------------------------------


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


# --- Party organisations ----------------------------------------------------------------------


class PartyOrganizationQuerySet(ScopedQuerySet):
    def joint(self):
        return self.filter(kind=PartyOrganization.Kind.JOINT)


class PartyOrganization(models.Model):
    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", "党工委"
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        JOINT = "joint", "联合党委"
        GROUP = "group", "党小组"

    class Field(models.TextChoices):
        COMMUNITY = "community", "社区"
        RURAL = "rural", "农村"
        COMPOUND = "compound", "小区"
        BUILDING = "building", "楼宇"
        PARK = "park", "园区"
        ENTERPRISE = "enterprise", "两新企业"
        SOCIAL = "social", "社会组织"
        ORGAN = "organ", "机关"
        SCHOOL = "school", "学校"
        STATE_ASSETS = "state_assets", "公资"
        INDUSTRY_CHAIN = "industry_chain", "产业链"

    street = models.ForeignKey(Street, models.PROTECT, related_name="party_organizations", verbose_name="所属街道")
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    field = models.CharField("领域", max_length=20, choices=Field.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级党组织"
    )
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="party_organizations",
        verbose_name="所在社区",
        help_text="留空表示街道层面的党组织（如党工委、跨社区的联合党委）。",
    )
    grid = models.ForeignKey(
        Grid, models.SET_NULL, null=True, blank=True, related_name="party_organizations", verbose_name="所在网格"
    )
    economic_society = models.ForeignKey(
        EconomicSociety,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_organizations",
        verbose_name="所在经济社",
    )
    spanned_communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="joint_organizations",
        verbose_name="联合覆盖的社区",
        help_text="仅联合党委：它统筹的社区（如千灯湖联合党委覆盖灯湖、中汇、同成、同德）。",
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    notes = models.TextField("简介", blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "street"

    objects = manager_for(PartyOrganizationQuerySet, "street__name", "name")
    history = HistoricalRecords(m2m_fields=[spanned_communities])

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="partyorganization_unique_name_in_street",
                violation_error_message="同一街道下已有同名党组织。",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="partyorganization_not_own_parent",
                violation_error_message="上级党组织不能是它自己。",
            ),
            models.CheckConstraint(
                # Only the working committee stands at the top of a street's tree; a joint
                # committee may hang directly under it or stand alone for an industry chain.
                condition=Q(parent__isnull=False) | Q(kind__in=["working_committee", "joint", "committee"]),
                name="partyorganization_root_kinds",
                violation_error_message="只有党工委、党委和联合党委可以不填上级党组织；党总支、党支部、党小组必须填写上级党组织。",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "kind"], name="partyorg_community_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.street.name, self.name)

    def clean(self) -> None:
        errors = {}
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            errors["grid"] = "所在网格必须属于所在社区。"
        if self.grid_id and not self.community_id:
            errors["community"] = "选择了网格时必须填写所在社区。"
        if self.economic_society_id and self.economic_society.community_id != self.community_id:
            errors["economic_society"] = "所在经济社必须属于所在社区。"
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            errors["community"] = "所在社区必须属于所属街道。"
        if self.parent_id:
            ancestor, seen = self.parent, set()
            while ancestor is not None and ancestor.pk not in seen:
                if self.pk and ancestor.pk == self.pk:
                    errors["parent"] = "上级党组织不能是它自己或它的下级。"
                    break
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
        if errors:
            raise ValidationError(errors)


class PartyMember(models.Model):
    class Status(models.TextChoices):
        EMPLOYED = "employed", "在职"
        WITHOUT_POST = "without_post", "无职"  # no job or post: the members who claim 责任岗位
        RETIRED = "retired", "离退休"
        MOBILE = "mobile", "流动"  # working away from where their membership is kept

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    # Fields a public page or an anonymous API must never show.
    PRIVATE_FIELDS = ("phone", "id_number", "address", "birth_date")

    name = models.CharField("姓名", max_length=30)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.EMPLOYED)
    organization = models.ForeignKey(
        PartyOrganization, models.PROTECT, related_name="members", verbose_name="所在党组织"
    )
    residence_community = models.ForeignKey(
        Community,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_members",
        verbose_name="居住社区",
        help_text="“双报到”时向居住地社区报到。",
    )
    joined_on = models.DateField("入党日期", null=True, blank=True)
    phone = models.CharField("手机（隐私）", max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField("身份证号（隐私）", max_length=18, blank=True, validators=[validate_id_number])
    address = models.CharField("住址（隐私）", max_length=200, blank=True)
    birth_date = models.DateField("出生日期（隐私）", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "organization__community"
    street_path = "organization__street"

    objects = manager_for(ScopedQuerySet, "id_number")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        # By name only: ordering by the organisation would join and sort two more tables on
        # every member list (350,000 rows at city scale).
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="partymember_unique_id_number",
                violation_error_message="这个身份证号已登记在另一名党员名下。",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="partymember_org_status_idx"),
            # The admin changelist's default ordering.
            models.Index(fields=["name", "id"], name="partymember_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.id_number,)

    def clean(self) -> None:
        if self.id_number:
            self.id_number = self.id_number.upper()


class PositionQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class Position(models.Model):
    """A post held by a member: in a party organisation (书记, 副书记, 委员) or in a community's
    own bodies (居委会主任, 经济社社长). “一肩挑” is derived from current positions, not typed."""

    class Role(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY_SECRETARY = "deputy_secretary", "副书记"
        COMMITTEE_MEMBER = "committee_member", "委员"
        DIRECTOR = "director", "居（村）委会主任"
        SOCIETY_HEAD = "society_head", "经济社社长"

    PARTY_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER)

    person = models.ForeignKey(PartyMember, models.CASCADE, related_name="positions", verbose_name="任职人")
    role = models.CharField("职务", max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        PartyOrganization,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name="党组织",
        help_text="党内职务（书记、副书记、委员）填写。",
    )
    community = models.ForeignKey(
        Community,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name="社区",
        help_text="居（村）委会主任填写；党内职务自动取党组织所在社区。",
    )
    economic_society = models.ForeignKey(
        EconomicSociety,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name="经济社",
        help_text="经济社社长填写。",
    )
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True, help_text="留空表示现任。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "person__organization__street"

    objects = manager_for(PositionQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="position_ends_after_start",
                violation_error_message="离任日期不能早于任职日期。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=["secretary", "deputy_secretary", "committee_member"], organization__isnull=False)
                    | Q(role="director", community__isnull=False, organization__isnull=True)
                    | Q(role="society_head", economic_society__isnull=False, organization__isnull=True)
                ),
                name="position_role_has_its_body",
                violation_error_message="书记、副书记、委员须填写党组织；居（村）委会主任须填写社区且不填党组织；经济社社长须填写经济社且不填党组织。",
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(role="secretary", ended_on__isnull=True),
                name="position_one_current_secretary",
                violation_error_message="这个党组织已有一名现任书记，请先填写前任的离任日期。",
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(role="director", ended_on__isnull=True),
                name="position_one_current_director",
                violation_error_message="这个社区已有一名现任居（村）委会主任，请先填写前任的离任日期。",
            ),
            models.UniqueConstraint(
                fields=["economic_society"],
                condition=Q(role="society_head", ended_on__isnull=True),
                name="position_one_current_society_head",
                violation_error_message="这个经济社已有一名现任社长，请先填写前任的离任日期。",
            ),
        ]
        indexes = [
            # 一肩挑 (selectors._one_shoulder_exists) and a community's current office holders.
            models.Index(
                fields=["community", "role"], condition=Q(ended_on__isnull=True), name="position_current_role_idx"
            ),
        ]

    def __str__(self) -> str:
        body = self.organization or self.economic_society or self.community
        return f"{body} {self.get_role_display()}：{self.person}"

    def save(self, *args, **kwargs):
        self.fill_community()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.fill_community()

    def fill_community(self) -> None:
        """Keep the community path filled, so the scope reaches every position."""
        if self.organization_id:
            self.community_id = self.organization.community_id
        elif self.economic_society_id:
            self.community_id = self.economic_society.community_id


# --- Service centres (the “1+45+N” system) ----------------------------------------------------


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


# --- Joint work: 党群联席会议, 共建协议, 三项清单 -----------------------------------------


class JointMeeting(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="joint_meetings", verbose_name="社区")
    held_on = models.DateField("召开日期")
    title = models.CharField("议题", max_length=120)
    participant_organizations = models.ManyToManyField(
        PartyOrganization, blank=True, related_name="joint_meetings", verbose_name="参会党组织"
    )
    enterprise_count = models.PositiveIntegerField("参会属地企业党组织数", default=0)
    representative_count = models.PositiveIntegerField("参会“两新”及群团代表数", default=0)
    minutes = models.TextField("会议纪要", blank=True)
    decisions = models.TextField("议定事项", blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords(m2m_fields=[participant_organizations])

    class Meta:
        verbose_name = "党群联席会议"
        verbose_name_plural = "党群联席会议"
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "held_on", "title"],
                name="jointmeeting_unique_per_day",
                violation_error_message="同一社区同一天已有同一议题的联席会议。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class CoBuildingAgreement(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="co_building_agreements", verbose_name="社区")
    partner_name = models.CharField("共建单位", max_length=120)
    partner_organization = models.ForeignKey(
        PartyOrganization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="co_building_agreements",
        verbose_name="共建党组织",
    )
    signed_on = models.DateField("签订日期")
    ends_on = models.DateField("到期日期", null=True, blank=True)
    content = models.TextField("共建内容")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "共建协议"
        verbose_name_plural = "共建协议"
        ordering = ["-signed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("signed_on")),
                name="cobuildingagreement_ends_after_signing",
                violation_error_message="到期日期不能早于签订日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} × {self.partner_name}"


class Resource(models.Model):
    """资源清单: what a co-building unit offers the community (a venue, volunteers, funds…)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="resources", verbose_name="社区")
    provider = models.CharField("提供单位", max_length=120)
    title = models.CharField("资源", max_length=120)
    description = models.TextField("说明", blank=True)
    listed_on = models.DateField("登记日期")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "资源清单"
        verbose_name_plural = "资源清单"
        ordering = ["-listed_on"]

    def __str__(self) -> str:
        return f"{self.provider}：{self.title}"


class Need(models.Model):
    """需求清单: what residents need, matched to a listed resource when one fits."""

    class Status(models.TextChoices):
        OPEN = "open", "待对接"
        MATCHED = "matched", "已对接"
        DONE = "done", "已办结"

    community = models.ForeignKey(Community, models.CASCADE, related_name="needs", verbose_name="社区")
    title = models.CharField("需求", max_length=120)
    description = models.TextField("说明", blank=True)
    raised_on = models.DateField("提出日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    matched_resource = models.ForeignKey(
        Resource, models.SET_NULL, null=True, blank=True, related_name="needs", verbose_name="对接资源"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        ordering = ["-raised_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(matched_resource__isnull=False),
                name="need_matched_has_resource",
                violation_error_message="已对接或已办结的需求须选择对接资源。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.matched_resource_id and self.matched_resource.community_id != self.community_id:
            raise ValidationError({"matched_resource": "对接资源必须来自同一社区的资源清单。"})


# --- Staff scopes -----------------------------------------------------------------------------


class StaffScope(models.Model):
    """Which part of a street a staff user acts on: all of it (street staff), or the listed
    communities of it (a community secretary). Every scope names its street, so street staff
    see their secretaries' scopes too."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff_scope", verbose_name="用户"
    )
    street = models.ForeignKey(Street, models.CASCADE, related_name="staff_scopes", verbose_name="街道")
    whole_street = models.BooleanField(
        "整个街道", default=False, help_text="街道工作人员勾选；社区书记不勾选，并在下面选择所管社区。"
    )
    communities = models.ManyToManyField(Community, blank=True, related_name="staff_scopes", verbose_name="社区")

    scope_path = "communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords(m2m_fields=[communities])

    class Meta:
        verbose_name = "工作范围"
        verbose_name_plural = "工作范围"

    def __str__(self) -> str:
        return f"{self.user} 的工作范围"
