"""Party-member volunteer service: teams, volunteers, activities and sign-ups, hours, the points
ledger and rewards, 双报到, responsibility posts and residents' 点单 (service orders).

Every hour and every point can be traced: a ``ServiceRecord`` says who served, when, and who
confirmed it; a ``PointsEntry`` says where each point came from. Writes go through
``volunteers.services``; the rules that must hold even for bulk writes and imports are database
constraints, each explaining itself in Chinese.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from organizations.models import Community, Grid, PartyMember, PartyOrganization, ServiceCenter, Street, manager_for
from organizations.scope import ScopedQuerySet
from organizations.validators import validate_id_number, validate_phone

HOURS_PLACES = Decimal("0.01")
# One record longer than a day is a typing error (a wrong date), never a shift.
MAX_RECORD_HOURS = 24


def hours_between(start, end) -> Decimal:
    """Hours from check-in to check-out, to the hundredth: the one place this is computed."""
    seconds = Decimal((end - start).total_seconds())
    return (seconds / 3600).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def mask_id_number(id_number: str) -> str:
    """440699********123X: enough to tell people apart on a certificate, not enough to misuse."""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str) -> str:
    """陈** for a volunteer who has not agreed to show their name publicly."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL, and nothing elsewhere (SQLite has no GiST index).

    Validation is the service's own check (``services.overlap_check``, which names the record
    in the way) on every database alike; the constraint is PostgreSQL's last guard against two
    writes racing past that check. ``validate`` therefore does nothing: Django's version would
    say the same thing a second time, in the wrong column, and cannot cope with a form that
    excludes the ``status`` its condition reads."""

    def _on_postgres(self, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        return None


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


# --- Activities and sign-ups ------------------------------------------------------------------


class ActivityQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(is_public=True, is_cancelled=False)

    def upcoming(self, now=None):
        return self.filter(ends_at__gt=now or timezone.now())

    def with_taken(self):
        """``taken``: places held (registered or attended), in one correlated COUNT."""
        held = (
            Signup.objects.filter(activity=models.OuterRef("pk"), status__in=Signup.HOLDS_PLACE)
            .order_by()
            .values("activity")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            taken=models.functions.Coalesce(models.Subquery(held, output_field=models.IntegerField()), 0)
        )


class Activity(models.Model):
    street = models.ForeignKey(Street, models.PROTECT, related_name="volunteer_activities", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_activities",
        verbose_name="所属社区",
        help_text="街道层面的活动可留空。",
    )
    title = models.CharField("活动名称", max_length=120)
    description = models.TextField("活动内容", blank=True)
    team = models.ForeignKey(
        VolunteerTeam, models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name="服务队"
    )
    center = models.ForeignKey(
        ServiceCenter,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_activities",
        verbose_name="党群服务中心",
    )
    place = models.CharField("地点", max_length=200, blank=True, help_text="不在服务中心举办时填写。")
    organiser = models.CharField(
        "组织单位", max_length=120, blank=True, help_text="写入志愿服务证明；留空则取服务队或服务中心名称。"
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额", validators=[MinValueValidator(1)])
    is_public = models.BooleanField("公开报名", default=True)
    is_cancelled = models.BooleanField("已取消", default=False)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    once_token = once_token_field()

    scope_path = "community"
    street_path = "street"

    objects = manager_for(ActivityQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "志愿服务活动"
        verbose_name_plural = "志愿服务活动"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="activity_ends_after_start",
                violation_error_message="结束时间必须晚于开始时间。",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="activity_capacity_positive",
                violation_error_message="名额至少为 1。",
            ),
            models.CheckConstraint(
                condition=Q(center__isnull=False) | ~Q(place=""),
                name="activity_has_center_or_place",
                violation_error_message="请选择党群服务中心或填写活动地点。",
            ),
        ]
        indexes = [
            # The public list (this week's public activities) and the admin's date hierarchy.
            models.Index(fields=["starts_at", "is_public"], name="activity_starts_public_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.starts_at).strftime("%Y-%m-%d") if self.starts_at else ""
        return f"{when} {self.title}".strip()

    @property
    def organiser_name(self) -> str:
        """Who organised it, as the certificate names it (selectors join team and centre)."""
        if self.organiser:
            return self.organiser
        if self.team_id:
            return self.team.name
        if self.center_id:
            return self.center.name
        return ""

    def clean(self) -> None:
        errors = {}
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            errors["community"] = "所属社区必须属于所选街道。"
        if self.team_id and self.street_id and self.team.street_id != self.street_id:
            errors["team"] = "服务队必须属于同一街道。"
        if self.center_id and self.street_id and self.center.street_id != self.street_id:
            errors["center"] = "服务中心必须属于同一街道。"
        if errors:
            raise ValidationError(errors)


class SignupQuerySet(ScopedQuerySet):
    def holding_place(self):
        return self.filter(status__in=Signup.HOLDS_PLACE)

    def waitlisted(self):
        return self.filter(status=Signup.Status.WAITLISTED).order_by("created_at", "pk")


class Signup(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "已报名"
        WAITLISTED = "waitlisted", "候补"
        CANCELLED = "cancelled", "已取消"
        ATTENDED = "attended", "已参加"
        NO_SHOW = "no_show", "未到"

    HOLDS_PLACE = (Status.REGISTERED, Status.ATTENDED)
    ACTIVE = (Status.REGISTERED, Status.WAITLISTED, Status.ATTENDED, Status.NO_SHOW)

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups", verbose_name="活动")
    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="signups", verbose_name="志愿者")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    created_at = models.DateTimeField("报名时间", default=timezone.now)
    promoted_at = models.DateTimeField("候补转正时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最近操作人",
    )

    scope_path = "activity__community"
    street_path = "activity__street"

    objects = manager_for(SignupQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["activity", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=~Q(status="cancelled"),
                name="signup_one_active_per_volunteer",
                violation_error_message="这名志愿者已报名这个活动。",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=False) | ~Q(status="cancelled"),
                name="signup_cancelled_has_time",
                violation_error_message="已取消的报名须记录取消时间。",
            ),
        ]
        indexes = [
            # Places held and the waitlist order of one activity.
            models.Index(fields=["activity", "status", "created_at"], name="signup_activity_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}（{self.get_status_display()}）"


# --- Hours ------------------------------------------------------------------------------------


class ServiceRecordQuerySet(ScopedQuerySet):
    def confirmed(self):
        return self.filter(status=ServiceRecord.Status.CONFIRMED)

    def pending(self):
        return self.filter(status=ServiceRecord.Status.PENDING)

    def awaiting_confirmation(self):
        """Pending and checked out: staff can confirm them now (an open check-in cannot be)."""
        return self.pending().filter(ended_at__isnull=False)

    def counting(self):
        """Records that occupy the volunteer's time (the overlap rule): all but rejected ones."""
        return self.exclude(status=ServiceRecord.Status.REJECTED)

    def in_period(self, start=None, end=None):
        queryset = self
        if start is not None:
            queryset = queryset.filter(started_at__gte=start)
        if end is not None:
            queryset = queryset.filter(started_at__lt=end)
        return queryset


