"""The street's work queue on the admin home: what needs attention, each line with its count and
a link to the admin list filtered to exactly those records.

Every count goes through the one scope (``scoped_for(user)`` inside the apps' selectors), so
street staff see their street and a community secretary only their communities' lines; the
street-level lines (730 items, 数读 published figures) are for street staff only. Each line is
one COUNT query, so the queue costs the same however many records are waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from indicators import selectors as indicators_selectors
from organizations import selectors as organizations_selectors
from organizations.models import Street
from organizations.scope import acts_on_whole_street, scope_of
from projects import selectors as projects_selectors
from projects.lagging import quarter_of, today_in_beijing
from volunteers import selectors as volunteers_selectors


@dataclass(frozen=True)
class QueueLine:
    key: str
    label: str
    count: int
    url: str
    hint: str = ""


def _changelist(model: str, query: str) -> str:
    app_label, model_name = model.split(".")
    return f"{reverse(f'admin:{app_label}_{model_name}_changelist')}?{query}"


def _figures_line(user) -> QueueLine | None:
    scope = scope_of(user)
    street = organizations_selectors.default_street() if scope.everything else None
    if street is None and scope.street_id is not None:
        street = Street.objects.filter(pk=scope.street_id).first()
    if street is None:
        return None
    url = reverse("admin:indicators_publishedfigure_check")
    if scope.everything:
        url += f"?street={street.pk}"
    return QueueLine(
        key="figures",
        label="数读：公布数据与记录不一致",
        count=len(indicators_selectors.figures_differing(street=street)),
        url=url,
        hint=f"{street.name}：报道公布的关键数字与系统按记录计算的不符",
    )


def work_queue(user, *, today: date | None = None, now: datetime | None = None) -> list[QueueLine]:
    """The lines ``user`` may act on, in the order staff work through them."""
    today = today or today_in_beijing(now)
    now = now or timezone.now()
    whole_street = acts_on_whole_street(user)
    lines: list[QueueLine] = []

    def add(perm: str, make) -> None:
        if user.has_perm(perm):
            line = make()
            if line is not None:
                lines.append(line)

    add(
        "projects.view_secretaryproject",
        lambda: QueueLine(
            key="projects",
            label="书记工程滞后",
            count=projects_selectors.lagging_projects(today=today, user=user).count(),
            url=_changelist("projects.secretaryproject", "lagging=yes"),
            hint="本季度没有进展更新，或进度落后于时序进度",
        ),
    )
    if whole_street:
        add(
            "projects.view_workitem",
            lambda: QueueLine(
                key="items",
                label="“730”要点滞后",
                count=projects_selectors.lagging_items(today=today, user=user).count(),
                url=_changelist("projects.workitem", "lagging=yes"),
                hint="街道各牵头单位负责的要点",
            ),
        )
    add(
        "volunteers.view_serviceorder",
        lambda: QueueLine(
            key="orders",
            label="点单超时未处理",
            count=volunteers_selectors.stale_orders(user=user, now=now).count(),
            url=_changelist("volunteers.serviceorder", "stale=yes"),
            hint="群众点单超过办理时限仍无人处理",
        ),
    )
    add(
        "volunteers.view_servicerecord",
        lambda: QueueLine(
            key="hours",
            label="服务时长待确认",
            count=volunteers_selectors.pending_records(user=user).count(),
            url=_changelist("volunteers.servicerecord", "awaiting=yes"),
            hint="志愿者已签退，等待工作人员确认",
        ),
    )
    add(
        "indicators.view_rectificationcase",
        lambda: QueueLine(
            key="rectification",
            label="软弱涣散整改超期",
            count=indicators_selectors.overdue_cases(user=user, today=today).count(),
            url=_changelist("indicators.rectificationcase", "overdue=yes"),
            hint="一村一策提升计划已过完成时限仍未销号",
        ),
    )
    if whole_street:
        add("indicators.view_publishedfigure", lambda: _figures_line(user))
    return lines


@dataclass(frozen=True)
class ReportLink:
    label: str
    url: str
    hint: str = ""


def reports(user, *, today: date | None = None) -> list[ReportLink]:
    """The reports ``user`` may download, linked under the work queue (no query)."""
    today = today or today_in_beijing()
    links: list[ReportLink] = []
    if acts_on_whole_street(user) and user.has_perm("projects.view_secretaryproject"):
        quarter = quarter_of(today)
        links.append(
            ReportLink(
                label="书记工程季度报表",
                url=reverse("admin:projects_secretaryproject_quarterly_report"),
                hint=f"选择年度和季度（默认本季度：{today.year}年第{quarter}季度）",
            )
        )
    return links
