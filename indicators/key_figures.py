"""The key figures (数读) of ``indicators``: its instructors, the star ratings and the
rectification cases, the table ``FIGURES`` registered by ``IndicatorsConfig.ready()``. A rating
figure counts the latest *published* period only: it is shown on public pages."""

from __future__ import annotations

from django.urls import reverse

from core.registry import Figure, admin_list, on_figures_page
from organizations.selectors import default_street

from .models import Instructor, Rating, RectificationCase
from .selectors import latest_rated_period
from .subjects import SubjectKind


def _latest_society_period(street):
    """The newest *published* rating period of the economic-society branches: the figure is
    shown on public pages (home, lobby screen), so a period closed but not yet published must
    not show through it; it is the period the honour roll shows."""
    return latest_rated_period(street=street, subject_kind=SubjectKind.SOCIETY_BRANCH, published_only=True)


def _five_star_branches(street) -> int | None:
    period = _latest_society_period(street)
    if period is None:
        return None
    return Rating.objects.filter(period=period, stars=5).count()


def _five_star_demo(street) -> bool:
    """The period's scores were invented by the demo generator (its ratings with them)."""
    period = _latest_society_period(street)
    return period is not None and period.is_demo


def _five_star_url(street) -> str | None:
    period = _latest_society_period(street)
    if period is None:
        return None
    return admin_list("indicators.Rating", period__id__exact=period.pk, stars__exact=5)


def _honour_roll_url(street) -> str | None:
    """The honour roll shows the default street's latest published period, the one the figure
    counts; another street's branches are on no public roll yet."""
    if _latest_society_period(street) is None or default_street() != street:
        return None
    return reverse("site:honour")


def _open_cases(street) -> int:
    return RectificationCase.objects.public_open().filter(subject__street=street).count()


def _open_cases_demo(street) -> bool:
    return RectificationCase.objects.public_open().filter(subject__street=street, is_demo=True).exists()


def _instructors(street) -> int:
    return Instructor.objects.active().filter(street=street).count()


def _instructors_demo(street) -> bool:
    return Instructor.objects.active().filter(street=street, is_demo=True).exists()


FIGURES = (
    Figure(
        name="indicators.instructors",
        label="党建指导员",
        unit="名",
        compute=_instructors,
        demo=_instructors_demo,
        admin_url=lambda street: admin_list("indicators.Instructor", street__id__exact=street.pk, is_active__exact=1),
        order=90,
        public_url=on_figures_page("indicators.instructors"),
        help="在任的党建指导员（街道机关干部，计入街道层面一行）。指导员与结对对象的名单由街道党建办保存，公开网站不列出。",
        depends_on=("indicators.Instructor",),
    ),
    Figure(
        name="indicators.five_star_branches",
        label="五星级经济社党支部",
        unit="个",
        compute=_five_star_branches,
        demo=_five_star_demo,
        admin_url=_five_star_url,
        public_url=_honour_roll_url,
        order=91,
        help="最近一次已公布的经济社党支部战斗力指数评定期，与星级荣誉榜同一期。",
        depends_on=("indicators.Rating", "indicators.Period"),
    ),
    Figure(
        name="indicators.open_rectification_cases",
        label="整顿提升中的党组织",
        unit="个",
        compute=_open_cases,
        demo=_open_cases_demo,
        admin_url=lambda street: admin_list("indicators.RectificationCase", public="yes", street=street.pk),
        order=92,
        public_url=on_figures_page("indicators.open_rectification_cases"),
        help="按已公布的战斗力指数评定期，仍在整顿提升中的党组织，按所在社区计数；评定后尚未公布的不计入。"
        "整顿名单和一村一策方案由街道党建办保存，公开网站不列出。",
        depends_on=("indicators.RectificationCase", "indicators.Period"),
    ),
)
