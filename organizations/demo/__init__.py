"""Demo data: Guicheng filled out to its published size, and the whole of Foshan for benchmarks.

Used by ``manage.py seed_demo`` (and so by ``bootstrap`` / ``make run`` and ``make bench``).
Three promises the callers rely on:

* deterministic — every choice comes from a ``random.Random`` seeded with ``SEED`` and the names
  of the places it is for. Nothing reads the clock or the global random state and nothing
  iterates over a set, so any two runs, in any process, plan the same rows;
* idempotent — rows are matched on the keys their unique constraints hold (a grid on its parent
  and name, a member on the ID number …) and only missing ones are created; a second run
  creates nothing. Because the plan never depends on demo rows already present, a half-finished
  run is completed by the next one;
* bulk — rows are written with ``bulk_create`` in chunks of ``CHUNK_SIZE``. ``save()`` and
  ``clean()`` never run, so what they would fill in (``Grid.path``, a position's community) is
  set here, and the database constraints are the only check.

Names of people are a common Cantonese surname and two given characters from fixed pools that
share no character with the given name of anyone named in the source articles, so a demo member
can never carry the name of a real person from the reports. ID numbers use the region code
440699, which has never been issued, so they cannot be anybody's real number either.
"""

from __future__ import annotations

import json
import random
from bisect import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import NamedTuple

from django.db import connection, models, transaction
from simple_history.utils import bulk_create_with_history

from ..models import (
    CoBuildingAgreement,
    Community,
    District,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    PartyMember,
    PartyOrganization,
    Position,
    Resource,
    ServiceCenter,
    Street,
)
from ..selectors import COMMUNITY_FIELDS
from ..services import GUICHENG_FIXTURE, guicheng_load
from ..validators import id_number_check_char

SEED = "guicheng-portal-demo-v1"
# Rows per INSERT batch and per history batch: big enough to be fast, small enough that one
# chunk of members and their history rows stays a few megabytes.
CHUNK_SIZE = 5_000
# Some lookups use ``__in`` lists; SQLite allows 999 parameters per query.
IN_CHUNK = 900
CHANGE_REASON = "演示数据生成"
# JointMeeting, CoBuildingAgreement, Resource and Need have no ``is_demo`` flag, so their text
# says it instead.

# Guicheng at its published size (seeds 000 and 003): about 700 grids, 460+ branches, 10,000+
# members, “一肩挑” in 15 of the 22 rural communities (68 %). The reference data brings 10 branches.
GUICHENG_LEVEL2 = 220
GUICHENG_LEVEL3 = 435
GUICHENG_NEW_BRANCHES = 458
GUICHENG_MEMBERS = 10_300
GUICHENG_ONE_SHOULDER = 15
# Share of economic societies with a 党建阵地 of their own (730 item 3.4, 一社一支部一阵地).
SOCIETY_POINT_SHARE = 0.75
CBD_CLUSTER = "千灯湖片区"

# Foshan city-wide, Guicheng included (data/guicheng_2023.json → foshan_city_scale).
FOSHAN_STREETS = 32
FOSHAN_COMMUNITIES = 787
FOSHAN_URBAN = 191
FOSHAN_LEVEL2 = 5_302
FOSHAN_LEVEL3 = 10_721
FOSHAN_MEMBERS = 350_000
DEMO_DISTRICTS = 4

# Every date is counted back from here, never from today, so a run next year plans the same rows.
AS_OF = date(2023, 6, 30)
# Guangdong re-elected every village and community committee in 2021.
TERM_START = date(2021, 3, 1)
# Never issued (Foshan's codes are 440602–440608 and 440681–440684).
ID_REGION = "440699"

