"""Demo volunteer work for the Guicheng communities (``make run``), and 5,000,000 service records
across Foshan for ``make bench`` only. Everything is marked ``is_demo``.

* deterministic — choices come from ``random.Random`` seeded with ``SEED`` and the community's
  name; rows are planned in the order of natural keys (community names, member ID numbers), so
  every machine plans the same teams, volunteers, activities and hours. Activity dates are
  counted from ``AS_OF`` except the few upcoming ones, which are placed after the day of the
  run so the public site has something on this week;
* idempotent — a community that already has demo volunteers is left alone; each community is
  written in a transaction of its own, so an interrupted run is completed by the next one;
* bulk — rows go in with ``bulk_create_with_history`` (the ledger, which has no history, with
  ``bulk_create``); points are entered exactly as ``services.service_record_confirm`` would.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from organizations.demo import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from organizations.models import Community, Grid, PartyMember, ServiceCenter, Street

from ..models import (
    Activity,
    CommunityCheckIn,
    PointsEntry,
    PostClaim,
    Redemption,
    ResponsibilityPost,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
    hours_between,
)
from ..services import points_for

SEED = "guicheng-volunteers-demo-v1"
BEIJING = ZoneInfo("Asia/Shanghai")
AS_OF = date(2023, 6, 30)
CBD_COMMUNITIES = ("灯湖社区", "中汇社区", "同成社区", "同德社区")
BUILDING_TEAMS = 30  # seed 000: 30 支商务楼宇志愿服务队
VOLUNTEERS_PER_COMMUNITY = 40
PAST_ACTIVITIES = 6
UPCOMING_ACTIVITIES = 2
POSTS_PER_COMMUNITY = 10  # × up to 6 claims: 2,000+ 无职党员 holding a post (seed 000)
CLAIMS_PER_POST = 6
CHECK_INS_PER_COMMUNITY = 8
ORDERS_PER_COMMUNITY = 4
CHANGE_REASON = "演示数据生成"

ACTIVITY_TITLES = (
    "共享单车规范停放微公益",
    "社区环境“三清理”行动",
    "长者饭堂助餐服务",
    "义诊和健康讲座进社区",
    "垃圾分类宣传督导",
    "防诈骗宣传进小区",
    "青少年暑期托管陪伴",
    "文明城市创建志愿服务",
    "独居长者上门探访",
    "家电义务维修",
    "党员先锋岗值守",
    "消防安全隐患排查",
)
POST_TITLES = (
    "楼栋长",
    "环境卫生监督岗",
    "文明劝导岗",
    "政策宣传岗",
    "邻里调解岗",
    "独居长者联络岗",
    "垃圾分类督导岗",
    "消防安全巡查岗",
    "停车秩序劝导岗",
    "网格信息员",
)
REWARDS = (
    ("环保购物袋", 30, 200),
    ("大米（5公斤）", 80, 120),
    ("食用油", 100, 100),
    ("理发服务券", 50, 150),
    ("电影票", 120, 60),
)
ORDER_NEEDS = (
    ("elderly", "家中老人行动不便，希望志愿者每周上门陪伴聊天"),
    ("repair", "楼道灯坏了很久，希望帮忙联系维修"),
    ("health", "希望社区组织一次血压血糖免费检测"),
    ("legal", "想咨询租房合同纠纷的法律问题"),
    ("children", "暑假期间孩子无人看管，希望有托管服务"),
    ("environment", "小区后巷堆放杂物，希望组织清理"),
)


def _rng(*parts) -> random.Random:
    return random.Random(":".join([SEED, *map(str, parts)]))


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING)


def _person(rng: random.Random) -> str:
    pool = GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE
    return rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(2))


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


def _building_teams(street: Street, created: Counter) -> None:
    """The 30 business-building teams of the 千灯湖 CBD, each in one of its office buildings."""
    if VolunteerTeam.objects.filter(street=street, kind=VolunteerTeam.Kind.BUILDING).exists():
        return
    buildings = list(
        Grid.objects.filter(community__street=street, community__name__in=CBD_COMMUNITIES, kind=Grid.Kind.BUILDING)
        .select_related("community")
        .order_by("community__name", "path")
    )
    communities = list(Community.objects.filter(street=street, name__in=CBD_COMMUNITIES).order_by("name"))
    if not communities:
        return
    teams = []
    for index in range(BUILDING_TEAMS):
        grid = buildings[index] if index < len(buildings) else None
        community = grid.community if grid else communities[index % len(communities)]
        place = grid.name if grid else f"千灯湖商务楼宇{index + 1:02d}"
        teams.append(
            VolunteerTeam(
                street=street,
                community=community,
                building=grid,
                name=f"{place}志愿服务队",
                kind=VolunteerTeam.Kind.BUILDING,
                founded_on=date(2019, 7, 1) + timedelta(days=7 * index),
                description="共享单车规范管理微公益，常态化开展共享单车清理行动。",
                is_demo=True,
            )
        )
    bulk_create_with_history(teams, VolunteerTeam, default_change_reason=CHANGE_REASON)
    created[VolunteerTeam] += len(teams)


def _community(community: Community, rewards: list[Reward], next_number: int, created: Counter) -> int:
    """One community's demo volunteer work; returns the next free volunteer number."""
    rng = _rng(community.name)
    street = community.street
    center = ServiceCenter.objects.filter(community=community).order_by("pk").first()
    team = VolunteerTeam(
        street=street,
        community=community,
        name=f"{community.name}党员志愿服务队",
        kind=VolunteerTeam.Kind.COMMUNITY,
        center=center,
        founded_on=date(2018, 3, 5),
        description="社区党员志愿服务：助老、环境、宣传、文明创建。",
        is_demo=True,
    )
    bulk_create_with_history([team], VolunteerTeam, default_change_reason=CHANGE_REASON)
    team = VolunteerTeam.objects.get(street=street, name=team.name)
    created[VolunteerTeam] += 1

    members = list(
        PartyMember.objects.filter(organization__community=community, is_demo=True)
        .exclude(id_number="")
        .order_by("id_number")
        .values_list("pk", "name", "status", "phone")
    )
    employed = [m for m in members if m[2] == PartyMember.Status.EMPLOYED]
    without_post = [m for m in members if m[2] == PartyMember.Status.WITHOUT_POST]
    picked = members[:: max(1, len(members) // (VOLUNTEERS_PER_COMMUNITY // 2))][: VOLUNTEERS_PER_COMMUNITY // 2]
    volunteers = []
    for pk, name, _status, phone in picked:
        volunteers.append(
            Volunteer(
                community=community,
                name=name,
                kind=Volunteer.Kind.PARTY_MEMBER,
                member_id=pk,
                phone=phone,
                show_name_publicly=rng.random() < 0.3,
                registered_on=date(2021, 3, 5),
                is_demo=True,
            )
        )
    while len(volunteers) < VOLUNTEERS_PER_COMMUNITY:
        volunteers.append(
            Volunteer(
                community=community,
                name=_person(rng),
                kind=Volunteer.Kind.RESIDENT,
                show_name_publicly=rng.random() < 0.3,
                registered_on=date(2022, 5, 1),
                is_demo=True,
            )
        )
    for volunteer in volunteers:
        volunteer.number, next_number = f"GC{next_number:08d}", next_number + 1
    bulk_create_with_history(volunteers, Volunteer, default_change_reason=CHANGE_REASON)
    volunteers = list(Volunteer.objects.filter(community=community, is_demo=True).order_by("number"))
    Volunteer.teams.through.objects.bulk_create(
        [Volunteer.teams.through(volunteer_id=v.pk, volunteerteam_id=team.pk) for v in volunteers]
    )
    team.leader = volunteers[0]
    team.save(update_fields=["leader"])
    created[Volunteer] += len(volunteers)

    # Activities: six in the first half of 2023 (with hours), two coming up after today.
    today = timezone.localdate()
    activities = []
    titles = rng.sample(ACTIVITY_TITLES, PAST_ACTIVITIES + UPCOMING_ACTIVITIES)
    for index, title in enumerate(titles):
        day = (
            date(2023, 1, 7) + timedelta(days=index * 28 + rng.randint(0, 6))
            if index < PAST_ACTIVITIES
            else today + timedelta(days=1 + (index - PAST_ACTIVITIES) * 3 + rng.randint(0, 2))
        )
        start = _moment(day, rng.choice((9, 14, 15)))
        activities.append(
            Activity(
                street=street,
                community=community,
                title=title,
                team=team,
                center=center,
                place="" if center else f"{community.name}文化广场",
                starts_at=start,
                ends_at=start + timedelta(hours=rng.choice((2, 3))),
                capacity=rng.choice((8, 10, 12)),
                description=f"{community.name}党员志愿服务队组织开展{title}。",
                is_public=True,
                is_demo=True,
            )
        )
    bulk_create_with_history(activities, Activity, default_change_reason=CHANGE_REASON)
    activities = list(Activity.objects.filter(community=community, is_demo=True).order_by("starts_at", "pk"))

    signups, records = [], []
    for activity in activities:
        past = activity.ends_at < timezone.now()
        chosen = rng.sample(volunteers, min(len(volunteers), activity.capacity + 2))
        for place, volunteer in enumerate(chosen):
            if place < activity.capacity:
                status = (
                    (Signup.Status.ATTENDED if rng.random() < 0.9 else Signup.Status.NO_SHOW) if past else "registered"
                )
            else:
                status = Signup.Status.WAITLISTED if not past else Signup.Status.CANCELLED
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
    _records_with_points(records, created)
    _redemptions(volunteers, rewards, rng, created)
    _posts(community, without_post, rng, created)
    _check_ins(community, employed, rng, created)
    _orders(community, center, activities, team, rng, created)
    return next_number


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


def _posts(community, without_post, rng, created: Counter) -> None:
    posts = [
        ResponsibilityPost(
            community=community,
            title=title,
            duties=f"{community.name}{title}：联系群众、发现问题、及时上报。",
            published_on=date(2023, 2, 20),
            is_demo=True,
        )
        for title in POST_TITLES[:POSTS_PER_COMMUNITY]
    ]
    bulk_create_with_history(posts, ResponsibilityPost, default_change_reason=CHANGE_REASON)
    created[ResponsibilityPost] += len(posts)
    posts = list(ResponsibilityPost.objects.filter(community=community, is_demo=True).order_by("title"))
    claims = []
    for index, (member_pk, *_rest) in enumerate(without_post[: len(posts) * CLAIMS_PER_POST]):
        claims.append(
            PostClaim(
                post=posts[index % len(posts)],
                member_id=member_pk,
                claimed_on=date(2023, 3, 1) + timedelta(days=rng.randint(0, 60)),
                is_demo=True,
            )
        )
    bulk_create_with_history(claims, PostClaim, default_change_reason=CHANGE_REASON)
    created[PostClaim] += len(claims)


def _check_ins(community, employed, rng, created: Counter) -> None:
    # Members living here but employed elsewhere: take them from the community's own members, as
    # the demo has no separate place of work (their organisation stands in as the employer).
    taken = set(CommunityCheckIn.objects.active().values_list("member_id", flat=True))
    rows = []
    for member_pk, *_rest in employed[: CHECK_INS_PER_COMMUNITY * 2]:
        if member_pk in taken or len(rows) >= CHECK_INS_PER_COMMUNITY:
            continue
        rows.append(
            CommunityCheckIn(
                member_id=member_pk,
                community=community,
                employer=rng.choice(("南海区某机关", "佛山市某国有企业", "桂城街道某学校", "南海区某医院")),
                registered_on=date(2022, 6, 1) + timedelta(days=rng.randint(0, 300)),
                is_demo=True,
            )
        )
    bulk_create_with_history(rows, CommunityCheckIn, default_change_reason=CHANGE_REASON)
    created[CommunityCheckIn] += len(rows)


def _orders(community, center, activities, team, rng, created: Counter) -> None:
    from django.contrib.auth import get_user_model

    if center is None:
        return
    staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    rows = []
    for index in range(ORDERS_PER_COMMUNITY):
        category, need = rng.choice(ORDER_NEEDS)
        submitted = _moment(AS_OF - timedelta(days=rng.randint(5, 150)), rng.randint(8, 20))
        order = ServiceOrder(
            center=center,
            street=community.street,
            community=community,
            category=category,
            need=need,
            wanted_when="周末",
            contact_name=_person(rng)[0] + "先生",
            contact_phone=f"1380013{rng.randint(0, 9999):04d}",
            submitted_at=submitted,
            last_action_at=submitted,
            is_demo=True,
            code=f"D{rng.getrandbits(40):010X}",
        )
        stage = index if staff else 0  # 0 submitted, 1 accepted, 2 answered, 3 rated
        if stage >= 1:
            order.status, order.accepted_at, order.accepted_by = "accepted", submitted + timedelta(hours=20), staff
        if stage >= 2:
            order.status, order.answered_at, order.answered_by = "answered", submitted + timedelta(days=2), staff
            order.answer_activity = activities[0]
            order.answer_team = team
            order.answer_note = "已安排党员志愿服务队跟进。"
        if stage >= 3:
            order.status, order.done_at, order.done_by = "rated", submitted + timedelta(days=6), staff
            order.rating, order.rating_comment, order.rated_at = (
                5,
                "志愿者很热心，谢谢！",
                submitted + timedelta(days=7),
            )
        order.last_action_at = order.rated_at or order.answered_at or order.accepted_at or submitted
        rows.append(order)
    bulk_create_with_history(rows, ServiceOrder, default_change_reason=CHANGE_REASON)
    created[ServiceOrder] += len(rows)


SEEDED = (
    VolunteerTeam,
    Volunteer,
    Signup,
    ServiceRecord,
    PointsEntry,
    Redemption,
    ResponsibilityPost,
    PostClaim,
    CommunityCheckIn,
    ServiceOrder,
    Reward,
)


def demo_volunteers_seed(*, street_name: str = "桂城街道") -> dict:
    """Demo volunteer work in every community of the street that has none yet."""
    created: Counter = Counter()
    street = Street.objects.get(name=street_name)
    with transaction.atomic():
        rewards = _rewards(street, created)
        _building_teams(street, created)
    last = (
        Volunteer.objects.filter(number__startswith="GC").order_by("-number").values_list("number", flat=True).first()
    )
    next_number = int(last[2:]) + 1 if last and last[2:].isdigit() else 1
    for community in Community.objects.filter(street=street).select_related("street").order_by("name"):
        if Volunteer.objects.filter(community=community, is_demo=True).exists():
            continue
        with transaction.atomic():
            next_number = _community(community, rewards, next_number, created)
    return {model: created[model] for model in SEEDED}


# --- Foshan scale, for make bench only -----------------------------------------------------------

BENCH_VOLUNTEERS = 100_000
BENCH_RECORDS_PER_VOLUNTEER = 50  # 100,000 × 50 = 5,000,000 service records
BENCH_PREFIX = "FS"
BENCH_CHUNK = 2_000  # volunteers per transaction: 100,000 records


def bench_records_seed(*, volunteers: int = BENCH_VOLUNTEERS, per_volunteer: int = BENCH_RECORDS_PER_VOLUNTEER) -> int:
    """Foshan-scale hours for the benchmark: ``volunteers`` demo volunteers spread over every
    community, each with ``per_volunteer`` confirmed two-hour records a week apart (never
    overlapping). Plain chunked ``bulk_create`` without history rows (bench data, not records
    anyone made); a volunteer that already has its records is skipped, so a second run writes
    nothing and an interrupted one is completed. Returns the records written."""
    communities = list(Community.objects.order_by("street__name", "name").values_list("pk", "street_id"))
    if not communities:
        raise ValueError("no communities: run seed_demo --scale foshan first")
    written = 0
    for start in range(0, volunteers, BENCH_CHUNK):
        numbers = [f"{BENCH_PREFIX}{n:08d}" for n in range(start, min(volunteers, start + BENCH_CHUNK))]
        with transaction.atomic():
            existing = set(Volunteer.objects.filter(number__in=numbers).values_list("number", flat=True))
            Volunteer.objects.bulk_create(
                [
                    Volunteer(
                        community_id=communities[int(n[2:]) % len(communities)][0],
                        number=n,
                        name=f"志愿者{n[2:]}",
                        is_demo=True,
                        registered_on=date(2020, 1, 1),
                    )
                    for n in numbers
                    if n not in existing
                ],
                batch_size=5_000,
            )
            ids = dict(Volunteer.objects.filter(number__in=numbers).values_list("pk", "community_id"))
            done = set(
                ServiceRecord.objects.filter(volunteer_id__in=list(ids))
                .values_list("volunteer_id", flat=True)
                .distinct()
            )
            street_of = dict(communities)
            records = []
            for volunteer_id, community_id in ids.items():
                if volunteer_id in done:
                    continue
                first = _moment(date(2019, 1, 7), 9) + timedelta(hours=volunteer_id % 8)
                for week in range(per_volunteer):
                    begin = first + timedelta(days=7 * week)
                    records.append(
                        ServiceRecord(
                            volunteer_id=volunteer_id,
                            street_id=street_of[community_id],
                            community_id=community_id,
                            description="楼宇共享单车清理",
                            started_at=begin,
                            ended_at=begin + timedelta(hours=2),
                            hours=2,
                            status=ServiceRecord.Status.PENDING,
                            source=ServiceRecord.Source.IMPORT,
                            is_demo=True,
                        )
                    )
            ServiceRecord.objects.bulk_create(records, batch_size=5_000)
            written += len(records)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE volunteers_servicerecord")
            cursor.execute("ANALYZE volunteers_volunteer")
    return written
