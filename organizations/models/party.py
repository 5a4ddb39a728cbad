"""Party organisations placed in the geography, their members and positions (一肩挑 included)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ..scope import ScopedQuerySet
from ..validators import validate_id_number, validate_phone
from .base import manager_for
from .geography import Community, EconomicSociety, Grid, Street


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
