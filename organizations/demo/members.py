"""Party members and positions: how many members each community holds, who they are, where
they live and which branch keeps them, the 书记 of every organisation and the 主任 of every
community (the same person where the community has “一肩挑”), and writing them."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import NamedTuple

from ..models import Grid, PartyMember, Position
from .base import (
    _FIELD_BUILDING,
    _FIELD_COMMUNITY,
    _FIELD_COMPOUND,
    _FIELD_RURAL,
    _URBAN,
    _Community,
    _create,
    _date_between,
    _rng,
    _spread,
    _Street,
)
from .people import _Dice, _People

# Some lookups use ``__in`` lists; SQLite allows 999 parameters per query.
IN_CHUNK = 900

# Guangdong re-elected every village and community committee in 2021.
TERM_START = date(2021, 3, 1)

_VILLAGE_LANES = ("大街", "东街", "西街", "南巷", "北巷", "新村", "基围路", "涌边路")
_STREET_ROADS = ("桂澜路", "南桂路", "海八路", "灯湖东路", "天佑路", "南海大道", "季华路", "佛平路")

_STATUSES = (
    PartyMember.Status.EMPLOYED,
    PartyMember.Status.WITHOUT_POST,
    PartyMember.Status.RETIRED,
    PartyMember.Status.MOBILE,
)
# Status mix per branch field, as cumulative weights over _STATUSES: retired members keep their
# membership in the community branches, office buildings are almost all in work, villages send
# many members out to work. Overall about 20% are 无职 (2,000+ of Guicheng's 10,000, seed 000).
_STATUS_CUM = {
    _FIELD_COMMUNITY: tuple(accumulate((24, 24, 44, 8))),
    _FIELD_COMPOUND: tuple(accumulate((45, 20, 27, 8))),
    _FIELD_BUILDING: tuple(accumulate((78, 9, 3, 10))),
    _FIELD_RURAL: tuple(accumulate((30, 22, 32, 16))),
}

# How many members a branch of each field holds, relative to the others.
_BRANCH_WEIGHT = {_FIELD_COMMUNITY: 1.6, _FIELD_COMPOUND: 1.0, _FIELD_BUILDING: 0.7, _FIELD_RURAL: 1.0}


class _Member(NamedTuple):
    id_number: str
    name: str
    gender: str
    status: str
    organization: str
    residence: str | None
    joined_on: date
    phone: str
    address: str
    birth_date: date


@dataclass
class _MemberPlan:
    members: list[_Member]
    # (organisation name, community name, ID number of its 书记, started on)
    secretaries: list[tuple[str, str, str, date]]
    # (community name, ID number of its 主任, started on)
    directors: list[tuple[str, str, date]]


def _spread_members(communities: Sequence[_Community], total: int, rng: random.Random) -> None:
    weights = [
        (1.3 if community.kind == _URBAN else 1.0) * (4 + len(community.level2)) * rng.uniform(0.7, 1.3)
        for community in communities
    ]
    minimums = [community.minimum_members() for community in communities]
    for community, count in zip(communities, _spread(total, weights, minimums), strict=True):
        community.members = count


def _plan_members(street: _Street, community: _Community, people: _People) -> _MemberPlan:
    rng = _rng(street.name, community.name, "members")
    dice = _Dice(rng)
    prefix = f"广东省佛山市{street.district}{street.name}"
    homes = [name for name, kind in community.level2 if kind == Grid.Kind.COMPOUND]
    lanes = [society.removesuffix("经济社") for society in community.societies] or list(_VILLAGE_LANES)
    neighbours = [other.name for other in street.communities if other.name != community.name]

    def address() -> str:
        if community.kind == _URBAN:
            if homes:
                home = dice.pick(homes)
                return f"{prefix}{home}{dice.between(1, 30)}座{dice.between(1, 32)}{dice.between(1, 8):02d}房"
            return f"{prefix}{dice.pick(_STREET_ROADS)}{dice.between(1, 300)}号"
        return f"{prefix}{community.name}{dice.pick(lanes)}{dice.between(1, 12)}巷{dice.between(1, 60)}号"

    def member(org_name: str, status: str, born: tuple[int, int] | None = None) -> _Member:
        id_number, name, gender, birth, joined, phone = people.person(dice, status=status, born=born)
        if status == PartyMember.Status.MOBILE:
            residence = None  # working and living elsewhere
        elif neighbours and dice.random() < 0.1:
            residence = dice.pick(neighbours)
        else:
            residence = community.name
        return _Member(id_number, name, gender, status, org_name, residence, joined, phone, address(), birth)

    orgs = community.member_orgs()
    names = [community.own_org if org is None else org.name for org in orgs]
    # Two full-time community cadres, kept in the first branch: the 书记 and, unless the
    # community has “一肩挑”, a separate 主任.
    cadres = [member(names[0], PartyMember.Status.EMPLOYED, born=(1970, 1988)) for _ in range(2)]
    members = list(cadres)
    secretaries = [(community.own_org, community.name, cadres[0].id_number, TERM_START)]
    director = cadres[0] if community.one_shoulder else cadres[1]
    directors = [(community.name, director.id_number, TERM_START)]

    weights = [(2.0 if org is None else _BRANCH_WEIGHT.get(org.field, 1.0)) * rng.uniform(0.6, 1.4) for org in orgs]
    counts = _spread(community.members - len(cadres), weights, [3] * len(orgs))
    for org, org_name, count in zip(orgs, names, counts, strict=True):
        cum = _STATUS_CUM.get(_FIELD_COMMUNITY if org is None else org.field, _STATUS_CUM[_FIELD_COMPOUND])
        block = [member(org_name, dice.weighted(_STATUSES, cum)) for _ in range(count)]
        members += block
        if org is not None:
            holder = next((m for m in block if m.status != PartyMember.Status.MOBILE), block[0])
            started = _date_between(rng, TERM_START, date(2023, 3, 31))
            secretaries.append((org_name, community.name, holder.id_number, started))
    return _MemberPlan(members, secretaries, directors)


def _chunks(items: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_ids(id_numbers: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(id_numbers):
        # The ``exclude`` repeats the condition of the partial unique index on ``id_number``:
        # PostgreSQL cannot infer it from a long IN list, and without it scans the whole table.
        # No ordering: the model's default one joins the organisation and street tables.
        rows = PartyMember.objects.filter(id_number__in=chunk).exclude(id_number="").order_by()
        found.update(rows.values_list("id_number", "pk"))
    return found


def _write_members(
    plan: _Street,
    people: _People,
    community_ids: dict[str, int],
    org_ids: dict[str, int],
    *,
    history: bool,
    created: Counter,
) -> None:
    members: list[_Member] = []
    secretaries: list[tuple[str, str, str, date]] = []
    directors: list[tuple[str, str, date]] = []
    for community in plan.communities:
        planned = _plan_members(plan, community, people)
        members += planned.members
        secretaries += planned.secretaries
        directors += planned.directors

    existing = _existing_ids([m.id_number for m in members])
    new = [
        PartyMember(
            name=m.name,
            gender=m.gender,
            status=m.status,
            organization_id=org_ids[m.organization],
            residence_community_id=community_ids[m.residence] if m.residence else None,
            joined_on=m.joined_on,
            phone=m.phone,
            id_number=m.id_number,
            address=m.address,
            birth_date=m.birth_date,
            is_demo=True,
        )
        for m in members
        if m.id_number not in existing
    ]
    del members
    _create(PartyMember, new, history=history, created=created)
    del new

    # Positions: only where the body has no current holder, so a real appointment entered
    # by staff is never doubled.
    person_ids = _existing_ids([holder for *_, holder, _ in secretaries] + [holder for _, holder, _ in directors])
    with_secretary = set(
        Position.objects.current()
        .filter(role=Position.Role.SECRETARY, organization__street__name=plan.name)
        .values_list("organization_id", flat=True)
    )
    with_director = set(
        Position.objects.current()
        .filter(role=Position.Role.DIRECTOR, community__street__name=plan.name)
        .values_list("community_id", flat=True)
    )
    positions = [
        Position(
            person_id=person_ids[holder],
            role=Position.Role.SECRETARY,
            organization_id=org_ids[org],
            community_id=community_ids[community],
            started_on=started,
            is_demo=True,
        )
        for org, community, holder, started in secretaries
        if org_ids[org] not in with_secretary
    ] + [
        Position(
            person_id=person_ids[holder],
            role=Position.Role.DIRECTOR,
            community_id=community_ids[community],
            started_on=started,
            is_demo=True,
        )
        for community, holder, started in directors
        if community_ids[community] not in with_director
    ]
    _create(Position, positions, history=history, created=created)
