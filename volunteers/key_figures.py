"""Key figures (数读) of volunteer work, one plain function per figure taking a street, and the
table ``FIGURES`` that ``VolunteersConfig.ready()`` registers.

Each function counts records, never a typed-in number, and its ``admin_url`` opens the list of
the records it counts; its ``public_url`` the column of the public 数读明细 page that counts
them per community (no names there); its ``demo`` whether any record it counts is 演示数据.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from core.registry import Figure, on_figures_page
from organizations.models import Street

from .models import CommunityCheckIn, PostClaim, ServiceOrder, ServiceRecord, Volunteer, VolunteerTeam

ADMIN = "/admin/volunteers"


def _year_start(year: int) -> datetime:
    return timezone.make_aware(datetime.combine(date(year, 1, 1), time.min))


def _demo(queryset) -> bool:
    return queryset.filter(is_demo=True).exists()


def _volunteers(street: Street):
    return Volunteer.objects.active().filter(community__street=street)


def volunteers(street: Street) -> int:
    """Registered volunteers (在册) of the street."""
    return _volunteers(street).count()


def _teams(street: Street):
    return VolunteerTeam.objects.active().filter(street=street)


def teams(street: Street) -> int:
    """Volunteer teams still active."""
    return _teams(street).count()


def building_teams(street: Street) -> int:
    """Active volunteer teams of commercial office buildings (商务楼宇志愿服务队, seed 000: 30)."""
    return _teams(street).filter(kind=VolunteerTeam.Kind.BUILDING).count()


def _confirmed_this_year(street: Street, today: date | None = None):
    year = (today or timezone.localdate()).year
    return ServiceRecord.objects.confirmed().filter(street=street).in_period(_year_start(year), _year_start(year + 1))


def confirmed_hours_this_year(street: Street, *, today: date | None = None) -> Decimal:
    """Confirmed service hours of records that started this year (Beijing time)."""
    total = _confirmed_this_year(street, today).aggregate(total=Sum("hours"))["total"]
    return (total or Decimal(0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _claims(street: Street):
    return PostClaim.objects.active().filter(post__community__street=street)


def members_with_post(street: Street) -> int:
    """Members without a post (无职党员) holding a responsibility post now, each counted once."""
    return _claims(street).values("member").distinct().count()


def _check_ins(street: Street):
    return CommunityCheckIn.objects.active().filter(community__street=street)


def checked_in_members(street: Street) -> int:
    """Members currently reporting (双报到) to a community of the street."""
    return _check_ins(street).values("member").distinct().count()


def _answered(street: Street):
    return ServiceOrder.objects.filter(street=street, answered_at__isnull=False)


def orders_answered(street: Street) -> int:
    """点单 answered with an activity or a team (answered, done or rated)."""
    return _answered(street).count()


def orders_median_days(street: Street) -> Decimal | None:
    """Median days from a 点单's submission to its answer; None before any answer."""
    pairs = _answered(street).values_list("submitted_at", "answered_at")
    days = [(answered - submitted).total_seconds() / 86400 for submitted, answered in pairs.iterator()]
    if not days:
        return None
    return Decimal(str(statistics.median(days))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


FIGURES = (
    Figure(
        name="volunteers.volunteers",
        label="注册志愿者",
        unit="名",
        compute=volunteers,
        demo=lambda street: _demo(_volunteers(street)),
        admin_url=lambda street: f"{ADMIN}/volunteer/?is_active__exact=1",
        order=100,
        public_url=on_figures_page("volunteers.volunteers"),
        help="在册（未注销）的注册志愿者，按登记社区统计，只计人数。",
    ),
    Figure(
        name="volunteers.teams",
        label="党员志愿服务队",
        unit="支",
        compute=teams,
        demo=lambda street: _demo(_teams(street)),
        admin_url=lambda street: f"{ADMIN}/volunteerteam/?dissolved_on__isnull=True",
        order=101,
        public_url=on_figures_page("volunteers.teams"),
        help="未撤销的党员志愿服务队，按所属社区统计；街道层面的服务队不属于某一社区，单列一行。",
    ),
    Figure(
        name="volunteers.building_teams",
        label="商务楼宇志愿服务队",
        unit="支",
        compute=building_teams,
        demo=lambda street: _demo(_teams(street).filter(kind=VolunteerTeam.Kind.BUILDING)),
        admin_url=lambda street: f"{ADMIN}/volunteerteam/?kind__exact=building&dissolved_on__isnull=True",
        order=102,
        public_url=on_figures_page("volunteers.building_teams"),
        help="其中的商务楼宇志愿服务队。",
    ),
    Figure(
        name="volunteers.confirmed_hours_this_year",
        label="本年度已确认志愿服务时长",
        unit="小时",
        compute=confirmed_hours_this_year,
        demo=lambda street: _demo(_confirmed_this_year(street)),
        admin_url=lambda street: (
            f"{ADMIN}/servicerecord/?status__exact=confirmed&started_at__year={timezone.localdate().year}"
        ),
        order=102,
        public_url=on_figures_page("volunteers.confirmed_hours_this_year"),
        help="今年（北京时间）开始、已经确认的志愿服务时长，按服务所属社区（活动的社区，或志愿者登记的社区）统计。",
        zero_note="今年尚无已确认的时长",
    ),
    Figure(
        name="volunteers.members_with_post",
        label="认领党员责任岗位的无职党员",
        unit="名",
        compute=members_with_post,
        demo=lambda street: _demo(_claims(street)),
        admin_url=lambda street: f"{ADMIN}/postclaim/?ended_on__isnull=True",
        order=103,
        public_url=on_figures_page("volunteers.members_with_post"),
        help="正在认领党员责任岗位的无职党员，按岗位所在社区统计，每人只计一次。",
    ),
    Figure(
        name="volunteers.checked_in_members",
        label="“双报到”在职党员",
        unit="名",
        compute=checked_in_members,
        demo=lambda street: _demo(_check_ins(street)),
        admin_url=lambda street: f"{ADMIN}/communitycheckin/?ended_on__isnull=True",
        order=104,
        public_url=on_figures_page("volunteers.checked_in_members"),
        help="正在向居住社区“双报到”的在职党员（每人同时只向一个社区报到），只计人数。",
    ),
    Figure(
        name="volunteers.orders_answered",
        label="已响应的群众点单",
        unit="单",
        compute=orders_answered,
        demo=lambda street: _demo(_answered(street)),
        admin_url=lambda street: f"{ADMIN}/serviceorder/?answered_at__isnull=False",
        order=105,
        public_url=on_figures_page("volunteers.orders_answered"),
        help="已派出活动或服务队响应的群众点单（含已办结、已评价），按受理的服务中心所在社区统计。",
    ),
    Figure(
        name="volunteers.orders_median_days",
        label="点单响应用时（中位数）",
        unit="天",
        compute=orders_median_days,
        demo=lambda street: _demo(_answered(street)),
        admin_url=lambda street: f"{ADMIN}/serviceorder/?answered_at__isnull=False",
        order=106,
        public_url=on_figures_page("volunteers.orders_median_days"),
        help="从提交到响应的天数的中位数，按“已响应的群众点单”计算。",
    ),
)
