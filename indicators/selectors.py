"""Reads of the indicators app for the admin, the public honour roll (issue 9), the workspace
and the work queue (issue 10). Each costs a fixed number of queries, however many rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Avg, Count, Max, Prefetch, Q, QuerySet

from core import registry
from organizations.models import PartyOrganization, Street

from .models import Instructor, Mentor, Period, PublishedFigure, Rating, RectificationCase, Score
from .stars import STARS, round_total, star_band

# --- Periods and ratings ------------------------------------------------------------------------


def latest_rated_period(*, street: Street | int, subject_kind: str, published_only: bool = False) -> Period | None:
    """The newest rated (or published) period of a street for one kind of subject (one query)."""
    periods = Period.objects.published() if published_only else Period.objects.rated()
    street_id = getattr(street, "pk", street)
    return (
        periods.filter(street_id=street_id, scheme__subject_kind=subject_kind)
        .select_related("scheme", "street")
        .order_by("-ends_on")
        .first()
    )


def period_ratings(*, period: Period) -> QuerySet:
    """Every rating of a period by rank, with the period (its 演示数据 mark), the subject's
    community and economic society."""
    return (
        Rating.objects.filter(period=period)
        .select_related("period", "subject__community", "subject__economic_society")
        .order_by("rank", "subject__name")
    )


def honour_roll(*, period: Period) -> QuerySet:
    """The period's honour roll: subjects rated at or above the honour level in force when it
    closed (★5 by default; ≥★4 for the 经开区 style). One query."""
    level = (period.rules or {}).get("honour_level") or period.scheme.honour_level
    return period_ratings(period=period).filter(stars__gte=level)


def find_rated(*, period: Period, query: str = "", stars: int | None = None) -> QuerySet:
    """Every rating of a period a resident looks for, by rank: by the subject's name or its
    economic society's, or its community's name, full pinyin or pinyin initials (“ghsq”,
    “guihua”); with ``stars``, only that many. One query (two paginated)."""
    ratings = period_ratings(period=period)
    text = query.strip()
    if text:
        lowered = text.lower()
        ratings = ratings.filter(
            Q(subject__name__icontains=text)
            | Q(subject__economic_society__name__icontains=text)
            | Q(subject__community__name__icontains=text)
            | Q(subject__community__pinyin__startswith=lowered)
            | Q(subject__community__initials__startswith=lowered)
        )
    if stars is not None:
        ratings = ratings.filter(stars=stars)
    return ratings


def star_distribution(*, period: Period) -> dict[int, int]:
    """How many subjects got each number of stars, ★5 first, zeros included (one query)."""
    counts = dict(Rating.objects.filter(period=period).values_list("stars").annotate(n=Count("pk")).order_by())
    return {stars: counts.get(stars, 0) for stars in STARS}


def rectification_list(*, queryset: QuerySet | None = None, open_only: bool = True) -> QuerySet:
    """Cases with their subject, periods, instructor, mentors, visit count and last visit date
    (two queries: cases, mentors)."""
    queryset = RectificationCase.objects.all() if queryset is None else queryset
    if open_only:
        queryset = queryset.open()
    return (
        queryset.select_related(
            "subject__community", "subject__economic_society", "opened_in", "closed_in", "instructor"
        )
        .annotate(visit_count=Count("visits", distinct=True), last_visit_on=Max("visits__visited_on"))
        .prefetch_related(Prefetch("mentors", queryset=Mentor.objects.order_by("name")))
        .order_by("subject__community__name", "subject__name")
    )


@dataclass(frozen=True)
class VisitDue:
    """Why a case under rectification needs a follow-up now (empty reasons: it does not)."""

    reasons: tuple[str, ...]

    @property
    def due(self) -> bool:
        return bool(self.reasons)


def visit_due(case: RectificationCase, today: date) -> VisitDue:
    """A case needs a visit when it has had none for ``INDICATORS_VISIT_INTERVAL_DAYS`` (or
    never), or when its deadline has passed. ``case`` comes from ``rectification_list``."""
    interval = settings.INDICATORS_VISIT_INTERVAL_DAYS
    reasons = []
    if case.last_visit_on is None:
        reasons.append("尚未走访")
    elif (today - case.last_visit_on).days >= interval:
        reasons.append(f"已 {(today - case.last_visit_on).days} 天未走访（应每 {interval} 天至少一次）")
    if case.deadline is not None and case.deadline < today:
        reasons.append(f"已过完成时限（{case.deadline:%Y-%m-%d}）")
    return VisitDue(tuple(reasons))


def workspace_cases(*, user, today: date) -> list[RectificationCase]:
    """Open cases the user follows up: an instructor's own cases, otherwise every open case in
    the user's scope; each with ``visit`` (a ``VisitDue``), due ones first — two queries."""
    queryset = RectificationCase.objects.scoped_for(user)
    if Instructor.objects.filter(user_id=user.pk, is_active=True).exists():
        queryset = queryset.filter(instructor__user_id=user.pk)
    cases = list(rectification_list(queryset=queryset))
    for case in cases:
        case.visit = visit_due(case, today)
    cases.sort(key=lambda case: not case.visit.due)
    return cases


