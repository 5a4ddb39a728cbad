"""Places: the level-2 and level-3 grids and the economic societies a community is planned with,
and the demo districts, streets, communities and grids written from the plan. (The societies
are written with the party organisations, whose branches point at them.)"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from ..models import Community, District, Grid, Street
from .base import _RURAL, _chinese_number, _Community, _create, _rng, _spread, _Street

_COMPOUND_PREFIX = (
    "锦绣", "碧水", "翠湖", "怡景", "嘉信", "丽港", "金域", "雅园", "富豪", "新城", "海逸", "南湾",
    "湖景", "凯旋", "恒福", "康乐", "君汇", "悦澜", "紫荆", "桂园", "荔湾", "松涛", "云山", "天悦",
    "泰和", "银河", "骏景", "逸翠", "星汇", "御景", "江岸", "榕庭", "福临", "宝瑞", "东方", "汇景",
    "明珠", "花城", "雅苑", "金沙",
)  # fmt: skip
_COMPOUND_SUFFIX = ("花园", "豪庭", "名苑", "新村", "雅居", "华庭", "山庄", "公馆", "家园", "半岛")
_BUILDING_PREFIX = (
    "汇金", "环宇", "创富", "鸿业", "瀚天", "丰盛", "远景", "金汇", "新世纪", "国信", "时代", "港湾",
    "盈峰", "百合", "嘉业", "腾达", "宏图", "信达", "晨光", "滨江",
)  # fmt: skip
_BUILDING_SUFFIX = ("大厦", "商务中心", "国际中心", "金融大厦", "写字楼", "商务大厦")
_SOCIETY_STEMS = (
    "东约", "西约", "南约", "北约", "大社", "新社", "沙头", "石龙", "塘边", "围口", "龙头", "水口",
    "涌边", "基头", "上街", "下街", "松园", "榕树", "岗头", "田心", "桥头", "祠前", "新基", "洲头",
    "大岸", "南便", "北便", "东便", "西便", "元岗",
)  # fmt: skip

_LEVEL3_WEIGHT = {Grid.Kind.COMPOUND: 1.3, Grid.Kind.BUILDING: 1.0, Grid.Kind.RESIDENT_GROUP: 0.8}


def _plan_level2(community: _Community, count: int) -> None:
    rng = _rng(community.street, community.name, "level2")
    if community.kind == _RURAL:
        shares = (0.8, 0.2, 0.0)  # villages: 居民小组, a few new compounds
    elif community.in_cbd:
        shares = (0.05, 0.45, 0.5)  # the 千灯湖 business district: offices and compounds
    else:
        shares = (0.1, 0.65, 0.25)
    kinds = rng.choices((Grid.Kind.RESIDENT_GROUP, Grid.Kind.COMPOUND, Grid.Kind.BUILDING), shares, k=count)
    compounds = rng.sample([p + s for p in _COMPOUND_PREFIX for s in _COMPOUND_SUFFIX], count)
    buildings = rng.sample([p + s for p in _BUILDING_PREFIX for s in _BUILDING_SUFFIX], count)
    groups = 0
    for i, kind in enumerate(kinds):
        if kind == Grid.Kind.RESIDENT_GROUP:
            groups += 1
            name = f"第{_chinese_number(groups)}居民小组"
        else:
            name = compounds[i] if kind == Grid.Kind.COMPOUND else buildings[i]
        community.level2.append((name, kind))


def _plan_level3(communities: Sequence[_Community], total: int, rng: random.Random) -> None:
    """Spread ``total`` responsibility zones over every level-2 grid of ``communities``."""
    parents = [(community, name, kind) for community in communities for name, kind in community.level2]
    weights = [_LEVEL3_WEIGHT[kind] * rng.uniform(0.6, 1.4) for _, _, kind in parents]
    counts = _spread(total, weights, [1] * len(parents))
    for (community, parent, kind), count in zip(parents, counts, strict=True):
        for i in range(1, count + 1):
            name = f"{i}座责任区" if kind == Grid.Kind.COMPOUND else f"第{_chinese_number(i)}责任区"
            community.level3.append((parent, name))


def _plan_societies(community: _Community) -> None:
    rng = _rng(community.street, community.name, "societies")
    community.societies = [f"{stem}经济社" for stem in rng.sample(_SOCIETY_STEMS, rng.randint(3, 8))]


def _write_places(plan: _Street, *, created: Counter) -> tuple[Street, dict[str, int]]:
    if plan.create:
        district = District.objects.filter(name=plan.district).first()
        if district is None:
            _create(District, [District(name=plan.district, is_demo=True)], history=True, created=created)
            district = District.objects.get(name=plan.district)
        if not Street.objects.filter(name=plan.name).exists():
            street = Street(
                district=district, name=plan.name, party_org_name=f"中共{plan.name}工作委员会", is_demo=True
            )
            _create(Street, [street], history=True, created=created)
    street = Street.objects.get(name=plan.name)
    community_ids = dict(Community.objects.filter(street=street).values_list("name", "pk"))
    new = [
        Community(
            street=street,
            name=c.name,
            kind=c.kind,
            notes="演示数据：为达到佛山全市规模而生成。",
            is_demo=True,
        )
        for c in plan.communities
        if c.create and c.name not in community_ids
    ]
    for community in new:
        community.fill_pinyin()  # bulk_create skips save()
    if new:
        _create(Community, new, history=True, created=created)
        community_ids = dict(Community.objects.filter(street=street).values_list("name", "pk"))
    return street, community_ids


def _write_grids(plan: _Street, community_ids: dict[str, int], *, history: bool, created: Counter):
    """Three passes, one per level; each child's path is its parent's path as stored, so a
    renamed real parent still gets consistent children."""

    def stored() -> tuple[dict[int, tuple[int, str]], dict[tuple[int, str], tuple[int, str]]]:
        level1, below = {}, {}
        rows = Grid.objects.filter(community__street__name=plan.name).values_list(
            "pk", "community_id", "parent_id", "level", "name", "path"
        )
        for pk, community_id, parent_id, level, name, path in rows:
            if level == Grid.Level.COMMUNITY:
                level1[community_id] = (pk, path)
            else:
                below[(parent_id, name)] = (pk, path)
        return level1, below

    level1, below = stored()
    new = [
        Grid(
            community_id=community_ids[c.name],
            level=Grid.Level.COMMUNITY,
            kind=Grid.Kind.COMMUNITY,
            name=c.name,
            path=c.name,
            is_demo=True,
        )
        for c in plan.communities
        if community_ids[c.name] not in level1
    ]
    if new:
        _create(Grid, new, history=history, created=created)
        level1, below = stored()

    def children(level: int, parent_of, items_of) -> list[Grid]:
        grids = []
        for c in plan.communities:
            community_id = community_ids[c.name]
            for parent_key, name, kind in items_of(c):
                parent_id, parent_path = parent_of(community_id, parent_key)
                if (parent_id, name) not in below:
                    grids.append(
                        Grid(
                            community_id=community_id,
                            parent_id=parent_id,
                            level=level,
                            kind=kind,
                            name=name,
                            path=f"{parent_path}/{name}",
                            is_demo=True,
                        )
                    )
        return grids

    new = children(
        Grid.Level.COMPOUND,
        lambda community_id, _: level1[community_id],
        lambda c: [(None, name, kind) for name, kind in c.level2],
    )
    if new:
        _create(Grid, new, history=history, created=created)
        level1, below = stored()
    new = children(
        Grid.Level.ZONE,
        lambda community_id, parent: below[(level1[community_id][0], parent)],
        lambda c: [(parent, name, Grid.Kind.ZONE) for parent, name in c.level3],
    )
    if new:
        _create(Grid, new, history=history, created=created)
        level1, below = stored()
    return level1, below
