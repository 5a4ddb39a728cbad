"""Volunteer teams and volunteers, and how a volunteer's name and ID number are shown."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Community, Grid, PartyMember, PartyOrganization, ServiceCenter, Street, manager_for
from organizations.scope import ScopedQuerySet
from organizations.validators import validate_id_number, validate_phone


def mask_id_number(id_number: str) -> str:
    """440699********123X: enough to tell people apart on a certificate, not enough to misuse."""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str) -> str:
    """陈** for a volunteer who has not agreed to show their name publicly."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


# --- Teams and volunteers ---------------------------------------------------------------------


class VolunteerTeamQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(is_public=True)

    def active(self):
        return self.filter(dissolved_on__isnull=True)


class VolunteerTeam(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", "社区党员志愿服务队"
        # 30 of them in Guicheng (seed 000): teams of the CBD office buildings.
        BUILDING = "building", "商务楼宇志愿服务队"
        COMPOUND = "compound", "小区志愿服务队"
        RURAL = "rural", "农村（经济社）志愿服务队"
        ENTERPRISE = "enterprise", "两新组织志愿服务队"
        STREET = "street", "街道志愿服务队"

    street = models.ForeignKey(Street, models.PROTECT, related_name="volunteer_teams", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name="所属社区",
        help_text="街道层面的服务队可留空（只有街道工作人员可见）。",
    )
    name = models.CharField("名称", max_length=80)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    building = models.ForeignKey(
        Grid,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name="所在楼宇/小区网格",
        help_text="商务楼宇、小区服务队填写所在的二级网格。",
    )
    center = models.ForeignKey(
        ServiceCenter,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name="依托的党群服务中心",
    )
    organization = models.ForeignKey(
        PartyOrganization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name="发起党组织",
    )
    leader = models.ForeignKey(
        "Volunteer", models.SET_NULL, null=True, blank=True, related_name="led_teams", verbose_name="队长"
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    dissolved_on = models.DateField("解散日期", null=True, blank=True, help_text="留空表示仍在活动。")
    description = models.TextField("服务内容", blank=True)
    is_public = models.BooleanField("公开", default=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "street"

    objects = manager_for(VolunteerTeamQuerySet, "street__name", "name")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="volunteerteam_unique_name_in_street",
                violation_error_message="同一街道下已有同名志愿服务队。",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=F("founded_on")),
                name="volunteerteam_dissolved_after_founded",
                violation_error_message="解散日期不能早于成立日期。",
            ),
        ]
        indexes = [
            # Key figure "teams" and the public list: one street's teams by kind.
            models.Index(fields=["street", "kind"], name="volteam_street_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.street.name, self.name)

    def clean(self) -> None:
        errors = {}
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            errors["community"] = "所属社区必须属于所选街道。"
        if self.building_id and self.building.community_id != self.community_id:
            errors["building"] = "楼宇/小区网格必须属于所属社区。"
        if errors:
            raise ValidationError(errors)


class VolunteerQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def members(self):
        return self.filter(kind=Volunteer.Kind.PARTY_MEMBER)


class Volunteer(models.Model):
    """A registered volunteer: a party member or a resident (群众). Identity details are private;
    the name appears on public pages only with the volunteer's consent."""

    class Kind(models.TextChoices):
        PARTY_MEMBER = "member", "党员"
        RESIDENT = "resident", "群众"

    # Fields a public page or an anonymous API must never show.
    PRIVATE_FIELDS = ("phone", "id_number")

    community = models.ForeignKey(
        Community, models.PROTECT, related_name="volunteers", verbose_name="登记社区", help_text="在哪个社区登记注册。"
    )
    number = models.CharField(
        "志愿者编号", max_length=20, help_text="全市唯一；留空则由系统按“GC”加八位数字编号。", blank=True
    )
    name = models.CharField("姓名", max_length=30)
    kind = models.CharField("身份", max_length=10, choices=Kind.choices, default=Kind.RESIDENT)
    member = models.ForeignKey(
        PartyMember,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_records",
        verbose_name="对应党员",
        help_text="党员志愿者关联党员档案（双报到的服务时长由此汇总）。",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name="登录账号",
        help_text="志愿者在门户上报名、查看时长积分所用的账号。",
    )
    teams = models.ManyToManyField(VolunteerTeam, blank=True, related_name="volunteers", verbose_name="所在服务队")
    phone = models.CharField("手机（隐私）", max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField("身份证号（隐私）", max_length=18, blank=True, validators=[validate_id_number])
    show_name_publicly = models.BooleanField(
        "同意公开姓名", default=False, help_text="未同意时，公开页面只显示姓氏（如“陈**”）。"
    )
    registered_on = models.DateField("注册日期", default=timezone.localdate)
    is_active = models.BooleanField("在册", default=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(VolunteerQuerySet, "number")
    history = HistoricalRecords(m2m_fields=[teams])

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], name="volunteer_unique_number", violation_error_message="这个志愿者编号已被使用。"
            ),
            models.CheckConstraint(
                condition=~Q(number=""),
                name="volunteer_number_not_blank",
                violation_error_message="志愿者编号不能为空。",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(member__isnull=False),
                name="volunteer_one_per_member",
                violation_error_message="这名党员已登记为志愿者。",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(kind="member"),
                name="volunteer_member_iff_party_member",
                violation_error_message="关联了党员档案的志愿者身份须为“党员”。",
            ),
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="volunteer_unique_id_number",
                violation_error_message="这个身份证号已登记在另一名志愿者名下。",
            ),
        ]
        indexes = [
            # Key figure "volunteers" and the community lists.
            models.Index(fields=["community", "kind"], name="volunteer_community_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）" if self.number else self.name

    def natural_key(self):
        return (self.number,)

    @property
    def public_name(self) -> str:
        return self.name if self.show_name_publicly else mask_name(self.name)

    def clean(self) -> None:
        if self.id_number:
            self.id_number = self.id_number.upper()
        self.number = self.number.strip().upper()