def overdue_cases(*, user, today: date) -> QuerySet:
    """Open cases in ``user``'s scope past their deadline, for the work queue."""
    return RectificationCase.objects.scoped_for(user).overdue(today)


def counts_by_community(*, street: Street) -> dict[str, dict[int | None, int]]:
    """The records two 数读 figures count, by community (``None``: the street's own): the
    rectification cases open as of the published periods (``public_open``) by their subject's
    community, and active instructors — street staff, so all in the street's row. Counts only:
    who is paired with whom stays with the street office. Two queries."""
    cases = (
        RectificationCase.objects.public_open()
        .filter(subject__street=street)
        .values("subject__community_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    instructors = Instructor.objects.active().filter(street=street).count()
    return {
        "open_rectification_cases": {row["subject__community_id"]: row["n"] for row in cases},
        "instructors": {None: instructors} if instructors else {},
    }


# --- Explanation ----------------------------------------------------------------------------------

POINTS_PLACES = Decimal("0.0001")


def _average(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DimensionRow:
    name: str
    weight: Decimal
    max_points: Decimal
    value: Decimal | None
    street_average: Decimal | None
    previous_value: Decimal | None

    @property
    def points(self) -> Decimal | None:
        """What the score adds to the total: score × weight ÷ 满分, unrounded (to four decimals,
        trailing zeros dropped past the second), as the close adds them before it rounds the
        total: 75.50 × 25 ÷ 100 = 18.875."""
        if self.value is None:
            return None
        exact = (self.value * self.weight / self.max_points).quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)
        return max(exact.normalize(), round_total(exact), key=lambda d: -d.as_tuple().exponent)

    @property
    def versus_average(self) -> Decimal | None:
        if self.value is None or self.street_average is None:
            return None
        return self.value - self.street_average

    @property
    def versus_previous(self) -> Decimal | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


@dataclass(frozen=True)
class RulesExplained:
    """The rules a period was rated by, as copied onto it at its close (``Period.rules``) —
    not the scheme as it stands now, which may have changed since."""

    dimensions: list[tuple[str, Decimal, Decimal]]  # name, weight, 满分
    thresholds: list[tuple[int, Decimal]]  # (stars, minimum total), ★5 first
    rectification_level: int | None
    honour_level: int | None

    @classmethod
    def of(cls, rules: dict | None) -> RulesExplained | None:
        if not rules or not rules.get("thresholds"):
            return None
        return cls(
            dimensions=[(d["name"], _plain(d["weight"]), _plain(d["max_points"])) for d in rules.get("dimensions", [])],
            thresholds=[(stars, _plain(t)) for stars, t in zip(STARS, rules["thresholds"], strict=False)],
            rectification_level=rules.get("rectification_level"),
            honour_level=rules.get("honour_level"),
        )

    @property
    def lowest(self) -> int:
        """The stars of a total below every threshold."""
        return STARS[len(self.thresholds)] if len(self.thresholds) < len(STARS) else 1


def _plain(value) -> Decimal:
    """“90.00” → 90, “25.50” → 25.5: as a person writes a threshold or a weight."""
    number = Decimal(value).normalize()
    return number.quantize(Decimal(1)) if number == number.to_integral() else number


@dataclass(frozen=True)
class RatingExplained:
    rating: Rating
    rows: list[DimensionRow] = field(default_factory=list)

    @property
    def rules(self) -> RulesExplained | None:
        """The rules of the period that rated it (``Period.rules``)."""
        return RulesExplained.of(self.rating.period.rules)

    @property
    def band(self) -> tuple[Decimal | None, Decimal | None]:
        """The minimum total of the rating's stars and that of one star more (None: none),
        under the thresholds in force at the close: 80.50 ≥ 80 (★4), < 90 (★5)."""
        thresholds = (self.rating.period.rules or {}).get("thresholds") or []
        low, high = star_band(self.rating.stars, thresholds)
        return (_plain(low) if low is not None else None, _plain(high) if high is not None else None)


def _explain(ratings: list[Rating]) -> list[RatingExplained]:
    """Per-dimension scores of each rating beside the street average of the same period and the
    subject's score in the previous period: two queries for any number of ratings."""
    if not ratings:
        return []
    period_ids = {r.period_id for r in ratings}
    previous_ids = {r.period.previous_period_id for r in ratings if r.period.previous_period_id}
    subject_ids = {r.subject_id for r in ratings}
    own: dict[tuple[int, int, str], Decimal] = {}
    for subject_id, period_id, name, value in Score.objects.filter(
        subject_id__in=subject_ids, period_id__in=period_ids | previous_ids
    ).values_list("subject_id", "period_id", "dimension__name", "value"):
        own[(subject_id, period_id, name)] = value
    averages: dict[tuple[int, int, str], Decimal] = {}
    street_ids = {r.subject.street_id for r in ratings}
    for street_id, period_id, name, average in (
        Score.objects.filter(period_id__in=period_ids, subject__street_id__in=street_ids)
        .values_list("subject__street_id", "period_id", "dimension__name")
        .annotate(average=Avg("value"))
        .order_by()
    ):
        averages[(street_id, period_id, name)] = _average(average)
    explained = []
    for rating in ratings:
        previous_id = rating.period.previous_period_id
        rows = [
            DimensionRow(
                name=d["name"],
                weight=Decimal(d["weight"]),
                max_points=Decimal(d["max_points"]),
                value=own.get((rating.subject_id, rating.period_id, d["name"])),
                street_average=averages.get((rating.subject.street_id, rating.period_id, d["name"])),
                previous_value=own.get((rating.subject_id, previous_id, d["name"])) if previous_id else None,
            )
            for d in (rating.period.rules or {}).get("dimensions", [])
        ]
        explained.append(RatingExplained(rating=rating, rows=rows))
    return explained


def rating_explanation(*, rating: Rating) -> RatingExplained:
    """One rating explained (two queries, plus one if the rating's period is not loaded)."""
    return _explain([rating])[0]


def rating_history(*, subject: PartyOrganization | int, published_only: bool = True) -> list[RatingExplained]:
    """A subject's 流动星级 history, newest period first, each rating explained: three queries."""
    subject_id = getattr(subject, "pk", subject)
    periods = Period.objects.published() if published_only else Period.objects.rated()
    ratings = list(
        Rating.objects.filter(subject_id=subject_id, period__in=periods)
        .select_related("period__scheme", "subject__community", "subject__economic_society")
        .order_by("-period__ends_on")
    )
    return _explain(ratings)


# --- 数读核对: published beside computed -------------------------------------------------------


@dataclass(frozen=True)
class FigureCheck:
    class Status:
        MATCH = "match"
        DIFFERS = "differs"
        NOT_COMPUTABLE = "not_computable"
        NOT_LINKED = "not_linked"

    published: PublishedFigure
    computed: registry.FigureValue | None
    status: str

    @property
    def differs(self) -> bool:
        return self.status == self.Status.DIFFERS

    @property
    def status_label(self) -> str:
        return {
            self.Status.MATCH: "一致",
            self.Status.DIFFERS: "不一致",
            self.Status.NOT_COMPUTABLE: "暂无法计算",
            self.Status.NOT_LINKED: "系统暂无对应记录",
        }[self.status]


def _status(published: PublishedFigure, computed: registry.FigureValue | None) -> str:
    if not published.figure_name:
        return FigureCheck.Status.NOT_LINKED
    if computed is None or computed.value is None:
        return FigureCheck.Status.NOT_COMPUTABLE
    value = Decimal(computed.value)
    if published.comparison == PublishedFigure.Comparison.AT_LEAST:
        return FigureCheck.Status.MATCH if value >= published.value else FigureCheck.Status.DIFFERS
    return FigureCheck.Status.MATCH if value == published.value else FigureCheck.Status.DIFFERS


def published_vs_computed(*, street: Street) -> list[FigureCheck]:
    """Each published figure of the street beside the figure computed from the records, with a
    status; a figure that cannot be computed says so (its published number is never shown as the
    computed one). One query plus the cached figures."""
    computed = {value.name: value for value in registry.figures_for(street)}
    return [
        FigureCheck(published=published, computed=computed.get(published.figure_name), status=status)
        for published in PublishedFigure.objects.filter(street=street).order_by("sort_order", "label")
        for status in [_status(published, computed.get(published.figure_name))]
    ]


def figures_differing(*, street: Street) -> list[FigureCheck]:
    """For the street's work queue: the published figures the records do not bear out."""
    return [check for check in published_vs_computed(street=street) if check.differs]


# --- API ------------------------------------------------------------------------------------------


def published_period(*, pk: int) -> Period | None:
    """A published period (one query): only those reach the public honour roll."""
    return Period.objects.published().select_related("scheme", "street").filter(pk=pk).first()


def scores_for(*, user) -> QuerySet:
    """The scores of the user's scope with their period, subject and dimension (one query)."""
    return (
        Score.objects.scoped_for(user)
        .select_related("period", "subject__community", "dimension")
        .order_by("-period__ends_on", "subject__name", "dimension__number", "pk")
    )
