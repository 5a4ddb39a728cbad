"""Synthetic people: names from pools no person named in the reports shares a character with,
ID numbers in a region code never issued (unique across a run), phones and dates, drawn fast
enough for 350,000 members."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from datetime import date
from itertools import accumulate

from ..models import PartyMember
from ..validators import id_number_check_char
from .base import AS_OF

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

_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "199",
)  # fmt: skip

# Birth years per status.
_BIRTH_YEARS = {
    PartyMember.Status.EMPLOYED: (1964, 2001),
    PartyMember.Status.WITHOUT_POST: (1956, 1999),
    PartyMember.Status.RETIRED: (1936, 1963),
    PartyMember.Status.MOBILE: (1968, 2001),
}


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
