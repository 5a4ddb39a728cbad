"""A community's activities and their sign-ups: six in the first half of 2023, attended and
turned into hours, and a few coming up, placed after the day of the run with a realistic mix of
sign-ups — most with places free, some nearly full, a few full with people waiting."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..models import Activity, ServiceRecord, Signup, Volunteer, VolunteerTeam, hours_between
from .base import CHANGE_REASON, _moment, _rng

PAST_ACTIVITIES = 6
# Days after the run the upcoming activities fall in: one this week, one next, one later this month.
UPCOMING_SLOTS = ((0, 6), (7, 16), (17, 29))

ACTIVITY_TITLES = (
    ("共享单车规范停放微公益", Activity.Category.ENVIRONMENT),
    ("社区环境“三清理”行动", Activity.Category.ENVIRONMENT),
    ("长者饭堂助餐服务", Activity.Category.ELDERLY),
    ("义诊和健康讲座进社区", Activity.Category.HEALTH),
    ("垃圾分类宣传督导", Activity.Category.ENVIRONMENT),
    ("防诈骗宣传进小区", Activity.Category.LEGAL),
    ("青少年暑期托管陪伴", Activity.Category.CHILDREN),
    ("文明城市创建志愿服务", Activity.Category.OTHER),
    ("独居长者上门探访", Activity.Category.ELDERLY),
    ("家电义务维修", Activity.Category.REPAIR),
    ("党员先锋岗值守", Activity.Category.OTHER),
    ("消防安全隐患排查", Activity.Category.OTHER),
    ("社区邻里文艺晚会服务", Activity.Category.CULTURE),
    ("法律援助咨询日", Activity.Category.LEGAL),
)


def _activity(community, team, center, title, category, day, rng, capacities) -> Activity:
    start = _moment(day, rng.choice((9, 14, 15, 19)))
    return Activity(
        street=community.street,
        community=community,
        title=title,
        category=category,
        team=team,
        center=center,
        place="" if center else f"{community.name}文化广场",
        starts_at=start,
        ends_at=start + timedelta(hours=rng.choice((2, 3))),
        capacity=rng.choice(capacities),
        description=f"{community.name}党员志愿服务队组织开展{title}。",
        is_public=True,
        is_demo=True,
    )


def past_activities(community, team, center, volunteers, rng, created: Counter) -> tuple[list, list]:
    """Six activities of the first half of 2023, every place taken and most attended: their
    sign-ups and the service records the attendance earned (the caller confirms and scores them)."""
    street = community.street
    activities = [
        _activity(
            community,
            team,
            center,
            title,
            category,
            date(2023, 1, 7) + timedelta(days=index * 28 + rng.randint(0, 6)),
            rng,
            (8, 10, 12),
        )  # fmt: skip
        for index, (title, category) in enumerate(rng.sample(ACTIVITY_TITLES, PAST_ACTIVITIES))
    ]
    bulk_create_with_history(activities, Activity, default_change_reason=CHANGE_REASON)
    created[Activity] += len(activities)
    activities = list(
        Activity.objects.filter(community=community, is_demo=True, ends_at__lt=timezone.now()).order_by("starts_at")
    )
    signups, records = [], []
    for activity in activities:
        chosen = rng.sample(volunteers, min(len(volunteers), activity.capacity + 2))
        for place, volunteer in enumerate(chosen):
            if place < activity.capacity:
                status = Signup.Status.ATTENDED if rng.random() < 0.9 else Signup.Status.NO_SHOW
            else:
                status = Signup.Status.CANCELLED
            signups.append(
                Signup(
                    activity=activity,
                    volunteer=volunteer,
                    status=status,
                    created_at=activity.starts_at - timedelta(days=5, minutes=place),
                    cancelled_at=activity.starts_at - timedelta(days=1) if status == Signup.Status.CANCELLED else None,
                )
            )
            if status == Signup.Status.ATTENDED:
                confirmed = rng.random() < 0.85
                records.append(
                    ServiceRecord(
                        volunteer=volunteer,
                        activity=activity,
                        street=street,
                        community=community,
                        started_at=activity.starts_at,
                        ended_at=activity.ends_at,
                        hours=hours_between(activity.starts_at, activity.ends_at),
                        source=ServiceRecord.Source.CHECK_IN,
                        status=ServiceRecord.Status.CONFIRMED if confirmed else ServiceRecord.Status.PENDING,
                        confirmations=1 if confirmed else 0,
                        reviewed_at=activity.ends_at + timedelta(days=1) if confirmed else None,
                        created_at=activity.ends_at,
                        is_demo=True,
                    )
                )
    bulk_create_with_history(signups, Signup, default_change_reason=CHANGE_REASON)
    created[Signup] += len(signups)
    return activities, records


def _fill(rng: random.Random, capacity: int) -> tuple[int, int]:
    """Places taken and people waiting: most activities have room, a fifth are nearly full,
    about one in seven is full with one to three waiting."""
    draw = rng.random()
    if draw < 0.14:
        return capacity, rng.randint(1, 3)
    if draw < 0.34:
        return capacity - rng.randint(1, 2), 0
    return rng.randint(capacity // 5, capacity * 3 // 5), 0


def upcoming_activities(community, team, center, volunteers, rng, created: Counter, count: int) -> None:
    """``count`` activities after today (the first in the coming week), with their sign-ups."""
    today, now = timezone.localdate(), timezone.now()
    activities = []
    for title, category in rng.sample(ACTIVITY_TITLES, count):
        low, high = UPCOMING_SLOTS[len(activities)]
        day = today + timedelta(days=rng.randint(low, high))
        activity = _activity(community, team, center, title, category, day, rng, (10, 12, 15, 20, 30))
        if activity.ends_at <= now:  # today's, already over at the time of the run: tomorrow
            activity.starts_at += timedelta(days=1)
            activity.ends_at += timedelta(days=1)
        activities.append(activity)
    bulk_create_with_history(activities, Activity, default_change_reason=CHANGE_REASON)
    created[Activity] += len(activities)
    starts = [a.starts_at for a in activities]
    saved = list(Activity.objects.filter(community=community, is_demo=True, starts_at__in=starts).order_by("pk"))
    signups = []
    for activity in saved[-count:]:
        taken, waiting = _fill(rng, activity.capacity)
        chosen = rng.sample(volunteers, min(len(volunteers), taken + waiting))
        for place, volunteer in enumerate(chosen):
            signups.append(
                Signup(
                    activity=activity,
                    volunteer=volunteer,
                    status=Signup.Status.REGISTERED if place < taken else Signup.Status.WAITLISTED,
                    # Signed up over the last days, first come first served.
                    created_at=now - timedelta(hours=1) - timedelta(minutes=37 * (len(chosen) - place)),
                )
            )
    bulk_create_with_history(signups, Signup, default_change_reason=CHANGE_REASON)
    created[Signup] += len(signups)


def upcoming_top_up(community, created: Counter) -> None:
    """A community seeded on an earlier day whose upcoming activities have passed gets new
    ones after today, so the site always has something on (safe to run again the same day)."""
    have = Activity.objects.filter(community=community, is_demo=True).upcoming().count()
    if have >= len(UPCOMING_SLOTS):
        return
    team = VolunteerTeam.objects.filter(community=community, kind=VolunteerTeam.Kind.COMMUNITY, is_demo=True).first()
    volunteers = list(Volunteer.objects.filter(community=community, is_demo=True).order_by("number"))
    if team is None or not volunteers:
        return
    rng = _rng(community.name, "upcoming", timezone.localdate().isoformat())
    upcoming_activities(community, team, team.center, volunteers, rng, created, len(UPCOMING_SLOTS) - have)
