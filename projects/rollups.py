"""Progress roll-ups: the one place where percentages are computed.

- An item's percent, and a 书记工程's percent, is the percent of its latest progress update
  (latest by date, then by the order it was posted); 0 before the first update.
  A project's percent comes from its updates, not from its targets, on purpose: several
  projects have no numeric target at all (林岳社区's land development, 平北社区's industrial
  zone), and where targets exist they count outputs (6 compounds renovated) that can lag or
  lead the work as a whole. The secretary's own percent is the one figure every project has;
  the targets' achievement is shown beside it (``ProjectTarget.achievement``), never mixed in.
- A theme's percent is the weighted mean of its items' percents, a plan's the weighted mean of
  its themes' percents (weights are positive). An empty theme or plan stands at 0.
- A 书记工程's or a 730 item's status follows from its timeline (``progress_status``), never
  typed: 未启动 before the first update, 推进中 after it, and at 100 % 已完成 — or 待验收 while
  the project has an acceptance step (a milestone marked 验收节点) without a completion date.
  Whether it is 滞后 is a separate, computed flag (``lagging.py``), shown beside the status.
- A percent is 演示数据 (``progress_is_demo``) when the latest update it comes from is a demo
  update, and a theme's or plan's when any percent it is the mean of is.

Stored percents and statuses are written only by ``services.rollups_recompute``, which calls
these functions; ``projects/tests/test_rollups.py`` proves stored == recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

TWO_PLACES = Decimal("0.01")


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    AWAITING_ACCEPTANCE = "awaiting_acceptance", "待验收"
    DONE = "done", "已完成"


def progress_status(*, percent: int, last_update_on: date | None, acceptance_pending: bool = False) -> str:
    """The status of a record at ``percent`` whose latest update is dated ``last_update_on``
    (None: no update yet); ``acceptance_pending``: it has an acceptance step not done yet."""
    if percent >= 100:
        return ProgressStatus.AWAITING_ACCEPTANCE if acceptance_pending else ProgressStatus.DONE
    if last_update_on is None:
        return ProgressStatus.NOT_STARTED
    return ProgressStatus.IN_PROGRESS


def latest_update(updates: Iterable[tuple]) -> tuple | None:
    """The latest of ``(date, pk, …)`` tuples (by date, then by the order they were posted)."""
    return max(updates, key=lambda update: (update[0], update[1]), default=None)


def latest_percent(updates: Iterable[tuple[date, int, int]]) -> tuple[int, date | None]:
    """``(percent, date)`` of the latest of ``(date, pk, percent)`` triples; ``(0, None)`` if none."""
    latest = latest_update(updates)
    if latest is None:
        return 0, None
    return latest[2], latest[0]


def latest_is_demo(updates: Iterable[tuple[date, int, int, bool]]) -> bool:
    """Whether the latest of ``(date, pk, percent, is_demo)`` updates, the one the percent comes
    from, is a demo update."""
    latest = latest_update(updates)
    return bool(latest and latest[3])


def weighted_mean(pairs: Iterable[tuple[Decimal | int, Decimal | int]]) -> Decimal:
    """The mean of ``(value, weight)`` pairs weighted by ``weight``, to two decimal places.

    Rounded half-up; since every value already has at most two decimals, the result can never
    leave ``[min(values), max(values)]``.
    """
    total = Decimal(0)
    weights = Decimal(0)
    for value, weight in pairs:
        weight = Decimal(weight)
        total += Decimal(value) * weight
        weights += weight
    if not weights:
        return Decimal("0.00")
    return (total / weights).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
