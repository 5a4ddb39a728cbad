"""The points ledger, rewards and redemptions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Community, Street, manager_for
from organizations.scope import ScopedQuerySet

from .hours import ServiceRecord
from .teams import Volunteer

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
