"""The volunteers demo (``manage.py volunteers_demo``, run by ``bootstrap``): what a resident
finds on the site after ``make run`` is a street where most activities still have places."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from volunteers import selectors
from volunteers.demo import demo_volunteers_seed
from volunteers.models import Activity, Signup

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _upcoming(street):
    return list(selectors.activities_upcoming(street_id=street.pk).filter(is_demo=True))


def test_the_demos_upcoming_activities_mostly_have_places_and_are_topped_up_later(guicheng):
    # when the demo is generated
    demo_volunteers_seed()

    # then every community has three activities coming up, one of them within the coming week
    upcoming = _upcoming(guicheng)
    assert len(upcoming) == 3 * guicheng.communities.count()
    week_ahead = timezone.now() + timedelta(days=8)
    assert {a.community_id for a in upcoming if a.starts_at < week_ahead} == set(
        guicheng.communities.values_list("pk", flat=True)
    )
    assert all(a.starts_at < timezone.now() + timedelta(days=32) for a in upcoming)
    # and most have free places; some are nearly full (one or two left); a few are full
    free = Counter(
        "full" if a.taken >= a.capacity else "nearly" if a.capacity - a.taken <= 2 else "room" for a in upcoming
    )
    assert free["room"] > len(upcoming) / 2, free
    assert free["nearly"] >= 5 and free["full"] >= 5, free
    assert free["full"] < len(upcoming) / 4, free
    # and only the full ones have a waitlist, which is never longer than three
    waiting = Counter(
        Signup.objects.filter(activity__in=[a.pk for a in upcoming], status=Signup.Status.WAITLISTED).values_list(
            "activity_id", flat=True
        )
    )
    full = {a.pk for a in upcoming if a.taken >= a.capacity}
    assert set(waiting) == full and max(waiting.values()) <= 3
    # and the activities have kinds to filter by
    assert len({a.category for a in upcoming}) >= 5

    # given weeks have passed: the upcoming activities are over
    ago = timedelta(days=40)
    Activity.objects.filter(is_demo=True, ends_at__gt=timezone.now()).update(
        starts_at=F("starts_at") - ago, ends_at=F("ends_at") - ago
    )
    assert _upcoming(guicheng) == []

    # when bootstrap runs the demo again, twice
    first = demo_volunteers_seed()
    again = demo_volunteers_seed()

    # then every community has three new upcoming activities, and the second run added nothing
    assert len(_upcoming(guicheng)) == 3 * guicheng.communities.count()
    assert first[Activity] == 3 * guicheng.communities.count()
    assert set(again.values()) == {0}
