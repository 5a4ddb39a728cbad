"""Party organisations: the branches a community is planned with (one per compound, office
building and economic society, and community branches); the working committee, each
community's own organisation, the economic societies and the branches as written; and the
economic societies' 党建阵地."""

from __future__ import annotations

from collections import Counter
from datetime import date

from ..models import EconomicSociety, Grid, PartyOrganization, ServiceCenter, Street
from .base import (
    _FIELD_BUILDING,
    _FIELD_COMMUNITY,
    _FIELD_COMPOUND,
    _FIELD_RURAL,
    _RURAL,
    _Branch,
    _chinese_number,
    _Community,
    _create,
    _date_between,
    _rng,
    _Street,
)

# Share of economic societies with a 党建阵地 of their own (730 item 3.4, 一社一支部一阵地).
SOCIETY_POINT_SHARE = 0.75


def _plan_branches(community: _Community, community_branches: int, *, working_committee: str) -> None:
    """Branches of a community: one per compound and office building (小区党支部, 楼宇党支部),
    one per economic society (“一社一支部”), and ``community_branches`` community branches."""
    rng = _rng(community.street, community.name, "branches")
    # A branch cannot have branches; when the own organisation is one, the grid branches report
    # to the working committee. Their field keeps them from counting as the community's own.
    parent = working_committee if community.own_org_is_branch else ""

    def founded() -> date:
        return _date_between(rng, date(2005, 1, 1), date(2022, 12, 31))

    for i in range(1, community_branches + 1):
        field_ = _FIELD_RURAL if community.kind == _RURAL else _FIELD_COMMUNITY
        community.branches.append(_Branch(f"{community.name}第{_chinese_number(i)}党支部", field_, founded()))
    for name, kind in community.level2:
        if kind == Grid.Kind.COMPOUND:
            suffix = "党支部" if name.endswith("小区") else "小区党支部"
            community.branches.append(
                _Branch(f"{community.name}{name}{suffix}", _FIELD_COMPOUND, founded(), grid=name, parent=parent)
            )
        elif kind == Grid.Kind.BUILDING:
            community.branches.append(
                _Branch(f"{community.name}{name}党支部", _FIELD_BUILDING, founded(), grid=name, parent=parent)
            )
    for society in community.societies:
        community.branches.append(
            _Branch(f"{community.name}{society}党支部", _FIELD_RURAL, founded(), society=society, parent=parent)
        )


def _grid_branch_count(community: _Community) -> int:
    return sum(1 for _, kind in community.level2 if kind in (Grid.Kind.COMPOUND, Grid.Kind.BUILDING))


def _write_organizations(
    plan: _Street,
    street: Street,
    community_ids: dict[str, int],
    grids: tuple[dict, dict],
    *,
    history: bool,
    created: Counter,
) -> dict[str, int]:
    level1, below = grids

    def stored() -> dict[str, int]:
        return dict(PartyOrganization.objects.filter(street=street).values_list("name", "pk"))

    org_ids = stored()
    if plan.working_committee not in org_ids:
        committee = PartyOrganization(
            street=street,
            name=plan.working_committee,
            kind=PartyOrganization.Kind.WORKING_COMMITTEE,
            field=PartyOrganization.Field.ORGAN,
            is_demo=True,
        )
        _create(PartyOrganization, [committee], history=history, created=created)
        org_ids = stored()
    own = [
        PartyOrganization(
            street=street,
            name=c.own_org,
            kind=PartyOrganization.Kind.COMMITTEE,
            field=_FIELD_RURAL if c.kind == _RURAL else _FIELD_COMMUNITY,
            parent_id=org_ids[plan.working_committee],
            community_id=community_ids[c.name],
            grid_id=level1[community_ids[c.name]][0],
            is_demo=True,
        )
        for c in plan.communities
        if c.own_org not in org_ids
    ]
    if own:
        _create(PartyOrganization, own, history=history, created=created)
        org_ids = stored()

    society_ids = dict(
        ((community_id, name), pk)
        for pk, community_id, name in EconomicSociety.objects.filter(community__street=street).values_list(
            "pk", "community_id", "name"
        )
    )
    societies = [
        EconomicSociety(community_id=community_ids[c.name], name=name, is_demo=True)
        for c in plan.communities
        for name in c.societies
        if (community_ids[c.name], name) not in society_ids
    ]
    if societies:
        _create(EconomicSociety, societies, history=history, created=created)
        society_ids = dict(
            ((community_id, name), pk)
            for pk, community_id, name in EconomicSociety.objects.filter(community__street=street).values_list(
                "pk", "community_id", "name"
            )
        )

    branches = []
    for c in plan.communities:
        community_id = community_ids[c.name]
        level1_id = level1[community_id][0]
        for branch in c.branches:
            if branch.reference or branch.name in org_ids:
                continue
            branches.append(
                PartyOrganization(
                    street=street,
                    name=branch.name,
                    kind=PartyOrganization.Kind.BRANCH,
                    field=branch.field,
                    parent_id=org_ids[branch.parent or c.own_org],
                    community_id=community_id,
                    grid_id=below[(level1_id, branch.grid)][0] if branch.grid else level1_id,
                    economic_society_id=society_ids[(community_id, branch.society)] if branch.society else None,
                    founded_on=branch.founded_on,
                    is_demo=True,
                )
            )
    if branches:
        _create(PartyOrganization, branches, history=history, created=created)
        org_ids = stored()
    return org_ids


def _write_society_points(plan: _Street, street: Street, *, history: bool, created: Counter) -> None:
    """730 item 3.4 “一社一支部一阵地”: about three economic societies in four have a place of
    their own for party activities (经济社党建阵地), drawn per society so every run draws alike."""
    societies = (
        EconomicSociety.objects.filter(community__street=street)
        .select_related("community")
        .order_by("community__name", "name")
    )
    taken = set(ServiceCenter.objects.filter(street=street).values_list("name", flat=True))
    points = []
    for society in societies:
        if _rng(plan.name, society.community.name, society.name, "point").random() >= SOCIETY_POINT_SHARE:
            continue
        name = f"{society.community.name}{society.name}党建阵地"
        if name in taken:
            continue
        point = ServiceCenter(
            street=street,
            community=society.community,
            economic_society=society,
            name=name,
            level=ServiceCenter.Level.ECONOMIC_SOCIETY,
            description="演示数据：经济社党建阵地（一社一支部一阵地）。",
            is_published=True,
            is_demo=True,
        )
        point.fill_pinyin()  # bulk_create skips save()
        points.append(point)
    _create(ServiceCenter, points, history=history, created=created)
