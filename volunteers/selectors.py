"""Reads of the volunteers app for the admin, the public site, the workspace and the API. Each
returns a queryset (or a small value) with its joins applied, so a page costs a fixed number of
queries however many rows it shows. Nothing here returns a private field to a public caller:
the public shapes say which fields they carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from organizations.models import Street

from .models import (
    Activity,
    CommunityCheckIn,
    PointsEntry,
    PostClaim,
    Redemption,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
    mask_id_number,
)

ZERO_HOURS = Value(Decimal(0), output_field=DecimalField(max_digits=12, decimal_places=2))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Activities ---------------------------------------------------------------------------------


def activities_upcoming(*, street_id: int | None = None, now: datetime | None = None, days: int | None = None):
    """Public activities not yet over, soonest first, with ``taken`` places (one query)."""
    now = now or timezone.now()
    queryset = Activity.objects.public().upcoming(now)
    if street_id is not None:
        queryset = queryset.filter(street_id=street_id)
    if days is not None:
        queryset = queryset.filter(starts_at__lt=now + timedelta(days=days))
    return queryset.with_taken().select_related("team", "center", "community").order_by("starts_at", "pk")


def activities_find(
    *,
    street_id: int | None,
    now: datetime | None = None,
    community_id: int | None = None,
    category: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    with_places: bool = False,
) -> QuerySet:
    """The residents' activity list: public activities not yet over, narrowed by community,
    kind, a window of start times and (``with_places``) free places, soonest first, each with
    ``taken`` (one query, however many match)."""
    queryset = activities_upcoming(street_id=street_id, now=now)
    if community_id is not None:
        queryset = queryset.filter(community_id=community_id)
    if category:
        queryset = queryset.filter(category=category)
    if starts_from is not None:
        # An activity under way when the window opens is still one the resident can join.
        queryset = queryset.filter(ends_at__gt=starts_from)
    if starts_before is not None:
        queryset = queryset.filter(starts_at__lt=starts_before)
    if with_places:
        queryset = queryset.filter(taken__lt=F("capacity"))
    return queryset


def activity_public(*, activity_id: int) -> Activity | None:
    return activities_with_places(Activity.objects.public().filter(pk=activity_id)).first()


def activities_with_places(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Activity.objects.all() if queryset is None else queryset
    return queryset.with_taken().select_related("team", "center", "community")


def free_places(activity: Activity) -> int:
    """From an activity annotated by ``with_taken``."""
    return max(0, activity.capacity - activity.taken)


def activities_this_week(*, street: Street | None, now: datetime) -> list[Activity]:
    """Public activities of the coming seven days (at most six), each with its free places in
    ``free``: the residents' home page and the lobby screen show the same list."""
    activities = list(activities_upcoming(street_id=street.pk if street else None, now=now, days=7)[:6])
    for activity in activities:
        activity.free = free_places(activity)
    return activities


# --- A volunteer's own pages ----------------------------------------------------------------------


