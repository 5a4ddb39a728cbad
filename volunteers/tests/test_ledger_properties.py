"""The points ledger under any sequence of confirmations, un-confirmations, redemptions,
cancellations and adjustments (hypothesis): the balance is the sum of the entries, never
negative, equal to what a simple model of the rules expects, and no source has two entries."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers import selectors, services
from volunteers.models import PointsEntry

from .factories import RewardFactory, VolunteerFactory, at

pytestmark = pytest.mark.django_db

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("serve"), st.sampled_from([1, 2, 3, 4])),  # hours, then confirmed
        st.tuples(st.just("unconfirm"), st.integers(0, 10)),
        st.tuples(st.just("confirm"), st.integers(0, 10)),
        st.tuples(st.just("redeem"), st.sampled_from([10, 25, 40])),
        st.tuples(st.just("cancel"), st.integers(0, 10)),
        st.tuples(st.just("adjust"), st.integers(-50, 50).filter(bool)),
    ),
    max_size=14,
)


class Rollback(Exception):
    pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_balance_is_the_sum_and_never_negative(guihua, street_staff, operations):
    try:
        with transaction.atomic():
            run(guihua, street_staff, operations)
            raise Rollback  # each example starts from the same empty ledger
    except Rollback:
        pass


def run(community, user, operations):
    volunteer = VolunteerFactory(community=community)
    rewards = {cost: RewardFactory(community=community, points_cost=cost, stock=2) for cost in (10, 25, 40)}
    records, redemptions, expected = [], [], 0
    confirmed: dict[int, int] = {}  # record pk -> points it holds while confirmed
    for step, (action, value) in enumerate(operations):
        balance_before = expected
        try:
            if action == "serve":
                start = at(1, 8) + timedelta(days=step)
                record = services.service_record_add(
                    volunteer=volunteer, started_at=start, ended_at=start + timedelta(hours=value),
                    description="服务", user=user,
                )  # fmt: skip
                records.append(record)
                services.service_record_confirm(record=record, user=user)
                confirmed[record.pk] = services.points_for(record.hours)
                expected += confirmed[record.pk]
            elif action in ("unconfirm", "confirm") and records:
                record = records[value % len(records)]
                if action == "unconfirm":
                    services.service_record_unconfirm(record=record, user=user, reason="核查")
                    expected -= confirmed.pop(record.pk, 0)
                else:
                    services.service_record_confirm(record=record, user=user)
                    if record.pk not in confirmed:
                        confirmed[record.pk] = services.points_for(record.hours)
                        expected += confirmed[record.pk]
            elif action == "redeem":
                redemptions.append(services.reward_redeem(volunteer=volunteer, reward=rewards[value], user=user))
                expected -= value
            elif action == "cancel" and redemptions:
                redemption = redemptions[value % len(redemptions)]
                was = type(redemption).objects.get(pk=redemption.pk).status
                services.redemption_cancel(redemption=redemption, user=user)
                if was == "redeemed":
                    expected += redemption.points
            elif action == "adjust":
                services.points_adjust(volunteer=volunteer, points=value, reason="调整", user=user)
                expected += value
        except ValidationError:
            expected = balance_before  # refused: nothing changed
        entries = list(PointsEntry.objects.filter(volunteer=volunteer).values_list("points", flat=True))
        balance = selectors.points_balance(volunteer=volunteer)
        assert balance == sum(entries) == expected
        assert balance >= 0
    # at most one entry per source
    for field in ("redemption", "reverses"):
        doubled = (
            PointsEntry.objects.filter(volunteer=volunteer, **{f"{field}__isnull": False})
            .values(field, "kind")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
        )
        assert not doubled.exists()
    earned = PointsEntry.objects.filter(volunteer=volunteer, kind="earned").values("service_record", "confirmation")
    assert earned.count() == earned.distinct().count()
