"""自助点单: residents' service orders to a centre."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from organizations.models import Community, ServiceCenter, Street, manager_for
from organizations.scope import ScopedQuerySet
from organizations.validators import validate_phone

from .activities import Activity, ServiceCategory
from .teams import VolunteerTeam

# --- 自助点单 ---------------------------------------------------------------------------------


def _tracking_code() -> str:
    return secrets.token_hex(6).upper()


class ServiceOrderQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=ServiceOrder.OPEN)

    def stale(self, now=None):
        from ..rules import stale_order_q

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

    Category = ServiceCategory

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