def volunteer_of(user) -> Volunteer | None:
    """The volunteer record linked to a login, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user=user).select_related("community").first()


def volunteer_signups(*, volunteer: Volunteer) -> QuerySet:
    """A volunteer's sign-ups, latest activity first, each waitlisted one with its
    ``waitlist_position``."""
    return (
        Signup.objects.filter(volunteer=volunteer)
        .with_waitlist_position()
        .select_related("activity__center", "activity__team")
        .order_by("-activity__starts_at", "-pk")
    )


def orders_of(*, user) -> QuerySet:
    """The 点单 a resident submitted while logged in, newest first, with their centre."""
    if not getattr(user, "is_authenticated", False):
        return ServiceOrder.objects.none()
    return ServiceOrder.objects.filter(submitted_by=user).select_related("center").order_by("-submitted_at", "-pk")


def volunteer_records(*, volunteer: Volunteer) -> QuerySet:
    return (
        ServiceRecord.objects.filter(volunteer=volunteer)
        .select_related("activity__team", "activity__center")
        .order_by("-started_at", "-pk")
    )


def volunteer_hours(*, volunteer: Volunteer, year: int | None = None) -> dict[str, Decimal]:
    """Confirmed and pending hours (of a year, or ever), in one query."""
    queryset = ServiceRecord.objects.filter(volunteer=volunteer)
    if year is not None:
        queryset = queryset.in_period(_day_start(date(year, 1, 1)), _day_start(date(year + 1, 1, 1)))
    totals = dict(
        queryset.values("status").annotate(total=Coalesce(Sum("hours"), ZERO_HOURS)).values_list("status", "total")
    )
    return {
        "confirmed": totals.get(ServiceRecord.Status.CONFIRMED, Decimal(0)),
        "pending": totals.get(ServiceRecord.Status.PENDING, Decimal(0)),
    }


def points_balance(*, volunteer: Volunteer) -> int:
    """The balance: the sum of the ledger, never a stored column."""
    return PointsEntry.objects.filter(volunteer=volunteer).balance()


def points_ledger(*, volunteer: Volunteer) -> QuerySet:
    return (
        PointsEntry.objects.filter(volunteer=volunteer)
        .select_related("service_record__activity", "redemption__reward")
        .order_by("-created_at", "-pk")
    )


def rewards_for(*, volunteer: Volunteer) -> QuerySet:
    """Gifts this volunteer may exchange: the street's and their community's, in stock."""
    return (
        Reward.objects.available()
        .filter(street_id=volunteer.community.street_id)
        .filter(Q(community__isnull=True) | Q(community_id=volunteer.community_id))
        .order_by("points_cost", "name")
    )


def volunteer_redemptions(*, volunteer: Volunteer) -> QuerySet:
    return Redemption.objects.filter(volunteer=volunteer).select_related("reward").order_by("-created_at")


# --- Certificate and thank-you letter -------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """志愿服务证明, with what 民政部《志愿服务记录办法》 asks a record to hold: who (name, masked
    ID number, volunteer number), what (service content), when and where, how long (hours),
    and who organised and confirmed it."""

    volunteer: Volunteer
    id_number: str
    records: list[ServiceRecord]
    total_hours: Decimal
    start: date | None
    end: date | None
    issuer: str
    issued_on: date


def certificate(*, volunteer: Volunteer, start: date | None = None, end: date | None = None) -> Certificate:
    """Confirmed records of a period (two queries: the records with their activity, team and
    centre, and the volunteer's community and street)."""
    volunteer = Volunteer.objects.select_related("community__street").get(pk=volunteer.pk)
    records = ServiceRecord.objects.confirmed().filter(volunteer=volunteer)
    records = records.in_period(
        _day_start(start) if start else None, _day_start(end + timedelta(days=1)) if end else None
    )
    rows = list(
        records.select_related("activity__team", "activity__center", "reviewed_by").order_by("started_at", "pk")
    )
    street = volunteer.community.street
    return Certificate(
        volunteer=volunteer,
        id_number=mask_id_number(volunteer.id_number),
        records=rows,
        total_hours=sum((r.hours for r in rows), Decimal(0)),
        start=start,
        end=end,
        issuer=f"{street.name}党群服务中心",
        issued_on=timezone.localdate(),
    )


@dataclass(frozen=True)
class ThankYouLetter:
    check_in: CommunityCheckIn
    year: int
    records: list[ServiceRecord]
    total_hours: Decimal
    issued_on: date


def thank_you_letter(*, check_in: CommunityCheckIn, year: int) -> ThankYouLetter:
    """The member's confirmed hours in their residential community during a year (感谢函)."""
    records = list(
        ServiceRecord.objects.confirmed()
        .filter(volunteer__member_id=check_in.member_id, community_id=check_in.community_id)
        .in_period(_day_start(date(year, 1, 1)), _day_start(date(year + 1, 1, 1)))
        .select_related("activity")
        .order_by("started_at")
    )
    return ThankYouLetter(
        check_in=check_in,
        year=year,
        records=records,
        total_hours=sum((r.hours for r in records), Decimal(0)),
        issued_on=timezone.localdate(),
    )


# --- Summaries ------------------------------------------------------------------------------------

SUMMARY_GROUPS = {
    "volunteer": ("志愿者", "volunteer__number", "volunteer__name"),
    "team": ("服务队", "activity__team__name", None),
    "community": ("社区", "community__name", None),
    "month": ("月份", None, None),
}


def hours_summary(
    queryset: QuerySet | None = None, *, by: str, start: date | None = None, end: date | None = None
) -> tuple[str, list[dict]]:
    """Confirmed hours grouped by volunteer, team, community or month in [start, end] (one
    query). Returns the group's label and rows of label, records, volunteers, hours."""
    if by not in SUMMARY_GROUPS:
        raise ValueError(f"unknown summary group {by!r}")
    label, key, extra = SUMMARY_GROUPS[by]
    queryset = (ServiceRecord.objects.all() if queryset is None else queryset).confirmed()
    queryset = queryset.in_period(
        _day_start(start) if start else None, _day_start(end + timedelta(days=1)) if end else None
    )
    if by == "month":
        grouped = queryset.annotate(group=TruncMonth("started_at")).values("group")
    else:
        grouped = queryset.values(key, *([extra] if extra else []))
    rows = grouped.annotate(
        records=Count("pk"), volunteers=Count("volunteer", distinct=True), hours=Coalesce(Sum("hours"), ZERO_HOURS)
    ).order_by(*(["group"] if by == "month" else [key]))
    result = []
    for row in rows:
        if by == "month":
            text = f"{timezone.localtime(row['group']):%Y-%m}" if row["group"] else ""
        elif extra:
            text = f"{row[extra]}（{row[key]}）"
        else:
            text = row[key] or ""
        result.append(
            {"label": text, "records": row["records"], "volunteers": row["volunteers"], "hours": row["hours"]}
        )
    return label, result


# --- Work queues ----------------------------------------------------------------------------------


def pending_records(*, user) -> QuerySet:
    """Hours waiting for confirmation in the user's scope, oldest first."""
    return (
        ServiceRecord.objects.scoped_for(user)
        .awaiting_confirmation()
        .select_related("volunteer", "activity", "community")
        .order_by("started_at", "pk")
    )


def open_orders(*, user) -> QuerySet:
    return ServiceOrder.objects.scoped_for(user).open().select_related("center", "community").order_by("submitted_at")


def stale_orders(*, user, now: datetime | None = None) -> QuerySet:
    return open_orders(user=user).stale(now)


PUBLIC_ORDER_FIELDS = (
    "code", "category", "status", "need", "wanted_when", "submitted_at", "accepted_at", "answered_at", "done_at",
    "declined_reason",
)  # fmt: skip
OWNER_ORDER_FIELDS = ("contact_name", "contact_phone")


def order_by_code(*, code: str, user=None, owned_codes=()) -> dict | None:
    """What a resident following their 点单 with its code may see: what was asked, its steps and
    answer. The contact given is shown to its owner only — the account that submitted it, or
    the browser session that did (``owned_codes``) — never to another holder of the code."""
    order = (
        ServiceOrder.objects.filter(code=code.strip().upper())
        .select_related("center", "answer_activity", "answer_team")
        .first()
    )
    if order is None:
        return None
    is_owner = (
        getattr(user, "is_authenticated", False) and order.submitted_by_id == user.pk
    ) or order.code in owned_codes
    return {
        **{name: getattr(order, name) for name in PUBLIC_ORDER_FIELDS},
        **{name: getattr(order, name) if is_owner else "" for name in OWNER_ORDER_FIELDS},
        "is_owner": is_owner,
        "status_label": order.get_status_display(),
        "category_label": order.get_category_display(),
        "center": order.center.name,
        "center_id": order.center_id if order.center.is_published else None,
        "answer_activity": order.answer_activity.title if order.answer_activity_id else "",
        "answer_team": order.answer_team.name if order.answer_team_id else "",
        "answer_note": order.answer_note,
        "rating": order.rating,
    }


# --- Per-community counts behind the 数读 figures (the public 数读明细 page) ---------------------


def _grouped(queryset: QuerySet, by: str, aggregate) -> dict[int | None, int | Decimal]:
    return dict(queryset.values(by).annotate(value=aggregate).order_by().values_list(by, "value"))


def counts_by_community(*, street: Street, year: int) -> dict[str, dict[int | None, int | Decimal]]:
    """What each community holds of the records the volunteer figures count (``key_figures.py``),
    keyed by count name, then by community id; ``None`` collects the street's records that
    belong to no community (a street-level team, its activities' hours and orders). Seven
    queries, however many communities; ``street_totals`` gives the street-wide distinct counts.

    A member counts once per community here: one who holds posts in two communities counts in
    both rows, but once in ``figures.members_with_post``."""
    year_hours = (
        ServiceRecord.objects.confirmed()
        .filter(street=street)
        .in_period(_day_start(date(year, 1, 1)), _day_start(date(year + 1, 1, 1)))
    )
    teams = VolunteerTeam.objects.active().filter(street=street)
    return {
        "volunteers": _grouped(
            Volunteer.objects.active().filter(community__street=street), "community_id", Count("pk")
        ),
        "teams": _grouped(teams, "community_id", Count("pk")),
        "building_teams": _grouped(teams.filter(kind=VolunteerTeam.Kind.BUILDING), "community_id", Count("pk")),
        "members_with_post": _grouped(
            PostClaim.objects.active().filter(post__community__street=street),
            "post__community_id",
            Count("member", distinct=True),
        ),
        "checked_in_members": _grouped(
            CommunityCheckIn.objects.active().filter(community__street=street),
            "community_id",
            Count("member", distinct=True),
        ),
        "orders_answered": _grouped(
            ServiceOrder.objects.filter(street=street, answered_at__isnull=False), "community_id", Count("pk")
        ),
        "confirmed_hours_this_year": _grouped(year_hours, "community_id", Sum("hours")),
    }


def street_totals(*, street: Street) -> dict[str, int]:
    """The street-wide distinct count where a member may count in several communities (one
    query): members holding a responsibility post. (A member reports (双报到) to one community
    at a time, a database rule, so that column adds up.)"""
    return {
        "members_with_post": PostClaim.objects.active()
        .filter(post__community__street=street)
        .values("member")
        .distinct()
        .count(),
    }


# --- API (staff) ----------------------------------------------------------------------------------


def service_records_for(*, user) -> QuerySet:
    """The service records of the user's scope, newest first, with volunteer and activity."""
    return (
        ServiceRecord.objects.scoped_for(user)
        .select_related("volunteer", "activity", "community")
        .order_by("-started_at", "-pk")
    )


def service_orders_for(*, user) -> QuerySet:
    """The 点单 of the user's scope, newest first, with centre, community and answer."""
    return (
        ServiceOrder.objects.scoped_for(user)
        .select_related("center", "community", "answer_activity", "answer_team")
        .order_by("-submitted_at", "-pk")
    )


def signup_of(*, volunteer: Volunteer | None, activity_id: int) -> Signup | None:
    """A volunteer's live (not cancelled) sign-up for an activity, with its
    ``waitlist_position`` when waitlisted."""
    if volunteer is None:
        return None
    return (
        Signup.objects.filter(activity_id=activity_id, volunteer=volunteer)
        .exclude(status=Signup.Status.CANCELLED)
        .with_waitlist_position()
        .first()
    )