# Surnames common in Nanhai, weighted roughly by how common they are.
_SURNAMES = (
    ("陈", 10), ("李", 6), ("黄", 6), ("梁", 5), ("张", 4), ("何", 3), ("吴", 3), ("林", 3),
    ("刘", 3), ("杨", 3), ("罗", 2), ("冯", 2), ("潘", 2), ("麦", 2), ("邓", 2), ("谢", 2),
    ("郭", 2), ("关", 2), ("叶", 2), ("周", 2), ("苏", 2), ("卢", 2), ("钟", 2), ("谭", 2),
    ("曾", 2), ("胡", 2), ("区", 1), ("伍", 1), ("莫", 1), ("霍", 1), ("简", 1), ("冼", 1),
    ("岑", 1), ("袁", 1), ("崔", 1), ("彭", 1), ("蔡", 1), ("方", 1), ("招", 1), ("邝", 1),
)  # fmt: skip
_SURNAME_CHARS = tuple(name for name, _ in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(weight for _, weight in _SURNAMES))
# No character here occurs in the given name of a person named in seeds/000–004.
GIVEN_MALE = "俊浩锦宏德海振国兴强永立彬达智耀腾辉铭泽润炳坚楚东汉棠庆培星宇翔骏峰栋泰豪卓灿炜坤"
GIVEN_FEMALE = "婉雯静丽敏燕玲芳婷颖欣洁慧琳嘉秀雪梅桂兰凤月媚娟霞琼碧翠萍玉珍妙诗韵晓怡倩"
SURNAMES = _SURNAME_CHARS

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
_VILLAGE_LANES = ("大街", "东街", "西街", "南巷", "北巷", "新村", "基围路", "涌边路")
_STREET_ROADS = ("桂澜路", "南桂路", "海八路", "灯湖东路", "天佑路", "南海大道", "季华路", "佛平路")
_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "199",
)  # fmt: skip

_MEETING_TOPICS = (
    "小区停车难", "老旧小区加装电梯", "垃圾分类提质", "老旧小区微改造", "长者饭堂运营", "消防通道畅通",
    "社区环境整治", "青少年暑期托管", "文明城市创建", "防汛防台准备", "楼宇企业用工对接", "电动自行车充电",
)  # fmt: skip
_PARTNER_BRANDS = ("锦程", "嘉和", "恒信", "汇达", "粤华", "南星", "德润", "宏远", "信诚", "荔峰", "新桂", "瑞景")
_PARTNER_KINDS = (
    "物业服务有限公司", "律师事务所", "社会工作服务中心", "社区卫生服务站", "实验学校", "幼儿园",
    "商业银行支行", "供电服务站",
)  # fmt: skip
_RESOURCE_TITLES = (
    "党员活动场地", "法律咨询志愿服务", "义诊和健康讲座", "图书捐赠", "就业岗位信息", "长者助餐补贴",
    "儿童课后托管场地", "消防安全培训", "金融知识讲座", "企业志愿服务队",
)  # fmt: skip
_NEED_TITLES = (
    "小区停车位紧张", "长者助餐", "儿童四点半课堂", "加装电梯协调", "楼道杂物清理", "社区夜间照明",
    "家庭医生签约", "青年就业指导", "公共活动空间", "防诈骗宣传",
)  # fmt: skip

_FIELD_COMMUNITY = PartyOrganization.Field.COMMUNITY
_FIELD_RURAL = PartyOrganization.Field.RURAL
_FIELD_COMPOUND = PartyOrganization.Field.COMPOUND
_FIELD_BUILDING = PartyOrganization.Field.BUILDING
_URBAN = Community.Kind.URBAN
_RURAL = Community.Kind.RURAL

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
# Birth years per status.
_BIRTH_YEARS = {
    PartyMember.Status.EMPLOYED: (1964, 2001),
    PartyMember.Status.WITHOUT_POST: (1956, 1999),
    PartyMember.Status.RETIRED: (1936, 1963),
    PartyMember.Status.MOBILE: (1968, 2001),
}
# How many members a branch of each field holds, relative to the others.
_BRANCH_WEIGHT = {_FIELD_COMMUNITY: 1.6, _FIELD_COMPOUND: 1.0, _FIELD_BUILDING: 0.7, _FIELD_RURAL: 1.0}
_LEVEL3_WEIGHT = {Grid.Kind.COMPOUND: 1.3, Grid.Kind.BUILDING: 1.0, Grid.Kind.RESIDENT_GROUP: 0.8}


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class _Branch:
    name: str
    field: str
    founded_on: date
    # Level-2 grid name, or "" for the community's level-1 grid.
    grid: str = ""
    society: str = ""
    # Parent organisation by name; "" means the community's own organisation.
    parent: str = ""
    # A branch of the reference data: it gets members and a 书记 here, but is not created here.
    reference: bool = False


