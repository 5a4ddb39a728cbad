"""The two scales: Guicheng at its published size, planned from its reference data, and the
demo streets that bring Foshan to its city-wide totals."""

from __future__ import annotations

import json
from datetime import date

from ..models import Community, EconomicSociety, PartyOrganization, Street
from ..selectors import COMMUNITY_FIELDS
from ..services import GUICHENG_FIXTURE
from .base import _RURAL, _URBAN, _Branch, _Community, _rng, _spread, _Street
from .members import _spread_members
from .party_organizations import _grid_branch_count, _plan_branches
from .places import _plan_level2, _plan_level3, _plan_societies

# Guicheng at its published size (seeds 000 and 003): about 700 grids, 460+ branches, 10,000+
# members, “一肩挑” in 15 of the 22 rural communities (68 %). The reference data brings 10 branches.
GUICHENG_LEVEL2 = 220
GUICHENG_LEVEL3 = 435
GUICHENG_NEW_BRANCHES = 458
GUICHENG_MEMBERS = 10_300
GUICHENG_ONE_SHOULDER = 15

CBD_CLUSTER = "千灯湖片区"

# Foshan city-wide, Guicheng included (data/guicheng_2023.json → foshan_city_scale).
FOSHAN_STREETS = 32
FOSHAN_COMMUNITIES = 787
FOSHAN_URBAN = 191
FOSHAN_LEVEL2 = 5_302
FOSHAN_LEVEL3 = 10_721
FOSHAN_MEMBERS = 350_000
DEMO_DISTRICTS = 4


def _reference_branches() -> dict[str, list[_Branch]]:
    """Branches of the reference data under a community's own organisation (夏东's five economic
    society branches, 万锦豪园小区党支部), by community. Read from the fixture file rather than
    the database, so a branch staff add later does not change the plan."""
    data = json.loads(GUICHENG_FIXTURE.read_text(encoding="utf-8"))
    community_of = {item["name"]: item.get("community") for item in data["party_organizations"]}
    found: dict[str, list[_Branch]] = {}
    for item in data["party_organizations"]:
        community = item.get("community")
        if item["kind"] == "branch" and community and community_of.get(item.get("parent")) == community:
            found.setdefault(community, []).append(
                _Branch(
                    item["name"],
                    item["field"],
                    date(2005, 1, 1),
                    society=item.get("economic_society") or "",
                    reference=True,
                )
            )
    return found


def _guicheng_plan(street: Street) -> _Street:
    """The demo layer for the real Guicheng street, planned from its reference data only (never
    from demo rows), so that every run plans the same."""
    communities = sorted(Community.objects.filter(street=street).select_related("area_cluster"), key=lambda c: c.name)
    own_orgs: dict[int, PartyOrganization] = {}
    candidates = (
        PartyOrganization.objects.filter(community__street=street, field__in=COMMUNITY_FIELDS)
        .select_related("parent")
        .order_by("name")
    )
    for org in candidates:
        if (org.parent is None or org.parent.community_id != org.community_id) and org.community_id not in own_orgs:
            own_orgs[org.community_id] = org
    with_real_societies = set(
        EconomicSociety.objects.filter(community__street=street, is_demo=False).values_list("community_id", flat=True)
    )
    working_committee = f"{street.name}党工委"

    plans = []
    for community in communities:
        own = own_orgs.get(community.pk)
        plans.append(
            _Community(
                street=street.name,
                name=community.name,
                kind=community.kind,
                own_org=own.name if own else f"{community.name}党委",
                own_org_is_branch=bool(own and own.kind == PartyOrganization.Kind.BRANCH),
                in_cbd=bool(community.area_cluster and community.area_cluster.name == CBD_CLUSTER),
            )
        )
    rng = _rng(street.name, "structure")
    weights = [(1.5 if c.in_cbd else 1.2 if c.kind == _URBAN else 1.0) * rng.uniform(0.6, 1.4) for c in plans]
    for community, count in zip(plans, _spread(GUICHENG_LEVEL2, weights, [2] * len(plans)), strict=True):
        _plan_level2(community, count)
    _plan_level3(plans, GUICHENG_LEVEL3, rng)
    for community, model in zip(plans, communities, strict=True):
        if community.kind == _RURAL and model.pk not in with_real_societies:
            _plan_societies(community)

    # Community branches make up what grids and societies leave of the 458 new branches.
    eligible = [c for c in plans if not c.own_org_is_branch]
    fixed = sum(_grid_branch_count(c) + len(c.societies) for c in plans)
    weights = [(1.3 if c.kind == _URBAN else 0.8) * rng.uniform(0.7, 1.3) for c in eligible]
    counts = dict(
        zip(
            (c.name for c in eligible),
            _spread(GUICHENG_NEW_BRANCHES - fixed, weights, [1] * len(eligible)),
            strict=True,
        )
    )
    reference = _reference_branches()
    for community in plans:
        _plan_branches(community, counts.get(community.name, 0), working_committee=working_committee)
        community.branches += reference.get(community.name, [])
    _spread_members(plans, GUICHENG_MEMBERS, rng)
    # The reform's base is the rural communities (selectors.one_shoulder_summary): 15 of Guicheng's 22.
    rural = [c for c in plans if c.kind == _RURAL]
    for community in rng.sample(rural, GUICHENG_ONE_SHOULDER):
        community.one_shoulder = True
    return _Street(street.district.name, street.name, working_committee, plans)


