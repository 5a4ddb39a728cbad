"""What the parts of the demo share: the seed and the day every date counts back from, the plan of
a street (its communities, and their grids, societies and branches), the draws every planner
makes, and the chunked bulk insert every writer uses."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from simple_history.utils import bulk_create_with_history

from ..models import Community, PartyOrganization

SEED = "guicheng-portal-demo-v1"
# Rows per INSERT batch and per history batch: big enough to be fast, small enough that one
# chunk of members and their history rows stays a few megabytes.
CHUNK_SIZE = 5_000

CHANGE_REASON = "演示数据生成"

# Every date is counted back from here, never from today, so a run next year plans the same rows.
AS_OF = date(2023, 6, 30)

_FIELD_COMMUNITY = PartyOrganization.Field.COMMUNITY
_FIELD_RURAL = PartyOrganization.Field.RURAL
_FIELD_COMPOUND = PartyOrganization.Field.COMPOUND
_FIELD_BUILDING = PartyOrganization.Field.BUILDING
_URBAN = Community.Kind.URBAN
_RURAL = Community.Kind.RURAL


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


def _create(model: type[models.Model], objs: list[models.Model], *, history: bool, created: Counter) -> None:
    """Insert in chunks; with ``history``, each row also gets its “created” history record."""
    for start in range(0, len(objs), CHUNK_SIZE):
        chunk = objs[start : start + CHUNK_SIZE]
        if history:
            bulk_create_with_history(chunk, model, batch_size=CHUNK_SIZE, default_change_reason=CHANGE_REASON)
        else:
            model._default_manager.bulk_create(chunk, batch_size=CHUNK_SIZE)
    created[model] += len(objs)
