"""Reads the residents' site and the lobby screen share."""

from datetime import timedelta

import pytest

from organizations.tests.factories import CommunityFactory
from volunteers import selectors

from .factories import ActivityFactory, SignupFactory, at

pytestmark = pytest.mark.django_db


def test_this_weeks_activities_are_the_streets_next_seven_days_with_their_free_places(
    guihua, tongxin, django_assert_num_queries
):
    # given five public activities of the street in the coming seven days, in no order of time
    now = at(1, 8)

    def activity(community, day, **fields):
        return ActivityFactory(community=community, starts_at=now + timedelta(days=day, hours=1), **fields)

    week = [activity(community, day, capacity=10) for community, day in ((guihua, 5), (tongxin, 1), (guihua, 3))]
    week += [activity(tongxin, 2, capacity=10), activity(guihua, 4, capacity=10)]
    SignupFactory(activity=week[1])
    SignupFactory(activity=week[1])
    # and what is not this week's, not public, cancelled, over or of another street
    activity(guihua, 7)
    activity(guihua, 1, is_public=False)
    activity(guihua, 1, is_cancelled=True)
    activity(guihua, -1)
    activity(CommunityFactory(), 1)

    # when
    with django_assert_num_queries(1):
        shown = selectors.activities_this_week(street=guihua.street, now=now)

    # then the street's five, soonest first, each with its free places
    assert [a.pk for a in shown] == [a.pk for a in sorted(week, key=lambda a: a.starts_at)]
    assert [a.free for a in shown] == [8, 10, 10, 10, 10]  # the day-1 activity has two sign-ups

    # and of more than six, the six soonest
    week += [activity(guihua, 0, capacity=10), activity(tongxin, 6, capacity=10)]
    shown = selectors.activities_this_week(street=guihua.street, now=now)
    assert [a.pk for a in shown] == [a.pk for a in sorted(week, key=lambda a: a.starts_at)][:6]


def test_a_waitlist_position_is_the_order_places_are_given_in(guihua, street_staff, django_assert_num_queries):
    # given an activity with one place and five waiting, two of them signed up at the same moment
    from volunteers import services
    from volunteers.models import Signup

    activity = ActivityFactory(community=guihua, capacity=1)
    holder = SignupFactory(activity=activity, created_at=at(1, 8))
    moments = [at(1, 9), at(1, 10), at(1, 10), at(1, 11), at(1, 12)]
    waiting = [SignupFactory(activity=activity, status="waitlisted", created_at=m) for m in moments]
    SignupFactory(activity=activity, status="cancelled", cancelled_at=at(1, 9), created_at=at(1, 8))

    def positions():
        with django_assert_num_queries(1):
            rows = Signup.objects.filter(activity=activity).with_waitlist_position().order_by("pk")
            return {s.pk: s.waitlist_position for s in rows}

    # then the waiting are 1 to 5 in the order of their sign-up (a tie by who came first), the
    # others have none
    shown = positions()
    assert [shown[s.pk] for s in waiting] == [1, 2, 3, 4, 5]
    assert shown[holder.pk] is None

    # and each place given up goes to whoever was first, the rest moving up by one
    for given in range(len(waiting)):
        current = Signup.objects.filter(activity=activity, status="registered").get()
        services.signup_cancel(signup=current, user=street_staff)
        shown = positions()
        assert Signup.objects.get(pk=waiting[given].pk).status == "registered"
        assert [shown[s.pk] for s in waiting[given + 1 :]] == list(range(1, len(waiting) - given))


def test_the_activity_list_narrows_by_community_kind_window_and_free_places(guihua, tongxin, django_assert_num_queries):
    now = at(1, 8)
    tomorrow = ActivityFactory(community=guihua, category="elderly", starts_at=now + timedelta(days=1), capacity=1)
    SignupFactory(activity=tomorrow)
    later = ActivityFactory(community=guihua, category="elderly", starts_at=now + timedelta(days=9))
    elsewhere = ActivityFactory(community=tongxin, category="health", starts_at=now + timedelta(days=2))
    # under way when the window opens: still joinable, so still listed
    running = ActivityFactory(community=guihua, category="elderly", starts_at=now + timedelta(days=2, hours=-1))
    running.ends_at = now + timedelta(days=2, hours=3)
    running.save()

    def find(**filters):
        with django_assert_num_queries(1):
            return [a.pk for a in selectors.activities_find(street_id=guihua.street_id, now=now, **filters)]

    assert find() == [tomorrow.pk, running.pk, elsewhere.pk, later.pk]
    assert find(community_id=tongxin.pk) == [elsewhere.pk]
    assert find(category="elderly") == [tomorrow.pk, running.pk, later.pk]
    assert find(with_places=True) == [running.pk, elsewhere.pk, later.pk]
    assert find(starts_from=now + timedelta(days=2), starts_before=now + timedelta(days=3)) == [
        running.pk,
        elsewhere.pk,
    ]
