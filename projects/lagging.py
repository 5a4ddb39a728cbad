"""The 滞后 (lagging) rule, written once and rendered twice: as a Python predicate for one record
and as a database condition for a whole list (admin filter, boards, reminders, report). The test
``test_lagging.py`` checks that both renderings agree.

The rule, for a 书记工程 or a 730 item of year ``Y``, judged on ``today`` (a date in
Asia/Shanghai — a quarter starts at 00:00 Beijing time on 1 January, 1 April, 1 July and
1 October):

1. a record at 100 % is never 滞后;
2. in a year not yet begun (``today.year < Y``) nothing is 滞后;
3. while its year runs (``today.year == Y``) a record is 滞后 when
   a. it has no progress update dated in the current quarter (``last_update_on`` is empty or
      before the quarter's first day), or
   b. its percent lags the share of the year elapsed by more than the margin:
      ``share × 100 − percent > margin``, where ``share = day-of-year(today) / days-in-Y``
      (today counts as elapsed, so 31 December gives 100 %) and ``margin`` is
      ``settings.PROJECTS_LAG_MARGIN`` percentage points;
4. once its year is over (``today.year > Y``) the share is 100 % and only 3b applies:
   ``100 − percent > margin``. "This quarter" means nothing for a closed year.

The status (``SecretaryProject.status``: 未启动, 推进中, 待验收, 已完成) is derived from the
timeline (``rollups.progress_status``); this computed flag, shown beside it, is what the 滞后
list filter, the boards' warning and the quarterly reminder go by.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone

BEIJING = ZoneInfo("Asia/Shanghai")


def today_in_beijing(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), BEIJING).date()


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(day: date) -> date:
    return date(day.year, 3 * (quarter_of(day) - 1) + 1, 1)


def year_share(today: date, year: int) -> Decimal:
    """The share of ``year`` elapsed on ``today``, between 0 and 1."""
    if today.year < year:
        return Decimal(0)
    if today.year > year:
        return Decimal(1)
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    return Decimal(today.timetuple().tm_yday) / Decimal(days)


def margin() -> int:
    return int(settings.PROJECTS_LAG_MARGIN)


def percent_floor(today: date, year: int, lag_margin: int | None = None) -> int:
    """The lowest whole percent that is not lagging: ``percent < floor`` ⇔ 3b/4 hold.

    Percents are whole numbers, so ``share×100 − percent > margin`` ⇔ ``percent < share×100 −
    margin`` ⇔ ``percent < ceil(share×100 − margin)``.
    """
    lag_margin = margin() if lag_margin is None else lag_margin
    return math.ceil(year_share(today, year) * 100 - lag_margin)


@dataclass(frozen=True)
class LagVerdict:
    lagging: bool
    no_update_this_quarter: bool = False
    behind_schedule: bool = False
    expected_percent: int = 0

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.no_update_this_quarter:
            reasons.append("本季度尚无进展更新")
        if self.behind_schedule:
            reasons.append(f"进度落后于时序进度（应约 {self.expected_percent}%）超过 {margin()} 个百分点")
        return reasons


def judge(
    *, percent: int, last_update_on: date | None, year: int, today: date, lag_margin: int | None = None
) -> LagVerdict:
    """The rule above for one record."""
    expected = int(year_share(today, year) * 100)
    if percent >= 100 or today.year < year:
        return LagVerdict(False, expected_percent=expected)
    no_update = today.year == year and (last_update_on is None or last_update_on < quarter_start(today))
    behind = percent < percent_floor(today, year, lag_margin)
    return LagVerdict(no_update or behind, no_update, behind, expected)


def is_lagging(**kwargs) -> bool:
    return judge(**kwargs).lagging


def lagging_q(today: date, *, year_path: str = "year", lag_margin: int | None = None) -> Q:
    """The rule above as a filter; ``year_path`` reaches the year (``"theme__plan__year"``)."""
    running = Q(**{year_path: today.year}) & (
        Q(last_update_on__isnull=True)
        | Q(last_update_on__lt=quarter_start(today))
        | Q(percent__lt=percent_floor(today, today.year, lag_margin))
    )
    closed = Q(**{f"{year_path}__lt": today.year}) & Q(
        percent__lt=100 - (margin() if lag_margin is None else lag_margin)
    )
    return Q(percent__lt=100) & (running | closed)


def annotate_lagging(queryset, today: date | None = None, *, year_path: str = "year"):
    """``queryset`` with a boolean ``is_lagging`` computed in the same query."""
    today = today or today_in_beijing()
    return queryset.annotate(
        is_lagging=Case(
            When(lagging_q(today, year_path=year_path), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
