"""Demo ratings for Guicheng's economic-society branches (marked 演示数据): four quarters of 2023
scored, closed and rated, the first three published, so stars have moved, some branches are
five-star and some are under rectification with a 一村一策 plan, an instructor, mentors and visits.

Deterministic: each branch's scores come from a generator seeded with its name, so every machine
gets the same stars. Idempotent: a period already closed gets no new scores, a case with a plan
is left alone, and instructors and mentors are matched by name, so a second run writes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from organizations.models import Street
from organizations.services import staff_user_create

from . import services
from .models import FollowUpVisit, Instructor, Mentor, Period, Rating, RectificationCase, Scheme, Score
from .subjects import SubjectKind, subjects_of

SEED = "guicheng-indicators-demo-v1"
YEAR = 2023
QUARTERS = (1, 2, 3, 4)
PUBLISHED = (1, 2, 3)
# (login, name, unit): machine-made names, no real person.
INSTRUCTORS = (
    ("zhidao01", "演示指导员甲", "党建工作办公室"),
    ("zhidao02", "演示指导员乙", "农村工作办公室"),
    ("zhidao03", "演示指导员丙", "经济发展办公室"),
)
MENTORS = (
    ("演示导师甲", "党校教授"),
    ("演示导师乙", "党建研究学者"),
    ("演示导师丙", "先进社区党委书记"),
    ("演示导师丁", "先进经济社党支部书记"),
)
MEASURES = {
    "动员能力": "每月开展一次党员亮身份、进户宣讲活动，发动党员群众参与环境整治和乡村振兴项目。",
    "组织能力": "规范“三会一课”和主题党日，建立党员积分台账，结对一名先进支部书记传帮带。",
    "决策能力": "落实重要事项党支部先知先议，议题提前公示、会后公开，建立决策事项台账。",
    "执行能力": "把年度重点任务分解到人、按月督办，指导员每季度跟踪落实情况并向领导小组汇报。",
}
VISIT_NOTES = (
    "到经济社跟踪“两委”班子落实提升计划，查阅会议记录和台账，提出改进意见{n}条。",
    "与支部书记、社长座谈，分析战斗力指数各维度得分，调整下一阶段措施。",
    "参加支部主题党日，检查党员先锋项目推进情况，群众反映问题{n}件已交办。",
)


def _rng(*parts) -> random.Random:
    return random.Random(":".join([SEED, *(str(p) for p in parts)]))


def _scores_by_quarter(name: str, dimensions: int) -> dict[int, list[Decimal]]:
    """A branch's points per quarter: a level of its own that drifts from quarter to quarter,
    and some spread between the four abilities."""
    rng = _rng(name)
    level = rng.uniform(62, 97)
    found = {}
    for quarter in QUARTERS:
        level = min(99.0, max(45.0, level + rng.gauss(0, 5)))
        found[quarter] = [
            Decimal(str(round(min(100.0, max(30.0, level + rng.gauss(0, 3))) * 2) / 2)) for _ in range(dimensions)
        ]
    return found


def _instructors(street: Street) -> list[Instructor]:
    User = get_user_model()
    found = []
    for username, name, unit in INSTRUCTORS:
        instructor = Instructor.objects.filter(street=street, name=name).first()
        if instructor is None:
            user = User.objects.filter(username=username).first() or staff_user_create(
                username=username, password=None, street=street, email=f"{username}@guicheng.local"
            )
            instructor = Instructor(street=street, user=user, name=name, unit=unit, is_demo=True)
            instructor.full_clean()
            instructor.save()
        found.append(instructor)
    return found


def _mentors(street: Street) -> list[Mentor]:
    found = []
    for name, title in MENTORS:
        mentor, _ = Mentor.objects.get_or_create(street=street, name=name, title=title, defaults={"is_demo": True})
        found.append(mentor)
    return found


def _period(scheme: Scheme, quarter: int) -> Period:
    period = Period.objects.filter(scheme=scheme, kind=Period.Kind.QUARTER, year=YEAR, quarter=quarter).first()
    if period is None:
        period = Period(scheme=scheme, kind=Period.Kind.QUARTER, year=YEAR, quarter=quarter, is_demo=True)
        period.full_clean()
        period.save()
    return period


def _score(period: Period, subjects, dimensions, plans) -> int:
    scored = set(Score.objects.filter(period=period).values_list("subject_id", flat=True))
    rows = [
        Score(
            period=period,
            subject=subject,
            dimension=dimension,
            value=value,
            evidence="演示数据：党员大会记录、活动台账与群众评议。",
            is_demo=True,
        )
        for subject in subjects
        if subject.pk not in scored
        for dimension, value in zip(dimensions, plans[subject.pk][period.quarter], strict=True)
    ]
    if rows:
        bulk_create_with_history(rows, Score, batch_size=1000, default_change_reason="演示数据生成")
    return len(rows)


def _plan_cases(street: Street, instructors: list[Instructor], mentors: list[Mentor]) -> int:
    """A 一村一策 plan, an instructor, two mentors and dated visits for each demo case that has
    no plan yet; the weakest ability of the rating that opened it leads the measures."""
    cases = list(
        RectificationCase.objects.filter(subject__street=street, is_demo=True, measures="")
        .select_related("subject", "opened_in")
        .order_by("subject__name", "opened_in__ends_on")
    )
    weakest: dict[tuple[int, int], str] = {}
    for subject_id, period_id, name in (
        Score.objects.filter(
            subject_id__in=[c.subject_id for c in cases], period_id__in={c.opened_in_id for c in cases}
        )
        .order_by("subject_id", "period_id", "value", "dimension__number")
        .values_list("subject_id", "period_id", "dimension__name")
    ):
        weakest.setdefault((subject_id, period_id), name)
    visits = []
    for index, case in enumerate(cases):
        rng = _rng(case.subject.name, case.opened_in.name)
        weak = weakest.get((case.subject_id, case.opened_in_id), "组织能力")
        case.analysis = f"{case.opened_in}战斗力指数中“{weak}”得分最低，班子统筹和党员作用发挥不足。"
        case.measures = MEASURES[weak]
        case.owner = "经济社党支部书记"
        case.deadline = case.opened_in.ends_on + timedelta(days=180)
        case.instructor = instructors[index % len(instructors)]
        case._change_reason = "演示数据生成"
        case.save()
        case.mentors.set(rng.sample(mentors, 2))
        first = case.opened_in.ends_on + timedelta(days=rng.randint(10, 30))
        for number, day in enumerate((first, first + timedelta(days=rng.randint(30, 50)))):
            visits.append(
                FollowUpVisit(
                    case=case,
                    visited_on=min(day, date(YEAR + 1, 3, 31)),
                    notes=VISIT_NOTES[(index + number) % len(VISIT_NOTES)].format(n=rng.randint(2, 6)),
                    next_steps="按计划推进，下季度评定前再次走访。",
                    visitor=case.instructor.user,
                    is_demo=True,
                )
            )
    if visits:
        bulk_create_with_history(visits, FollowUpVisit, batch_size=1000, default_change_reason="演示数据生成")
    return len(cases)


@transaction.atomic
def demo_ratings_load(*, street_name: str = "桂城街道") -> dict[str, int]:
    """Score, close and rate the 2023 quarters for the street's economic-society branches."""
    street = Street.objects.get(name=street_name)
    services.indicators_load()
    scheme = Scheme.objects.get(street=street, subject_kind=SubjectKind.SOCIETY_BRANCH, year=YEAR, version=1)
    dimensions = list(scheme.dimensions.order_by("number"))
    subjects = list(subjects_of(SubjectKind.SOCIETY_BRANCH, street.pk).order_by("name"))
    plans = {subject.pk: _scores_by_quarter(subject.name, len(dimensions)) for subject in subjects}
    instructors, mentors = _instructors(street), _mentors(street)
    counts = {"scores": 0, "rated": 0, "published": 0, "cases_planned": 0}
    for quarter in QUARTERS:
        period = _period(scheme, quarter)
        if period.is_open and subjects:
            scored = _score(period, subjects, dimensions, plans)
            if scored and not period.is_demo:
                # An existing period now holds invented scores: its stars are 演示数据 too.
                period.is_demo = True
                period._change_reason = "演示数据：写入演示评分"
                period.save(update_fields=["is_demo"])
            counts["scores"] += scored
            services.period_close_unchecked(period=period)
            counts["rated"] += services.period_ratings_compute(period_id=period.pk).rated
            period.refresh_from_db()
        if quarter in PUBLISHED and period.status == Period.Status.CLOSED:
            period.status = Period.Status.PUBLISHED
            period.published_at = period.closed_at
            period._change_reason = "演示数据：公布"
            period.save(update_fields=["status", "published_at"])
            counts["published"] += 1
    counts["cases_planned"] = _plan_cases(street, instructors, mentors)
    return counts


def demo_summary(street_name: str = "桂城街道") -> str:
    street = Street.objects.get(name=street_name)
    periods = Period.objects.rated().filter(street=street).order_by("ends_on")
    parts = []
    for period in periods:
        five = Rating.objects.filter(period=period, stars=5).count()
        parts.append(f"{period.name}：{period.ratings.count()} 个对象，五星 {five} 个")
    open_cases = RectificationCase.objects.open().filter(subject__street=street).count()
    return "；".join(parts) + f"；整顿中 {open_cases} 个"
