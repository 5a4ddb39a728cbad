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