def _foshan_plan(
    guicheng: _Street, *, streets: int, communities: int, urban: int, level2: int, level3: int, members: int
) -> list[_Street]:
    """The demo streets that bring the city to the given totals (Guicheng's plan included)."""
    extra_streets = streets - 1
    extra_communities = communities - len(guicheng.communities)
    extra_urban = urban - sum(1 for c in guicheng.communities if c.kind == _URBAN)
    extra_level2 = level2 - sum(len(c.level2) for c in guicheng.communities)
    extra_level3 = level3 - sum(len(c.level3) for c in guicheng.communities)
    extra_members = members - sum(c.members for c in guicheng.communities)
    if extra_streets < 0:
        raise ValueError("街道总数至少为1（桂城街道）。")
    if extra_streets == 0:
        if extra_communities or extra_level2 or extra_level3 or extra_members or extra_urban:
            raise ValueError("只有桂城街道时，社区、网格和党员总数必须等于桂城街道的演示规模。")
        return []
    if extra_communities < extra_streets:
        raise ValueError(f"社区总数至少为 {len(guicheng.communities) + extra_streets}：每个演示街道至少一个社区。")
    if not 0 <= extra_urban <= extra_communities:
        raise ValueError("城市社区数超出范围。")
    if extra_level2 < extra_communities:
        raise ValueError("二级网格总数不足：每个演示社区至少一个二级网格。")
    if extra_level3 < extra_level2:
        raise ValueError("三级网格总数不足：每个二级网格至少一个三级网格。")

    rng = _rng("佛山市", "structure")
    sizes = _spread(extra_communities, [rng.uniform(0.6, 1.4) for _ in range(extra_streets)], [1] * extra_streets)
    plans = []
    for index, size in enumerate(sizes):
        name = f"演示街道{index + 1:02d}"
        plans.append(
            _Street(
                district=f"演示区{index % DEMO_DISTRICTS + 1:02d}",
                name=name,
                working_committee=f"{name}党工委",
                communities=[
                    _Community(street=name, name=f"演示社区{i + 1:02d}", kind=_RURAL, own_org="", create=True)
                    for i in range(size)
                ],
                create=True,
            )
        )
    # Urban communities gather in the central streets, as they do in a real city: rank every
    # community by its street's urbanity plus a little noise, and the top ones are urban.
    ranked = []
    for street in plans:
        urbanity = rng.random()
        ranked += [(urbanity + rng.uniform(0, 0.5), community) for community in street.communities]
    everyone = [community for _, community in ranked]
    order = sorted(range(len(ranked)), key=lambda i: (-ranked[i][0], i))
    for i in order[:extra_urban]:
        everyone[i].kind = _URBAN
    for community in everyone:
        community.own_org = f"{community.name}党委"

    weights = [(1.2 if c.kind == _URBAN else 1.0) * rng.uniform(0.6, 1.4) for c in everyone]
    for community, count in zip(everyone, _spread(extra_level2, weights, [1] * len(everyone)), strict=True):
        _plan_level2(community, count)
    _plan_level3(everyone, extra_level3, rng)
    for street in plans:
        for community in street.communities:
            if community.kind == _RURAL:
                _plan_societies(community)
            branch_rng = _rng(community.street, community.name, "community-branches")
            count = branch_rng.randint(3, 6) if community.kind == _URBAN else branch_rng.randint(1, 3)
            _plan_branches(community, count, working_committee=street.working_committee)
            # Most of Guangdong's communities took up “一肩挑” in the 2021 elections.
            community.one_shoulder = branch_rng.random() < 0.6
    _spread_members(everyone, extra_members, rng)
    return plans