@dataclass
class _Community:
    street: str
    name: str
    kind: str
    own_org: str
    own_org_is_branch: bool = False
    in_cbd: bool = False
    create: bool = False  # a demo community of a demo street, created here
    level2: list[tuple[str, str]] = field(default_factory=list)  # (name, Grid.Kind)
    level3: list[tuple[str, str]] = field(default_factory=list)  # (level-2 name, name)
    societies: list[str] = field(default_factory=list)
    branches: list[_Branch] = field(default_factory=list)
    members: int = 0
    one_shoulder: bool = False

    def member_orgs(self) -> list[_Branch | None]:
        """Where members are kept: the own organisation when it is itself a branch (None), and
        every branch below it; the first one also keeps the community's cadres."""
        return ([None] if self.own_org_is_branch else []) + list(self.branches)

    def minimum_members(self) -> int:
        # A 党支部 needs at least three members; two more are the community's cadres.
        return 3 * len(self.member_orgs()) + 2


@dataclass
class _Street:
    district: str
    name: str
    working_committee: str
    communities: list[_Community]
    create: bool = False


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


def _rng(*parts: object) -> random.Random:
    """A generator of its own for each place and purpose, so that changing the plan of one
    community leaves every other community's rows as they were."""
    return random.Random(":".join([SEED, *(str(part) for part in parts)]))


def _spread(total: int, weights: Sequence[float], minimums: Sequence[int]) -> list[int]:
    """Split ``total`` into integers, each at least its minimum, the rest in proportion to the
    weights (largest remainder first, ties by position), summing to ``total`` exactly."""
    rest = total - sum(minimums)
    if rest < 0:
        raise ValueError(f"总数 {total} 小于各项下限之和 {sum(minimums)}")
    weight_sum = sum(weights)
    raw = [rest * weight / weight_sum for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: rest - sum(counts)]:
        counts[i] += 1
    return [count + minimum for count, minimum in zip(counts, minimums, strict=True)]


_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1–99 as written in names: 一, 十, 十二, 二十, 二十三."""
    tens, ones = divmod(n, 10)
    if not 0 < n < 100:
        raise ValueError(n)
    text = ("" if tens == 1 else _DIGITS[tens]) + "十" if tens else ""
    return text + (_DIGITS[ones] if ones else "")


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


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


def _spread_members(communities: Sequence[_Community], total: int, rng: random.Random) -> None:
    weights = [
        (1.3 if community.kind == _URBAN else 1.0) * (4 + len(community.level2)) * rng.uniform(0.7, 1.3)
        for community in communities
    ]
    minimums = [community.minimum_members() for community in communities]
    for community, count in zip(communities, _spread(total, weights, minimums), strict=True):
        community.members = count


class _Dice:
    """``random.Random`` with the few draws the member planner makes 350,000 times over.
    ``randint`` and ``choice`` cost a microsecond each in pure Python; these are one C call
    to ``random()`` and arithmetic, and as deterministic."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence):
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence, cum_weights: Sequence[float]):
        return items[bisect(cum_weights, self.random() * cum_weights[-1])]


class _People:
    """Synthetic people: names, ID numbers unique across the whole run, phones and dates."""

    def __init__(self) -> None:
        self.used_ids: set[str] = set()  # membership tests only, never iterated

    def person(self, dice: _Dice, *, status: str, born: tuple[int, int] | None = None):
        female = dice.random() < 0.38
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        name = dice.weighted(_SURNAME_CHARS, _SURNAME_CUM) + dice.pick(pool) + dice.pick(pool)
        first, last = born or _BIRTH_YEARS[status]
        birth = date(dice.between(first, last), dice.between(1, 12), dice.between(1, 28))
        stem = f"{ID_REGION}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        while True:
            # The 17th digit is odd for men and even for women (GB 11643).
            sequence = f"{dice.below(500) * 2 + (0 if female else 1):03d}"
            id_number = stem + sequence + id_number_check_char(stem + sequence)
            if id_number not in self.used_ids:
                self.used_ids.add(id_number)
                break
        latest = min(AS_OF.year - 1, birth.year + 55)
        joined = date(
            dice.between(birth.year + 18, max(birth.year + 18, latest)), dice.between(1, 12), dice.between(1, 28)
        )
        phone = dice.pick(_PHONE_PREFIXES) + f"{dice.below(10**8):08d}"
        gender = PartyMember.Gender.FEMALE if female else PartyMember.Gender.MALE
        return id_number, name, gender, birth, joined, phone


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


# --- Planning the two scales ------------------------------------------------------------------


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


