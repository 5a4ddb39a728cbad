"""Teams, volunteers, activities and sign-ups: the 千灯湖 business-building teams, and each
community's party-member team with its volunteers, past and upcoming activities, sign-ups and the
hours they earned; the community's points, posts, check-ins and orders follow from those."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from simple_history.utils import bulk_create_with_history

from organizations.models import Community, Grid, PartyMember, ServiceCenter, Street

from ..models import Reward, Volunteer, VolunteerTeam
from .activities import UPCOMING_SLOTS, past_activities, upcoming_activities
from .base import CHANGE_REASON, _person, _rng
from .members import _check_ins, _posts
from .orders import _orders
from .points import _records_with_points, _redemptions

CBD_COMMUNITIES = ("灯湖社区", "中汇社区", "同成社区", "同德社区")
BUILDING_TEAMS = 30  # seed 000: 30 支商务楼宇志愿服务队
VOLUNTEERS_PER_COMMUNITY = 40


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

    # Activities: six in the first half of 2023 (with hours), three coming up after today.
    activities, records = past_activities(community, team, center, volunteers, rng, created)
    upcoming_activities(community, team, center, volunteers, rng, created, len(UPCOMING_SLOTS))
    _records_with_points(records, created)
    _redemptions(volunteers, rewards, rng, created)
    _posts(community, without_post, rng, created)
    _check_ins(community, employed, rng, created)
    _orders(community, center, activities, team, rng, created)
    return next_number
