"""What the parts of the volunteers demo share: the seed, the day the past is counted from, and
the draws of names and moments."""

from __future__ import annotations

import random
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from organizations.demo.people import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

SEED = "guicheng-volunteers-demo-v1"
BEIJING = ZoneInfo("Asia/Shanghai")
AS_OF = date(2023, 6, 30)

CHANGE_REASON = "演示数据生成"


def _rng(*parts) -> random.Random:
    return random.Random(":".join([SEED, *map(str, parts)]))


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING)


def _person(rng: random.Random) -> str:
    pool = GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE
    return rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(2))