# --- Writing ----------------------------------------------------------------------------------


def _create(model: type[models.Model], objs: list[models.Model], *, history: bool, created: Counter) -> None:
    """Insert in chunks; with ``history``, each row also gets its “created” history record."""
    for start in range(0, len(objs), CHUNK_SIZE):
        chunk = objs[start : start + CHUNK_SIZE]
        if history:
            bulk_create_with_history(chunk, model, batch_size=CHUNK_SIZE, default_change_reason=CHANGE_REASON)
        else:
            model._default_manager.bulk_create(chunk, batch_size=CHUNK_SIZE)
    created[model] += len(objs)


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


def _write_joint_work(
    plan: _Street, community_ids: dict[str, int], org_ids: dict[str, int], *, history: bool, created: Counter
) -> None:
    """党群联席会议, 共建协议 and the resource and needs lists of every urban community."""
    urban = [c for c in plan.communities if c.kind == _URBAN]
    ids = [community_ids[c.name] for c in urban]
    meetings_done = set(
        JointMeeting.objects.filter(community_id__in=ids).values_list("community_id", "held_on", "title")
    )
    agreements_done = set(
        CoBuildingAgreement.objects.filter(community_id__in=ids).values_list(
            "community_id", "partner_name", "signed_on"
        )
    )
    resources_done = set(Resource.objects.filter(community_id__in=ids).values_list("community_id", "provider", "title"))
    needs_done = set(Need.objects.filter(community_id__in=ids).values_list("community_id", "title", "raised_on"))

    meetings, participants, agreements, resources, needs = [], [], [], [], []
    for community in urban:
        community_id = community_ids[community.name]
        # Every value is drawn whether or not its row exists already, so the stream, and with
        # it every later row, is the same on every run.
        rng = _rng(community.street, community.name, "joint-work")
        grid_branches = [b.name for b in community.branches if b.grid]
        for topic in rng.sample(_MEETING_TOPICS, rng.randint(4, 6)):
            meeting = JointMeeting(
                community_id=community_id,
                held_on=_date_between(rng, date(2022, 7, 1), AS_OF),
                title=f"党群联席会议：{topic}",
                enterprise_count=rng.randint(3, 9),
                representative_count=rng.randint(8, 30),
                minutes=f"社区党组织牵头，召集辖区企业、物业和居民代表共同商议“{topic}”。",
                decisions="形成需求、资源、项目三张清单，明确牵头单位和完成时限。",
                is_demo=True,
            )
            guests = [community.own_org, *rng.sample(grid_branches, min(3, len(grid_branches)))]
            key = (community_id, meeting.held_on, meeting.title)
            if key not in meetings_done:
                meetings.append(meeting)
                participants.append((key, guests))
        partners = [
            f"{brand}{kind}"
            for brand, kind in zip(rng.sample(_PARTNER_BRANDS, 3), rng.sample(_PARTNER_KINDS, 3), strict=True)
        ]
        for partner in partners[:2]:
            signed_on = _date_between(rng, date(2022, 1, 1), date(2023, 3, 31))
            if (community_id, partner, signed_on) not in agreements_done:
                agreements.append(
                    CoBuildingAgreement(
                        community_id=community_id,
                        partner_name=partner,
                        signed_on=signed_on,
                        ends_on=signed_on.replace(year=signed_on.year + 2),
                        content="双方党组织结对共建，共享活动阵地，联合开展志愿服务和民生项目。",
                        is_demo=True,
                    )
                )
        offered = []
        for title in rng.sample(_RESOURCE_TITLES, 3):
            resource = Resource(
                community_id=community_id,
                provider=rng.choice(partners),
                title=title,
                description="由共建单位提供，社区统筹使用。",
                is_demo=True,
                listed_on=_date_between(rng, date(2023, 1, 1), AS_OF),
            )
            offered.append((resource.provider, title))
            if (community_id, resource.provider, title) not in resources_done:
                resources.append(resource)
        for title, status in zip(
            rng.sample(_NEED_TITLES, 3), (Need.Status.DONE, Need.Status.MATCHED, Need.Status.OPEN), strict=True
        ):
            raised_on = _date_between(rng, date(2023, 1, 1), AS_OF)
            match = None if status == Need.Status.OPEN else rng.choice(offered)
            if (community_id, title, raised_on) not in needs_done:
                needs.append((community_id, title, raised_on, status, match))

    _create(JointMeeting, meetings, history=history, created=created)
    if participants:
        meeting_ids = {
            (community_id, held_on, title): pk
            for pk, community_id, held_on, title in JointMeeting.objects.filter(community_id__in=ids).values_list(
                "pk", "community_id", "held_on", "title"
            )
        }
        through = JointMeeting.participant_organizations.through
        through.objects.bulk_create(
            [
                through(jointmeeting_id=meeting_ids[key], partyorganization_id=org_ids[name])
                for key, guests in participants
                for name in guests
            ],
            batch_size=CHUNK_SIZE,
            ignore_conflicts=True,
        )
    _create(CoBuildingAgreement, agreements, history=history, created=created)
    _create(Resource, resources, history=history, created=created)
    resource_ids = {
        (community_id, provider, title): pk
        for pk, community_id, provider, title in Resource.objects.filter(community_id__in=ids).values_list(
            "pk", "community_id", "provider", "title"
        )
    }
    _create(
        Need,
        [
            Need(
                community_id=community_id,
                title=title,
                description="居民在党群联席会议上提出。",
                is_demo=True,
                raised_on=raised_on,
                status=status,
                matched_resource_id=resource_ids[(community_id, *match)] if match else None,
            )
            for community_id, title, raised_on, status, match in needs
        ],
        history=history,
        created=created,
    )


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


