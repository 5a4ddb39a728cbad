"""A plausible year of demo progress updates for the boards (marked 演示数据).

Deterministic: each subject's timeline comes from a random generator seeded with its natural
key, so every machine gets the same data. Idempotent: a subject that already has any update
(demo or real) is left alone, so a second run writes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from .lagging import today_in_beijing
from .models import ProgressUpdate, ProjectMilestone, SecretaryProject, WorkItem, WorkPlan
from .services import rollups_recompute

PROJECT_TEXTS = {
    "start": [
        "召开项目启动会，社区班子成员分工到人，细化实施方案和季度节点。",
        "入户走访、发放问卷，收集居民意见{n}条，梳理形成问题清单。",
        "联合共建单位召开党群联席会议，议定首批{n}项重点任务。",
    ],
    "middle": [
        "推进“{label}”，本阶段完成{done}{unit}，累计完成约{percent}%。",
        "组织党员志愿者开展专题活动{n}场，参与居民{m}人次。",
        "召开居民议事会，协调解决推进中遇到的{n}个难点问题。",
        "对照季度节点开展中期自查，形成整改清单并逐项跟进。",
    ],
    "late": [
        "主体工作基本完成，组织居民代表现场查看，收集改进意见{n}条。",
        "完善长效机制，形成工作台账和制度文件{n}份。",
    ],
    "done": ["项目全部完成，组织居民代表验收，群众满意度{m}%。"],
}
ITEM_TEXTS = {
    "start": ["牵头单位制定年度工作方案，明确任务分工和时间节点。", "召开专题部署会，细化{n}项具体任务。"],
    "middle": [
        "按方案推进，已完成阶段任务{n}项，累计完成约{percent}%。",
        "开展专题调研，走访社区和企业{n}家，形成问题清单。",
        "召开推进会，协调解决{n}个难点问题。",
    ],
    "late": ["主要任务基本完成，开展总结评估。"],
    "done": ["年度任务全部完成，形成工作总结。"],
}


def _stage(percent: int) -> str:
    if percent >= 100:
        return "done"
    if percent < 25:
        return "start"
    return "middle" if percent < 80 else "late"


def _final_percent(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.5:
        return 100
    if roll < 0.8:
        return rng.randint(86, 99)
    return rng.randint(45, 84)  # these end the year 滞后


def _timeline(rng: random.Random, year: int, last_day: date, texts: dict, target=None) -> list[tuple[date, int, str]]:
    start, end = date(year, 2, 20), min(date(year, 12, 20), last_day)
    if end <= start:
        return []
    count = rng.randint(4, 8)
    span = (end - start).days
    days = sorted({start + timedelta(days=rng.randint(0, span)) for _ in range(count)})
    final = _final_percent(rng)
    percents = sorted(rng.randint(5, final) for _ in days[:-1]) + [final]
    timeline = []
    for day, percent in zip(days, percents, strict=True):
        template = rng.choice(texts[_stage(percent)])
        label, unit, planned = target or ("重点任务", "项", 10)
        timeline.append(
            (
                day,
                percent,
                template.format(
                    n=rng.randint(2, 12),
                    m=rng.randint(90, 99) if percent >= 100 else rng.randint(50, 400),
                    percent=percent,
                    label=label,
                    unit=unit,
                    done=max(1, round(float(planned) * percent / 100)),
                ),
            )
        )
    return timeline


@transaction.atomic
def demo_updates_load(*, year: int = 2023, seed: int = 2023) -> int:
    """Demo timelines for the year's projects and 730 items that have none. Returns how many
    updates were written."""
    last_day = today_in_beijing()
    rows: list[ProgressUpdate] = []
    accepted_on: dict[int, date] = {}

    projects = (
        SecretaryProject.objects.for_year(year)
        .filter(updates__isnull=True)
        .select_related("community__street")
        .prefetch_related("targets")
        .order_by("community__name")
    )
    for project in projects:
        rng = random.Random(f"{seed}:project:{project.community.name}:{year}")
        target = next(((t.label, t.unit, t.planned_value) for t in project.targets.all()), None)
        timeline = _timeline(rng, year, last_day, PROJECT_TEXTS, target)
        rows += [
            ProgressUpdate(project=project, street=project.community.street, date=d, percent=p, text=t, is_demo=True)
            for d, p, t in timeline
        ]
        if timeline and timeline[-1][1] >= 100:
            # The last update reports the acceptance (“组织居民代表验收”): a demo acceptance
            # step is done that day. A real one waits for the street to record it.
            accepted_on[project.pk] = timeline[-1][0]

    items = (
        WorkItem.objects.for_year(year)
        .filter(updates__isnull=True)
        .select_related("theme__plan")
        .order_by("theme__number", "number")
    )
    for item in items:
        rng = random.Random(f"{seed}:item:{year}:{item.theme.number}.{item.number}")
        rows += [
            ProgressUpdate(item=item, street_id=item.theme.plan.street_id, date=d, percent=p, text=t, is_demo=True)
            for d, p, t in _timeline(rng, year, last_day, ITEM_TEXTS)
        ]

    if rows:
        bulk_create_with_history(rows, ProgressUpdate, batch_size=500)
    for project_id, day in accepted_on.items():
        ProjectMilestone.objects.filter(
            project_id=project_id, is_acceptance=True, is_demo=True, done_on__isnull=True
        ).update(done_on=day)
    # Percents, dates and statuses (``rollups.progress_status``) follow from the timelines.
    rollups_recompute(projects=SecretaryProject.objects.for_year(year))
    for plan in WorkPlan.objects.for_year(year):
        rollups_recompute(plan=plan)
    return len(rows)