class ServiceRecord(models.Model):
    """Hours one volunteer served, from a check-in/check-out, a staff entry or an imported file.
    Hours count (and earn points) only once confirmed, and who confirmed it when is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "已退回"

    class Source(models.TextChoices):
        CHECK_IN = "check_in", "签到签退"
        STAFF = "staff", "工作人员录入"
        IMPORT = "import", "文件导入"

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="service_records", verbose_name="志愿者")
    activity = models.ForeignKey(
        Activity, models.PROTECT, null=True, blank=True, related_name="service_records", verbose_name="活动"
    )
    description = models.CharField(
        "服务内容", max_length=200, blank=True, help_text="不属于某个活动时必填；属于活动时可补充说明。"
    )
    street = models.ForeignKey(Street, models.PROTECT, related_name="service_records", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name="所属社区",
        help_text="由系统填写：活动所属社区，不属于活动时为志愿者登记社区。",
    )
    started_at = models.DateTimeField("开始（签到）时间")
    ended_at = models.DateTimeField("结束（签退）时间", null=True, blank=True, help_text="签到后未签退时为空。")
    hours = models.DecimalField("时长（小时）", max_digits=5, decimal_places=2, default=Decimal(0), editable=False)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.STAFF)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    # Each confirmation is numbered: the points entry of a confirmation is unique per number, so
    # confirming twice writes one entry, and a confirmation after an un-confirmation a new one.
    confirmations = models.PositiveIntegerField("确认次数", default=0, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认/退回人",
    )
    reviewed_at = models.DateTimeField("确认/退回时间", null=True, blank=True)
    review_note = models.CharField("确认/退回说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    import_job = models.ForeignKey(
        "HoursImport", models.SET_NULL, null=True, blank=True, related_name="records", verbose_name="导入批次"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "street"

    objects = manager_for(ServiceRecordQuerySet)
    history = HistoricalRecords(excluded_fields=["confirmations"])

    class Meta:
        verbose_name = "服务时长记录"
        verbose_name_plural = "服务时长记录"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="servicerecord_ends_after_start",
                violation_error_message="结束时间必须晚于开始时间。",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=MAX_RECORD_HOURS),
                name="servicerecord_hours_0_to_24",
                violation_error_message=f"一条记录的时长应在 0–{MAX_RECORD_HOURS} 小时之间，请核对日期。",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False, ended_at__isnull=False),
                name="servicerecord_reviewed_has_who_when",
                violation_error_message="已确认或已退回的记录须有确认人、确认时间和结束时间。",
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=False) | ~Q(description=""),
                name="servicerecord_activity_or_description",
                violation_error_message="请选择活动或填写服务内容。",
            ),
            PostgresExclusionConstraint(
                name="servicerecord_no_overlap",
                expressions=[
                    ("volunteer", RangeOperators.EQUAL),
                    (TsTzRange("started_at", "ended_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status="rejected"),
                violation_error_message="同一名志愿者的服务时间不能重叠。",
            ),
        ]
        indexes = [
            # The overlap check, a volunteer's hours and certificate.
            models.Index(fields=["volunteer", "started_at"], name="servrec_volunteer_start_idx"),
            # The confirmation queue of a community.
            models.Index(fields=["community", "status"], name="servrec_community_status_idx"),
            # Key figure "confirmed hours this year" and the period exports.
            models.Index(fields=["street", "status", "started_at"], name="servrec_street_status_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.started_at).strftime("%Y-%m-%d %H:%M") if self.started_at else ""
        return f"{self.volunteer.name if self.volunteer_id else ''} {when} {self.hours}小时".strip()

    @property
    def content(self) -> str:
        """What the volunteer did, as the certificate says it."""
        if self.activity_id and self.description:
            return f"{self.activity.title}（{self.description}）"
        return self.activity.title if self.activity_id else self.description

    def fill_derived(self) -> None:
        """Hours from the times; the community and street the record is kept under."""
        self.hours = hours_between(self.started_at, self.ended_at) if self.started_at and self.ended_at else Decimal(0)
        if self.activity_id:
            self.street_id, self.community_id = self.activity.street_id, self.activity.community_id
        elif self.volunteer_id:
            self.community_id = self.volunteer.community_id
            self.street_id = self.volunteer.community.street_id

    def clean(self) -> None:
        if self.volunteer_id:
            self.fill_derived()
        if self.started_at and self.ended_at and self.ended_at > self.started_at:
            if self.ended_at - self.started_at > timedelta(hours=MAX_RECORD_HOURS):
                raise ValidationError({"ended_at": f"一条记录不能超过 {MAX_RECORD_HOURS} 小时，请核对日期。"})


# --- Points -----------------------------------------------------------------------------------


class PointsEntryQuerySet(ScopedQuerySet):
    def balance(self) -> int:
        return self.aggregate(total=models.Sum("points"))["total"] or 0


class PointsEntry(models.Model):
    """One line of a volunteer's points ledger. Append-only: a line is never changed or deleted,
    a mistake is undone by a reversing line. The ledger is therefore its own history, and it has
    no ``HistoricalRecords`` (a second copy of every line would say nothing more)."""

    class Kind(models.TextChoices):
        EARNED = "earned", "服务时长确认"
        REVERSAL = "reversal", "撤销确认冲正"
        REDEMPTION = "redemption", "兑换礼品"
        REFUND = "refund", "兑换取消退回"
        ADJUSTMENT = "adjustment", "人工调整"

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="points_entries", verbose_name="志愿者")
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    points = models.IntegerField("积分", help_text="正数为增加，负数为扣减。")
    service_record = models.ForeignKey(
        ServiceRecord, models.PROTECT, null=True, blank=True, related_name="points_entries", verbose_name="服务记录"
    )
    confirmation = models.PositiveIntegerField("第几次确认", null=True, blank=True)
    redemption = models.ForeignKey(
        "Redemption", models.PROTECT, null=True, blank=True, related_name="points_entries", verbose_name="兑换"
    )
    reverses = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name="冲正的条目"
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "volunteer__community"
    street_path = "volunteer__community__street"

    objects = manager_for(PointsEntryQuerySet)

    class Meta:
        verbose_name = "积分明细"
        verbose_name_plural = "积分明细"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0), name="pointsentry_not_zero", violation_error_message="积分变动不能为 0。"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="earned", points__gt=0, service_record__isnull=False, confirmation__isnull=False)
                    & Q(redemption__isnull=True, reverses__isnull=True)
                )
                | Q(kind="reversal", reverses__isnull=False, redemption__isnull=True)
                | Q(kind="redemption", points__lt=0, redemption__isnull=False, service_record__isnull=True)
                | Q(kind="refund", points__gt=0, redemption__isnull=False, service_record__isnull=True)
                | (
                    Q(kind="adjustment", service_record__isnull=True, redemption__isnull=True, reverses__isnull=True)
                    & ~Q(reason="")
                ),
                name="pointsentry_source_matches_kind",
                violation_error_message=(
                    "积分来源与类别不符：确认时长须关联服务记录，冲正须关联被冲正的条目，"
                    "兑换和退回须关联兑换记录，人工调整须填写原因。"
                ),
            ),
            models.UniqueConstraint(
                fields=["service_record", "confirmation"],
                condition=Q(kind="earned"),
                name="pointsentry_one_per_confirmation",
                violation_error_message="这次确认已记过积分。",
            ),
            models.UniqueConstraint(
                fields=["redemption"],
                condition=Q(kind="redemption"),
                name="pointsentry_one_per_redemption",
                violation_error_message="这次兑换已扣过积分。",
            ),
            models.UniqueConstraint(
                fields=["redemption"],
                condition=Q(kind="refund"),
                name="pointsentry_one_refund_per_redemption",
                violation_error_message="这次兑换已退回过积分。",
            ),
        ]
        indexes = [
            # A volunteer's balance (SUM) and ledger page.
            models.Index(fields=["volunteer", "created_at"], name="points_volunteer_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"


class RewardQuerySet(ScopedQuerySet):
    def available(self):
        return self.filter(is_active=True, stock__gt=0)


class Reward(models.Model):
    street = models.ForeignKey(Street, models.PROTECT, related_name="volunteer_rewards", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_rewards",
        verbose_name="兑换社区",
        help_text="只在某个社区兑换的礼品填写；全街道通兑的留空。",
    )
    name = models.CharField("礼品", max_length=80)
    description = models.CharField("说明", max_length=200, blank=True)
    points_cost = models.PositiveIntegerField("所需积分", validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField("库存")
    is_active = models.BooleanField("可兑换", default=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "street"

    objects = manager_for(RewardQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "积分礼品"
        verbose_name_plural = "积分礼品"
        ordering = ["points_cost", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="reward_stock_not_negative", violation_error_message="库存不能为负数。"
            ),
            models.CheckConstraint(
                condition=Q(points_cost__gte=1),
                name="reward_cost_positive",
                violation_error_message="所需积分至少为 1。",
            ),
            models.UniqueConstraint(
                fields=["street", "community", "name"],
                name="reward_unique_name",
                violation_error_message="已有同名礼品。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.points_cost}分）"


class RedemptionQuerySet(ScopedQuerySet):
    pass


class Redemption(models.Model):
    class Status(models.TextChoices):
        REDEEMED = "redeemed", "已兑换待领取"
        HANDED_OVER = "handed_over", "已领取"
        CANCELLED = "cancelled", "已取消（积分已退回）"

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="redemptions", verbose_name="志愿者")
    reward = models.ForeignKey(Reward, models.PROTECT, related_name="redemptions", verbose_name="礼品")
    points = models.PositiveIntegerField("扣减积分", help_text="兑换时的所需积分。")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REDEEMED)
    created_at = models.DateTimeField("兑换时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="经办人"
    )
    closed_at = models.DateTimeField("领取/取消时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="领取/取消经办人",
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "volunteer__community"
    street_path = "volunteer__community__street"

    objects = manager_for(RedemptionQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "礼品兑换"
        verbose_name_plural = "礼品兑换"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="redeemed") | Q(closed_at__isnull=False),
                name="redemption_closed_has_time",
                violation_error_message="已领取或已取消的兑换须记录时间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.name if self.volunteer_id else ''} 兑换 {self.reward.name if self.reward_id else ''}"


# --- 双报到 -----------------------------------------------------------------------------------


class CommunityCheckInQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)


class CommunityCheckIn(models.Model):
    """双报到: an in-service member reports to the community they live in. The thank-you letter
    (感谢函) to the employer sums the hours they served there."""

    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="check_ins", verbose_name="党员")
    community = models.ForeignKey(Community, models.PROTECT, related_name="check_ins", verbose_name="居住社区")
    employer = models.CharField("工作单位", max_length=120)
    employer_organization = models.ForeignKey(
        PartyOrganization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="checked_in_members",
        verbose_name="单位党组织",
    )
    registered_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True, help_text="迁出或不再报到时填写。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(CommunityCheckInQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "双报到"
        verbose_name_plural = "双报到"
        ordering = ["-registered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="communitycheckin_one_active_per_member",
                violation_error_message="这名党员已在一个社区报到，请先填写原报到的结束日期。",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("registered_on")),
                name="communitycheckin_ends_after_start",
                violation_error_message="结束日期不能早于报到日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"


# --- 责任岗位 ---------------------------------------------------------------------------------


class ResponsibilityPostQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(is_open=True)


class ResponsibilityPost(models.Model):
    """A post a community publishes for members without a post (无职党员) to claim: a building
    head, an environment supervisor, a grid zone …"""

    community = models.ForeignKey(Community, models.CASCADE, related_name="responsibility_posts", verbose_name="社区")
    grid = models.ForeignKey(
        Grid,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsibility_posts",
        verbose_name="责任网格",
    )
    title = models.CharField("岗位", max_length=80)
    duties = models.TextField("岗位职责", blank=True)
    claim_limit = models.PositiveSmallIntegerField(
        "认领人数上限",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="留空则按系统默认上限（VOLUNTEERS_POST_CLAIM_LIMIT）。",
    )
    is_open = models.BooleanField("开放认领", default=True)
    published_on = models.DateField("发布日期", default=timezone.localdate)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ResponsibilityPostQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党员责任岗位"
        verbose_name_plural = "党员责任岗位"
        ordering = ["community", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "title"],
                name="responsibilitypost_unique_title",
                violation_error_message="同一社区已有同名责任岗位。",
            ),
            models.CheckConstraint(
                condition=Q(claim_limit__isnull=True) | Q(claim_limit__gte=1),
                name="responsibilitypost_limit_positive",
                violation_error_message="认领人数上限至少为 1。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_limit(self) -> int:
        return self.claim_limit or settings.VOLUNTEERS_POST_CLAIM_LIMIT

    def clean(self) -> None:
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": "责任网格必须属于同一社区。"})


class PostClaimQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)


class PostClaim(models.Model):
    post = models.ForeignKey(ResponsibilityPost, models.CASCADE, related_name="claims", verbose_name="责任岗位")
    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="post_claims", verbose_name="认领党员")
    claimed_on = models.DateField("认领日期", default=timezone.localdate)
    ended_on = models.DateField("结束日期", null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "post__community"
    street_path = "post__community__street"

    objects = manager_for(PostClaimQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "岗位认领"
        verbose_name_plural = "岗位认领"
        ordering = ["-claimed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"],
                condition=Q(ended_on__isnull=True),
                name="postclaim_one_active_per_member",
                violation_error_message="这名党员已认领这个岗位。",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("claimed_on")),
                name="postclaim_ends_after_start",
                violation_error_message="结束日期不能早于认领日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} 认领 {self.post}"

    def clean(self) -> None:
        if self.member_id and self.member.status != PartyMember.Status.WITHOUT_POST:
            raise ValidationError({"member": "责任岗位由无职党员认领：这名党员的状态不是“无职”。"})


# --- 自助点单 ---------------------------------------------------------------------------------


def _tracking_code() -> str:
    return secrets.token_hex(6).upper()


class ServiceOrderQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=ServiceOrder.OPEN)

    def stale(self, now=None):
        from .rules import stale_order_q

        return self.filter(stale_order_q(now or timezone.now()))


class ServiceOrder(models.Model):
    """点单: a resident's request to a centre, answered by an activity or a team. Every step
    keeps who took it and when; an open order nobody touched for
    ``VOLUNTEERS_ORDER_STALE_DAYS`` days is flagged (``rules.py``)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        ACCEPTED = "accepted", "已受理"
        ANSWERED = "answered", "已派单"
        DONE = "done", "已办结"
        RATED = "rated", "已评价"
        DECLINED = "declined", "不予受理"

    class Category(models.TextChoices):
        ELDERLY = "elderly", "助老助残"
        REPAIR = "repair", "家电维修"
        HEALTH = "health", "义诊健康"
        LEGAL = "legal", "法律咨询"
        CHILDREN = "children", "青少年托管"
        ENVIRONMENT = "environment", "环境整治"
        CULTURE = "culture", "文体活动"
        OTHER = "other", "其他"

    OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.ANSWERED)
    # Fields a public page or an anonymous API must never show.
    PRIVATE_FIELDS = ("contact_name", "contact_phone", "address")

    center = models.ForeignKey(ServiceCenter, models.PROTECT, related_name="service_orders", verbose_name="服务中心")
    street = models.ForeignKey(Street, models.PROTECT, related_name="service_orders", verbose_name="街道")
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_orders",
        verbose_name="社区",
        help_text="由系统按服务中心填写。",
    )
    code = models.CharField("查询码", max_length=12, default=_tracking_code, editable=False)
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    need = models.TextField("需求内容")
    wanted_when = models.CharField("希望时间", max_length=60, blank=True, help_text="如“周末上午”“3月10日前”。")
    contact_name = models.CharField("联系人（隐私）", max_length=30)
    contact_phone = models.CharField("联系电话（隐私）", max_length=20, validators=[validate_phone])
    address = models.CharField("地址（隐私）", max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="提交账号"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="受理人"
    )
    answered_at = models.DateTimeField("派单时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="派单人"
    )
    answer_activity = models.ForeignKey(
        Activity, models.PROTECT, null=True, blank=True, related_name="orders", verbose_name="响应活动"
    )
    answer_team = models.ForeignKey(
        VolunteerTeam, models.PROTECT, null=True, blank=True, related_name="orders", verbose_name="响应服务队"
    )
    answer_note = models.CharField("答复", max_length=200, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="办结人"
    )
    rating = models.PositiveSmallIntegerField(
        "评分", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField("评价", max_length=300, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    declined_reason = models.CharField("不予受理原因", max_length=200, blank=True)
    last_action_at = models.DateTimeField("最近处理时间", default=timezone.now, editable=False)
    is_demo = models.BooleanField("演示数据", default=False)
    once_token = once_token_field()

    scope_path = "community"
    street_path = "street"

    objects = manager_for(ServiceOrderQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "自助点单"
        verbose_name_plural = "自助点单"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], name="serviceorder_unique_code", violation_error_message="查询码重复。"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "declined"])
                | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="serviceorder_accepted_has_who_when",
                violation_error_message="已受理的点单须记录受理人和受理时间。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "accepted", "declined"])
                | (
                    Q(answered_at__isnull=False, answered_by__isnull=False)
                    & (Q(answer_activity__isnull=False) | Q(answer_team__isnull=False))
                ),
                name="serviceorder_answered_has_answer",
                violation_error_message="已派单的点单须记录派单人、派单时间和响应的活动或服务队。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "accepted", "answered", "declined"])
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="serviceorder_done_has_who_when",
                violation_error_message="已办结的点单须记录办结人和办结时间。",
            ),
            models.CheckConstraint(
                condition=(Q(status="rated") & Q(rating__gte=1, rating__lte=5, rated_at__isnull=False))
                | (~Q(status="rated") & Q(rating__isnull=True)),
                name="serviceorder_rating_iff_rated",
                violation_error_message="评分为 1–5 分，只在评价后填写。",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | (~Q(declined_reason="") & Q(done_by__isnull=False)),
                name="serviceorder_declined_has_reason",
                violation_error_message="不予受理须填写原因和经办人。",
            ),
        ]
        indexes = [
            # The stale flag and the work queue: open orders by last action.
            models.Index(fields=["status", "last_action_at"], name="order_status_lastaction_idx"),
            # Key figure "orders answered" of a street.
            models.Index(fields=["street", "answered_at"], name="order_street_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.need[:20]}"

    def clean(self) -> None:
        if self.center_id:
            # Kept under the centre's community (a street-level centre's orders are the street's).
            self.street_id, self.community_id = self.center.street_id, self.center.community_id


# --- Import jobs ------------------------------------------------------------------------------


class HoursImportQuerySet(ScopedQuerySet):
    pass


class HoursImport(models.Model):
    """One hours file imported in the background. Progress is written as the file is read, so
    the admin shows how far it got; the file is all-or-nothing (``services.hours_import_run``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        CHECKING = "checking", "校验中"
        WRITING = "writing", "写入中"
        DONE = "done", "已完成"
        FAILED = "failed", "未导入（有错误）"

    street = models.ForeignKey(Street, models.PROTECT, related_name="hours_imports", verbose_name="街道")
    file = models.FileField("文件", upload_to="volunteers/imports/")
    file_name = models.CharField("文件名", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField("已读行数", default=0)
    checked_rows = models.PositiveIntegerField("已校验行数", default=0)
    written_rows = models.PositiveIntegerField("已写入行数", default=0)
    error_count = models.PositiveIntegerField("错误行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="导入人")
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Each run that claims the job numbers itself and writes its progress only while the number
    # is still its own: a worker that died (its job silent past the stale limit) is replaced by
    # the retried task, and a replaced worker that wakes up stops at its next chunk.
    attempt = models.PositiveIntegerField("运行次数", default=0, editable=False)
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True, editable=False)

    # Street-level: only street staff import files.
    scope_path = "street__communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(HoursImportQuerySet)
    history = HistoricalRecords(excluded_fields=["checked_rows", "written_rows", "total_rows", "heartbeat_at"])

    class Meta:
        verbose_name = "时长导入批次"
        verbose_name_plural = "时长导入批次"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class HoursImportRow(models.Model):
    """A checked row of a file being imported, kept until the whole file has passed. Staging
    rows let the file be checked against itself in SQL (overlaps between its own rows) while
    memory stays flat, and are deleted when the import ends either way. Never shown anywhere."""

    job = models.ForeignKey(HoursImport, models.CASCADE, related_name="rows", verbose_name="导入批次")
    line = models.PositiveIntegerField("行号")
    volunteer = models.ForeignKey(Volunteer, models.CASCADE, related_name="+", verbose_name="志愿者")
    activity = models.ForeignKey(Activity, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="活动")
    description = models.CharField("服务内容", max_length=200, blank=True)
    street = models.ForeignKey(Street, models.CASCADE, related_name="+", verbose_name="街道")
    community = models.ForeignKey(
        Community, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="社区"
    )
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    hours = models.DecimalField("时长", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "导入暂存行"
        verbose_name_plural = "导入暂存行"
        indexes = [
            # The file's self-overlap check: one volunteer's rows of one job by start.
            models.Index(fields=["job", "volunteer", "started_at"], name="importrow_job_vol_start_idx"),
        ]

    def __str__(self) -> str:
        return f"第{self.line}行"
