"""Races on PostgreSQL: parallel threads, each with its own connection, all released at once by
a barrier. Two people never both take the last place, the last gift or the same points, and
one volunteer's overlapping records never both get in. SQLite serialises every write with a
database lock, so there is no race there to prove."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from organizations.tests.factories import UserFactory
from volunteers import selectors, services
from volunteers.models import Activity, PointsEntry, Redemption, ServiceRecord, Signup

from .factories import ActivityFactory, RewardFactory, VolunteerFactory, at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite locks the whole file"),
]

THREADS = 8


def race(calls) -> list:
    """Runs the calls at the same moment, one thread each; returns each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # collected: the test decides what was expected
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def volunteers_with_logins(n, community, points=0):
    people = []
    for i in range(n):
        volunteer = VolunteerFactory(community=community, user=UserFactory(username=f"v{i}", is_staff=False))
        if points:
            PointsEntry.objects.create(volunteer=volunteer, kind="adjustment", points=points, reason="测试初始积分")
        people.append(volunteer)
    return people


def test_two_people_never_both_take_the_last_place():
    # given an activity with one place and eight volunteers pressing "报名" at once
    activity = ActivityFactory(capacity=1)
    people = volunteers_with_logins(THREADS, activity.community)

    results = race([lambda v=v: services.signup_register(activity=activity, volunteer=v, user=v.user) for v in people])

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(Signup.objects.filter(activity=activity).values_list("status", flat=True))
    assert statuses == ["registered"] + ["waitlisted"] * (THREADS - 1)


def test_parallel_cancellations_promote_each_waitlisted_once():
    # given two registered and four waiting
    activity = ActivityFactory(capacity=2)
    people = volunteers_with_logins(6, activity.community)
    signups = [services.signup_register(activity=activity, volunteer=v, user=v.user) for v in people]
    registered = [s for s in signups if s.status == "registered"]

    # when both registered cancel at once, each twice
    results = race([lambda s=s: services.signup_cancel(signup=s, user=s.volunteer.user) for s in registered * 2])

    # then exactly the first two on the waitlist hold the places
    assert not [r for r in results if isinstance(r, Exception)], results
    holding = Signup.objects.filter(activity=activity).holding_place()
    assert sorted(holding.values_list("volunteer", flat=True)) == [people[2].pk, people[3].pk]


def test_two_people_never_both_take_the_last_gift():
    reward = RewardFactory(points_cost=10, stock=1)
    people = volunteers_with_logins(THREADS, reward.community, points=50)

    results = race([lambda v=v: services.reward_redeem(volunteer=v, reward=reward, user=v.user) for v in people])

    won = [r for r in results if isinstance(r, Redemption)]
    assert len(won) == 1
    assert all(isinstance(r, ValidationError) for r in results if not isinstance(r, Redemption)), results
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 1


def test_parallel_redemptions_never_spend_a_balance_twice():
    # given 30 points and gifts of 20 in plenty: only one redemption fits
    reward = RewardFactory(points_cost=20, stock=100)
    (volunteer,) = volunteers_with_logins(1, reward.community, points=30)

    results = race([lambda: services.reward_redeem(volunteer=volunteer, reward=reward, user=volunteer.user)] * THREADS)

    assert len([r for r in results if isinstance(r, Redemption)]) == 1
    assert selectors.points_balance(volunteer=volunteer) == 10
    reward.refresh_from_db()
    assert reward.stock == 99


def test_parallel_confirmations_credit_points_once(street_staff_plain):
    volunteer = VolunteerFactory()
    record = services.service_record_add(
        volunteer=volunteer, started_at=at(3, 9), ended_at=at(3, 11), description="值守", user=street_staff_plain
    )

    results = race([lambda: services.service_record_confirm(record=record, user=street_staff_plain)] * THREADS)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert list(PointsEntry.objects.filter(volunteer=volunteer).values_list("kind", "points")) == [("earned", 20)]


def test_overlapping_records_never_both_get_in(street_staff_plain):
    volunteer = VolunteerFactory()
    starts = [at(3, 9) + timedelta(minutes=10 * i) for i in range(THREADS)]

    results = race(
        [
            lambda s=s: services.service_record_add(
                volunteer=volunteer, started_at=s, ended_at=s + timedelta(hours=2), description="值守",
                user=street_staff_plain,
            )
            for s in starts
        ]
    )  # fmt: skip

    assert ServiceRecord.objects.filter(volunteer=volunteer).count() == 1
    assert all(isinstance(r, ValidationError | PermissionDenied) for r in results if not isinstance(r, ServiceRecord))


@pytest.fixture
def street_staff_plain():
    """A superuser: the races are about rows, not about the scope (tested elsewhere)."""
    return UserFactory(username="race-admin", is_superuser=True)


def _pause_after(sql_matches, barrier):
    """An execute wrapper that, once the first statement ``sql_matches`` accepts has run, waits
    for the other thread at ``barrier`` (a few seconds at most: a thread blocked on a lock
    never arrives, and then the waiting one goes on)."""
    state = {"paused": False}

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not state["paused"] and sql_matches(sql):
            state["paused"] = True
            try:
                barrier.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass
        return result

    return wrapper


def test_cancel_and_delete_of_one_signup_never_deadlock(street_staff_plain):
    """signup_cancel locks the activity, then changes the sign-up; signup_delete used to lock
    the sign-up, then the activity. Each is held right after its first lock until the other has
    taken its own: in opposite orders that is a deadlock (PostgreSQL kills one of them)."""
    activity = ActivityFactory(capacity=1)
    (person,) = volunteers_with_logins(1, activity.community)
    signup = services.signup_register(activity=activity, volunteer=person, user=person.user)
    barrier = threading.Barrier(2)
    activity_table = Activity._meta.db_table

    def cancel():
        locks_activity = lambda sql: "FOR UPDATE" in sql and f'FROM "{activity_table}"' in sql  # noqa: E731
        with connection.execute_wrapper(_pause_after(locks_activity, barrier)):
            return services.signup_cancel(signup=signup, user=person.user)

    def delete():
        with connection.execute_wrapper(_pause_after(lambda sql: "FOR UPDATE" in sql, barrier)):
            return services.signup_delete(signup=signup, user=street_staff_plain)

    results = race([cancel, delete])

    assert not [r for r in results if "deadlock" in str(r).lower()], results
    # one went first: either the cancellation (then the sign-up is deleted) or the deletion
    # (then the cancellation says the sign-up is gone)
    assert not Signup.objects.filter(pk=signup.pk).exists()
    assert isinstance(results[0], Signup) or isinstance(results[0], ValidationError), results


def test_two_copies_of_one_order_sent_at_once_make_one_order():
    """Back-and-submit twice in a row: both copies carry the form's token, and the second INSERT
    waits on the unique index, then answers with the first order."""
    from organizations.tests.factories import ServiceCenterFactory
    from volunteers.models import ServiceOrder

    center = ServiceCenterFactory()
    data = {"center": center, "category": "other", "need": "楼道灯坏了", "contact_name": "黄"}
    data |= {"contact_phone": "13800138000", "once": "the-form-token-0123456789"}

    results = race([lambda: services.service_order_submit(**data)] * THREADS)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert ServiceOrder.objects.count() == 1
    assert {r.pk for r in results} == {ServiceOrder.objects.get().pk}