def _write_street(plan: _Street, people: _People, *, history: bool, created: Counter) -> None:
    street, community_ids = _write_places(plan, created=created)
    grids = _write_grids(plan, community_ids, history=history, created=created)
    org_ids = _write_organizations(plan, street, community_ids, grids, history=history, created=created)
    _write_members(plan, people, community_ids, org_ids, history=history, created=created)
    _write_joint_work(plan, community_ids, org_ids, history=history, created=created)
    _write_society_points(plan, street, history=history, created=created)


# --- Services ---------------------------------------------------------------------------------


SEEDED_MODELS: tuple[type[models.Model], ...] = (
    District,
    Street,
    Community,
    Grid,
    EconomicSociety,
    PartyOrganization,
    PartyMember,
    Position,
    JointMeeting,
    CoBuildingAgreement,
    Resource,
    Need,
    ServiceCenter,
)


def demo_guicheng_seed() -> dict[type[models.Model], int]:
    """Fill Guicheng out to its published size with demo data. Loads the reference data first.
    Returns how many rows of each model this run created (all zero on a second run)."""
    created: Counter = Counter()
    with transaction.atomic():
        plan = _guicheng_plan(guicheng_load())
        _write_street(plan, _People(), history=True, created=created)
    _analyze()
    return {model: created[model] for model in SEEDED_MODELS}


def demo_foshan_seed(
    *,
    streets: int = FOSHAN_STREETS,
    communities: int = FOSHAN_COMMUNITIES,
    urban: int = FOSHAN_URBAN,
    level2: int = FOSHAN_LEVEL2,
    level3: int = FOSHAN_LEVEL3,
    members: int = FOSHAN_MEMBERS,
    history: bool = True,
) -> dict[type[models.Model], int]:
    """Guicheng as ``demo_guicheng_seed`` makes it, plus demo streets that bring the city to
    the given totals (Guicheng included): streets, communities (``urban`` of them urban),
    level-2 and level-3 grids (level 1 is one per community) and party members. Raises
    ``ValueError``, before writing anything, when the totals cannot be reached.

    Each demo street is written in a transaction of its own, so an interrupted run keeps what
    it finished and the next run completes the rest. ``history=False`` skips the history rows
    of the demo streets (Guicheng always gets them)."""
    created: Counter = Counter()
    people = _People()
    with transaction.atomic():
        guicheng = _guicheng_plan(guicheng_load())
        plans = _foshan_plan(
            guicheng,
            streets=streets,
            communities=communities,
            urban=urban,
            level2=level2,
            level3=level3,
            members=members,
        )
        _write_street(guicheng, people, history=True, created=created)
    for plan in plans:
        with transaction.atomic():
            _write_street(plan, people, history=history, created=created)
    _analyze()
    return {model: created[model] for model in SEEDED_MODELS}


def _analyze() -> None:
    """Refresh the planner's statistics after a bulk load: with the empty-table estimates
    PostgreSQL picks nested loops that scan every row (seconds instead of milliseconds)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
