"""Activities and their sign-ups."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from organizations.models import Community, ServiceCenter, Street, manager_for
from organizations.scope import ScopedQuerySet

from .teams import Volunteer, VolunteerTeam

# --- Activities and sign-ups ------------------------------------------------------------------


class ServiceCategory(models.TextChoices):
    """What kind of help: an activity's kind and a 点单's category share it, so a resident who
    asked for 助老 finds the 助老 activities, and a centre answers an order with one of its kind."""

    ELDERLY = "elderly", "助老助残"
    REPAIR = "repair", "家电维修"
    HEALTH = "health", "义诊健康"
    LEGAL = "legal", "法律咨询"
    CHILDREN = "children", "青少年托管"
    ENVIRONMENT = "environment", "环境整治"
    CULTURE = "culture", "文体活动"
    OTHER = "other", "其他"


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
    Category = ServiceCategory

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
    category = models.CharField(
        "服务类别", max_length=12, choices=ServiceCategory.choices, default=ServiceCategory.OTHER,
        help_text="居民在活动列表里按类别筛选。",
    )  # fmt: skip
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
        """The waitlist in the order its places are given (``services.signups``)."""
        return self.filter(status=Signup.Status.WAITLISTED).order_by("created_at", "pk")

    def with_waitlist_position(self):
        """``waitlist_position``: 1 for the first on its activity's waitlist, in the order of
        ``waitlisted()``; None unless waitlisted. One correlated COUNT, however many rows."""
        ahead = (
            Signup.objects.filter(activity=models.OuterRef("activity"), status=Signup.Status.WAITLISTED)
            .filter(
                Q(created_at__lt=models.OuterRef("created_at"))
                | Q(created_at=models.OuterRef("created_at"), pk__lt=models.OuterRef("pk"))
            )
            .order_by()
            .values("activity")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        counted = models.functions.Coalesce(models.Subquery(ahead, output_field=models.IntegerField()), 0) + 1
        return self.annotate(
            waitlist_position=models.Case(
                models.When(status=Signup.Status.WAITLISTED, then=counted), output_field=models.IntegerField()
            )
        )


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
