"""Points and rewards: the street's rewards, the points confirmed hours earn (entered as the
service that confirms them would), and redemptions handed over."""

from __future__ import annotations

from collections import Counter

from django.db.models import Sum
from simple_history.utils import bulk_create_with_history

from organizations.models import Street

from ..models import PointsEntry, Redemption, Reward, ServiceRecord
from ..services import points_for
from .base import AS_OF, CHANGE_REASON, _moment

REWARDS = (
    ("环保购物袋", 30, 200),
    ("大米（5公斤）", 80, 120),
    ("食用油", 100, 100),
    ("理发服务券", 50, 150),
    ("电影票", 120, 60),
)


def _rewards(street: Street, created: Counter) -> list[Reward]:
    rows = []
    for name, cost, stock in REWARDS:
        reward = Reward.objects.filter(street=street, community=None, name=name).first()
        if reward is None:
            reward = Reward(street=street, name=name, points_cost=cost, stock=stock, is_demo=True)
            reward.full_clean()
            reward.save()
            created[Reward] += 1
        rows.append(reward)
    return rows


def _records_with_points(records: list[ServiceRecord], created: Counter) -> None:
    """Confirmed demo records were confirmed by the system user "演示数据" (no login): the check
    constraint wants a reviewer, so the first superuser stands in, or the records stay pending."""
    from django.contrib.auth import get_user_model

    reviewer = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    for record in records:
        if record.status == ServiceRecord.Status.CONFIRMED:
            if reviewer is None:
                record.status, record.confirmations, record.reviewed_at = ServiceRecord.Status.PENDING, 0, None
            else:
                record.reviewed_by = reviewer
    bulk_create_with_history(records, ServiceRecord, default_change_reason=CHANGE_REASON)
    created[ServiceRecord] += len(records)
    confirmed = ServiceRecord.objects.filter(
        pk__in=[r.pk for r in records if r.pk], status=ServiceRecord.Status.CONFIRMED
    ).values_list("pk", "volunteer_id", "hours", "reviewed_at", "reviewed_by_id")
    entries = [
        PointsEntry(
            volunteer_id=volunteer_id,
            kind=PointsEntry.Kind.EARNED,
            points=points_for(hours),
            service_record_id=pk,
            confirmation=1,
            created_at=reviewed_at,
            created_by_id=reviewer_id,
            is_demo=True,
        )
        for pk, volunteer_id, hours, reviewed_at, reviewer_id in confirmed
        if points_for(hours) > 0
    ]
    PointsEntry.objects.bulk_create(entries)
    created[PointsEntry] += len(entries)


def _redemptions(volunteers, rewards, rng, created: Counter) -> None:
    balances = dict(
        PointsEntry.objects.filter(volunteer__in=volunteers)
        .values("volunteer")
        .annotate(total=Sum("points"))
        .values_list("volunteer", "total")
    )
    cheapest = min(rewards, key=lambda r: r.points_cost)
    made = []
    for volunteer in volunteers:
        if balances.get(volunteer.pk, 0) >= cheapest.points_cost and rng.random() < 0.25:
            made.append((volunteer, cheapest))
    stock = Reward.objects.get(pk=cheapest.pk).stock
    made = made[:stock]
    rows = [
        Redemption(
            volunteer=v,
            reward=r,
            points=r.points_cost,
            status=Redemption.Status.HANDED_OVER,
            created_at=_moment(AS_OF, 10),
            closed_at=_moment(AS_OF, 11),
            is_demo=True,
        )
        for v, r in made
    ]
    bulk_create_with_history(rows, Redemption, default_change_reason=CHANGE_REASON)
    rows = list(Redemption.objects.filter(volunteer__in=[v for v, _ in made], is_demo=True))
    PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                volunteer_id=r.volunteer_id,
                kind=PointsEntry.Kind.REDEMPTION,
                points=-r.points,
                redemption=r,
                created_at=r.created_at,
                is_demo=True,
            )
            for r in rows
        ]
    )
    if rows:
        Reward.objects.filter(pk=cheapest.pk).update(stock=stock - len(rows))
    created[Redemption] += len(rows)
    created[PointsEntry] += len(rows)
