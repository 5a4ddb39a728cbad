"""The points ledger: points earned and reversed, adjustments, rewards and redemptions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from organizations.scope import acts_on_whole_street

from ..models import PointsEntry, Redemption, Reward, ServiceRecord, Volunteer
from ._common import _in_scope, _lock_volunteer, _save


def points_for(hours: Decimal) -> int:
    per_hour = Decimal(settings.VOLUNTEERS_POINTS_PER_HOUR)
    return int((Decimal(hours) * per_hour).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _earning_entry(record: ServiceRecord, user) -> PointsEntry | None:
    points = points_for(record.hours)
    if points <= 0:
        return None
    entry = PointsEntry(
        volunteer_id=record.volunteer_id,
        kind=PointsEntry.Kind.EARNED,
        points=points,
        service_record=record,
        confirmation=record.confirmations,
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return entry


def _reverse_earning(record: ServiceRecord, volunteer: Volunteer, user, reason: str) -> PointsEntry | None:
    earning = PointsEntry.objects.filter(
        service_record=record, kind=PointsEntry.Kind.EARNED, confirmation=record.confirmations
    ).first()
    if earning is None or PointsEntry.objects.filter(reverses=earning).exists():
        return None
    balance = PointsEntry.objects.filter(volunteer=volunteer).balance()
    if balance - earning.points < 0:
        raise ValidationError(
            f"撤销后积分余额将为负数（现有 {balance} 分，这条记录记了 {earning.points} 分，"
            "积分可能已用于兑换）：请先取消相应兑换，或由街道工作人员做积分调整。"
        )
    reversal = PointsEntry(
        volunteer=volunteer,
        kind=PointsEntry.Kind.REVERSAL,
        points=-earning.points,
        reverses=earning,
        reason=reason,
        created_by=user,
    )
    reversal.full_clean()
    reversal.save()
    return reversal


# --- Points and rewards -----------------------------------------------------------------------


@transaction.atomic
def points_adjust(*, volunteer: Volunteer, points: int, reason: str, user) -> PointsEntry:
    """A correction by street staff, with its reason; the balance may not fall below zero."""
    if not acts_on_whole_street(user):
        raise PermissionDenied("积分调整由街道工作人员办理。")
    volunteer = _lock_volunteer(volunteer, user)
    if PointsEntry.objects.filter(volunteer=volunteer).balance() + points < 0:
        raise ValidationError({"points": "调整后积分余额不能为负数。"})
    entry = PointsEntry(
        volunteer=volunteer, kind=PointsEntry.Kind.ADJUSTMENT, points=points, reason=reason.strip(), created_by=user
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def reward_redeem(*, volunteer: Volunteer, reward: Reward, user) -> Redemption:
    """Exchange points for a gift: enough points and a gift in stock, or nothing happens."""
    volunteer = _lock_volunteer(volunteer, user)
    reward = Reward.objects.get(pk=reward.pk)
    if reward.street_id != volunteer.community.street_id or reward.community_id not in (None, volunteer.community_id):
        raise ValidationError("这名志愿者不能兑换这份礼品（不在兑换范围内）。")
    balance = PointsEntry.objects.filter(volunteer=volunteer).balance()
    if balance < reward.points_cost:
        raise ValidationError(f"积分不足：需要 {reward.points_cost} 分，现有 {balance} 分。")
    # The conditional UPDATE is the stock's lock: of two requests for the last gift, one
    # updates a row and the other none.
    if not Reward.objects.filter(pk=reward.pk, is_active=True, stock__gte=1).update(stock=F("stock") - 1):
        raise ValidationError("这份礼品已兑完或暂停兑换。")
    redemption = _save(Redemption(volunteer=volunteer, reward=reward, points=reward.points_cost, created_by=user), user)
    entry = PointsEntry(
        volunteer=volunteer,
        kind=PointsEntry.Kind.REDEMPTION,
        points=-reward.points_cost,
        redemption=redemption,
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return redemption


def _close_redemption(redemption: Redemption, user, status: str) -> Redemption:
    redemption = _in_scope(Redemption, redemption.pk, user, "这条兑换不在你的工作范围内。")
    if redemption.status == status:
        return redemption
    if redemption.status != Redemption.Status.REDEEMED:
        raise ValidationError("这条兑换已领取或已取消。")
    redemption.status, redemption.closed_at, redemption.closed_by = status, timezone.now(), user
    return _save(redemption, user)


@transaction.atomic
def redemption_hand_over(*, redemption: Redemption, user) -> Redemption:
    return _close_redemption(redemption, user, Redemption.Status.HANDED_OVER)


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, user) -> Redemption:
    """Cancel before the gift is handed over: the points come back and the gift to stock."""
    _lock_volunteer(redemption.volunteer, user)
    was = Redemption.objects.get(pk=redemption.pk).status
    redemption = _close_redemption(redemption, user, Redemption.Status.CANCELLED)
    if was == Redemption.Status.CANCELLED:
        return redemption
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    entry = PointsEntry(
        volunteer_id=redemption.volunteer_id,
        kind=PointsEntry.Kind.REFUND,
        points=redemption.points,
        redemption=redemption,
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return redemption
