"""Writes of the volunteers app, for the admin, the public site, the workspace and the API alike.

Every function takes the acting ``user`` explicitly, validates with ``full_clean()`` and runs in
one transaction. Rows that a concurrent request could race for are locked first, always in the
same order (volunteer, then activity, then its sign-ups / record / reward / post), so two
requests wait for each other instead of both taking the last place, the last gift or the last
points, and never deadlock by taking two rows in opposite orders:

- a sign-up locks its activity and counts the places held;
- a redemption locks the volunteer (the balance) and takes the stock with a conditional UPDATE;
- a confirmation locks the record; its points entry is unique per confirmation.

Staff act on records in their scope (``scoped_for``); a volunteer acts on their own sign-ups and
redemptions through the login linked to their volunteer record.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from core.once import first_of, insert_once
from core.public_cache import public_content_changed
from core.refusals import refusal_text
from organizations.models import Community, PartyMember, PartyOrganization, ServiceCenter, Street
from organizations.scope import acts_on_whole_street, require, scope_of
from organizations.selectors import default_street

from .models import (
    MAX_RECORD_HOURS,
    Activity,
    CommunityCheckIn,
    HoursImport,
    HoursImportRow,
    PointsEntry,
    PostClaim,
    Redemption,
    ResponsibilityPost,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
    hours_between,
)
from .resources import (
    COLUMN_ACTIVITY,
    COLUMN_DESCRIPTION,
    COLUMN_END,
    COLUMN_NUMBER,
    COLUMN_START,
    HoursFile,
    HoursFileError,
    activity_candidates,
    read_datetime,
)

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "GC"


def _save(obj, user, **kwargs):
    obj.full_clean()
    obj._history_user = user
    obj.save(**kwargs)
    return obj


# A view-only account (an auditor) reads hours and 点单 but never decides on them.
HOURS_REFUSAL = "你只能查看志愿服务时长，没有确认或退回的权限。"
ORDERS_REFUSAL = "你只能查看点单，没有受理或答复的权限。"


def _in_scope(model, pk, user, message: str):
    """The record re-read under a row lock, after checking it lies in the user's scope."""
    obj = model.objects.scoped_for(user).select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise PermissionDenied(message)
    return obj


def acts_for(user, volunteer: Volunteer) -> bool:
    """The volunteer themselves (their linked login) or staff whose scope holds them."""
    if not getattr(user, "is_authenticated", False):
        return False
    if volunteer.user_id is not None and volunteer.user_id == user.pk:
        return True
    return user.is_staff and Volunteer.objects.scoped_for(user).filter(pk=volunteer.pk).exists()


def _lock_volunteer(volunteer: Volunteer, user) -> Volunteer:
    if not acts_for(user, volunteer):
        raise PermissionDenied("你不能为这名志愿者办理。")
    return Volunteer.objects.select_for_update(of=("self",)).get(pk=volunteer.pk)


def _lock_activity(activity_id: int) -> Activity:
    """The activity's row lock, always taken before any of its sign-ups' (one order everywhere)."""
    return Activity.objects.select_for_update(of=("self",)).get(pk=activity_id)


# --- Teams and volunteers ---------------------------------------------------------------------


def _next_number() -> str:
    last = (
        Volunteer.objects.filter(number__regex=rf"^{NUMBER_PREFIX}[0-9]{{8}}$")
        .aggregate(last=Max("number"))
        .get("last")
    )
    return f"{NUMBER_PREFIX}{int(last[len(NUMBER_PREFIX) :]) + 1 if last else 1:08d}"


def _permission(model, obj) -> str:
    """The permission the admin asks for before saving ``obj``: add when new, change when not."""
    action = "add" if obj.pk is None else "change"
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def volunteer_save(*, volunteer: Volunteer, user) -> Volunteer:
    """Register or change a volunteer, in the user's scope (the stored record and the community
    it is saved with, on creation too)."""
    require(user, _permission(Volunteer, volunteer), volunteer, message="这名志愿者不在你的工作范围内。")
    return _volunteer_store(volunteer, user)


def _volunteer_store(volunteer: Volunteer, user) -> Volunteer:
    """A blank number gets the next ``GC00000001``-style one; a concurrent registration that
    took the same number makes this one try the next."""
    if volunteer.member_id and not volunteer.kind:
        volunteer.kind = Volunteer.Kind.PARTY_MEMBER
    assign = not volunteer.number
    for _attempt in range(5):
        if assign:
            volunteer.number = _next_number()
        try:
            with transaction.atomic():
                return _save(volunteer, user)
        except (IntegrityError, ValidationError) as exc:
            taken = isinstance(exc, IntegrityError) or "number" in getattr(exc, "error_dict", {})
            if not (assign and taken):
                raise
    raise ValidationError({"number": "暂时无法分配志愿者编号，请稍后再试。"})


@transaction.atomic
def team_save(*, team: VolunteerTeam, user) -> VolunteerTeam:
    require(user, _permission(VolunteerTeam, team), team, message="这支服务队不在你的工作范围内。")
    return _save(team, user)


# --- Activities and sign-ups ------------------------------------------------------------------


def _taken(activity_id: int) -> int:
    return Signup.objects.filter(activity_id=activity_id, status__in=Signup.HOLDS_PLACE).count()


def _promote_waitlisted(activity: Activity, user) -> list[Signup]:
    """Fill free places from the waitlist, first come first served (the activity is locked)."""
    free = activity.capacity - _taken(activity.pk)
    promoted = []
    if free <= 0:
        return promoted
    now = timezone.now()
    for signup in Signup.objects.filter(activity=activity).waitlisted()[:free]:
        signup.status, signup.promoted_at, signup.changed_by = Signup.Status.REGISTERED, now, user
        promoted.append(_save(signup, user))
    return promoted


@transaction.atomic
def activity_save(*, activity: Activity, user, once: str = "") -> Activity:
    """Create or change an activity; more places promote people from the waitlist. A new
    activity's form sent twice (``once``, see ``core.once``) creates one."""
    require(user, _permission(Activity, activity), activity, message="这个活动不在你的工作范围内。")
    if activity.pk is None:

        def same(first):
            return (first.title, first.starts_at, first.community_id) == (
                activity.title, activity.starts_at, activity.community_id,
            )  # fmt: skip

        if (first := first_of(Activity, once, same=same)) is not None:
            return first
        return insert_once(activity, once, lambda: _save(activity, user), same=same)
    _in_scope(Activity, activity.pk, user, "这个活动不在你的工作范围内。")  # the row lock
    _save(activity, user)
    _promote_waitlisted(activity, user)
    return activity


@transaction.atomic
def signup_register(*, activity: Activity, volunteer: Volunteer, user) -> Signup:
    """Sign ``volunteer`` up: a place while there is one, else the waitlist. Signing up again
    while signed up returns the existing sign-up."""
    volunteer = _lock_volunteer(volunteer, user)
    activity = _lock_activity(activity.pk)
    if activity.is_cancelled:
        raise ValidationError("这个活动已取消。")
    if activity.ends_at <= timezone.now():
        raise ValidationError("这个活动已结束，不能再报名。")
    if not volunteer.is_active:
        raise ValidationError("志愿者已不在册，不能报名。")
    existing = Signup.objects.filter(activity=activity, volunteer=volunteer).exclude(status=Signup.Status.CANCELLED)
    if signup := existing.first():
        return signup
    full = _taken(activity.pk) >= activity.capacity
    signup = Signup(
        activity=activity,
        volunteer=volunteer,
        status=Signup.Status.WAITLISTED if full else Signup.Status.REGISTERED,
        changed_by=user,
    )
    return _save(signup, user)


@transaction.atomic
def signup_cancel(*, signup: Signup, user) -> Signup:
    """Cancel; a place given up goes to the first on the waitlist. Cancelling a cancelled sign-up
    changes nothing, so the waitlist moves once per cancellation."""
    _lock_volunteer(signup.volunteer, user)
    activity = _lock_activity(signup.activity_id)
    signup = Signup.objects.select_for_update(of=("self",)).filter(pk=signup.pk).first()
    if signup is None:
        raise ValidationError("这条报名已被删除。")
    if signup.status == Signup.Status.CANCELLED:
        return signup
    if signup.status in (Signup.Status.ATTENDED, Signup.Status.NO_SHOW):
        raise ValidationError("活动已签到结算，不能取消报名。")
    held = signup.status == Signup.Status.REGISTERED
    signup.status, signup.cancelled_at, signup.changed_by = Signup.Status.CANCELLED, timezone.now(), user
    _save(signup, user)
    if held:
        _promote_waitlisted(activity, user)
    return signup


@transaction.atomic
def signup_delete(*, signup: Signup, user) -> None:
    """Street staff remove a sign-up made in error; its place goes to the waitlist."""
    if not Signup.objects.scoped_for(user).filter(pk=signup.pk).exists():
        raise PermissionDenied("这条报名不在你的工作范围内。")
    # The activity first, then the sign-up, as signup_cancel does: the other way round the two
    # deadlock when a volunteer cancels while staff delete.
    activity = _lock_activity(signup.activity_id)
    signup = _in_scope(Signup, signup.pk, user, "这条报名不在你的工作范围内。")
    signup._history_user = user
    signup.delete()
    _promote_waitlisted(activity, user)


@transaction.atomic
def service_record_change(*, record: ServiceRecord, user) -> ServiceRecord:
    """Correct a pending record (times, activity, content); a reviewed one is un-confirmed or
    sent back first, so its points stay traceable."""
    stored = _in_scope(ServiceRecord, record.pk, user, "这条服务记录不在你的工作范围内。")
    if stored.status != ServiceRecord.Status.PENDING:
        raise ValidationError("已确认或已退回的记录不能直接修改：请先撤销确认。")
    _check_record_scope(record.volunteer, record.activity, user)
    record.status, record.confirmations = stored.status, stored.confirmations
    return _record_save(record, user)


@transaction.atomic
def signup_mark(*, signup: Signup, attended: bool, user) -> Signup:
    """Staff mark attendance after the activity."""
    if not Signup.objects.scoped_for(user).filter(pk=signup.pk).exists():
        raise PermissionDenied("这条报名不在你的工作范围内。")
    _lock_activity(Signup.objects.values_list("activity_id", flat=True).get(pk=signup.pk))
    signup = _in_scope(Signup, signup.pk, user, "这条报名不在你的工作范围内。")
    if signup.status not in (Signup.Status.REGISTERED, Signup.Status.ATTENDED, Signup.Status.NO_SHOW):
        raise ValidationError("只有已报名的志愿者可以登记到场情况。")
    signup.status = Signup.Status.ATTENDED if attended else Signup.Status.NO_SHOW
    signup.changed_by = user
    return _save(signup, user)


# --- Hours ------------------------------------------------------------------------------------


def overlapping(*, volunteer_id: int, started_at: datetime, ended_at: datetime | None, exclude_pk=None):
    """The volunteer's other records (not rejected) whose time meets [started_at, ended_at);
    an open check-in (no end) reaches forward without limit."""
    queryset = ServiceRecord.objects.counting().filter(volunteer_id=volunteer_id)
    if ended_at is not None:
        queryset = queryset.filter(started_at__lt=ended_at)
    queryset = queryset.exclude(ended_at__isnull=False, ended_at__lte=started_at)
    return queryset.exclude(pk=exclude_pk) if exclude_pk else queryset


def overlap_message(other: ServiceRecord) -> str:
    start = timezone.localtime(other.started_at).strftime("%Y-%m-%d %H:%M")
    end = timezone.localtime(other.ended_at).strftime("%H:%M") if other.ended_at else "未签退"
    return f"与这名志愿者已有的服务记录（{start}–{end}）时间重叠。"


def overlap_check(record: ServiceRecord) -> None:
    """The no-overlap rule for every database (PostgreSQL's exclusion constraint also holds it)."""
    if record.status == ServiceRecord.Status.REJECTED or not record.started_at:
        return
    other = overlapping(
        volunteer_id=record.volunteer_id,
        started_at=record.started_at,
        ended_at=record.ended_at,
        exclude_pk=record.pk,
    ).first()
    if other is not None:
        raise ValidationError({"started_at": overlap_message(other)})


def _record_save(record: ServiceRecord, user) -> ServiceRecord:
    record.fill_derived()
    record.full_clean()
    overlap_check(record)
    record._history_user = user
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        if "servicerecord_no_overlap" in str(exc):
            # A concurrent write took the time between our check and our insert.
            raise ValidationError({"started_at": "同一名志愿者的服务时间不能重叠。"}) from exc
        raise
    return record


def _check_record_scope(volunteer: Volunteer, activity: Activity | None, user) -> None:
    if activity is not None and not Activity.objects.scoped_for(user).filter(pk=activity.pk).exists():
        raise PermissionDenied("这个活动不在你的工作范围内。")
    if activity is None and not Volunteer.objects.scoped_for(user).filter(pk=volunteer.pk).exists():
        raise PermissionDenied("这名志愿者不在你的工作范围内。")


@transaction.atomic
def service_record_add(
    *,
    volunteer: Volunteer,
    started_at: datetime,
    ended_at: datetime,
    user,
    activity: Activity | None = None,
    description: str = "",
    source: str = ServiceRecord.Source.STAFF,
) -> ServiceRecord:
    """Staff enter hours (pending until confirmed)."""
    _check_record_scope(volunteer, activity, user)
    record = ServiceRecord(
        volunteer=volunteer,
        activity=activity,
        description=description,
        started_at=started_at,
        ended_at=ended_at,
        source=source,
        created_by=user,
    )
    return _record_save(record, user)


@transaction.atomic
def service_record_check_in(
    *, volunteer: Volunteer, user, activity: Activity | None = None, description: str = "", at=None
) -> ServiceRecord:
    """A volunteer checks in (themselves or through staff); hours follow at check-out."""
    volunteer = _lock_volunteer(volunteer, user)
    record = ServiceRecord(
        volunteer=volunteer,
        activity=activity,
        description=description,
        started_at=at or timezone.now(),
        source=ServiceRecord.Source.CHECK_IN,
        created_by=user,
    )
    return _record_save(record, user)


@transaction.atomic
def service_record_check_out(*, record: ServiceRecord, user, at=None) -> ServiceRecord:
    volunteer = _lock_volunteer(record.volunteer, user)
    record = ServiceRecord.objects.select_for_update(of=("self",)).get(pk=record.pk, volunteer=volunteer)
    if record.ended_at is not None:
        return record
    record.ended_at = at or timezone.now()
    return _record_save(record, user)


def points_for(hours: Decimal) -> int:
    per_hour = Decimal(settings.VOLUNTEERS_POINTS_PER_HOUR)
    return int((Decimal(hours) * per_hour).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _earning_entry(record: ServiceRecord, user) -> PointsEntry | None:
    points = points_for(record.hours)
    if points <= 0:
        return None
    entry = PointsEntry(
        volunteer_id=record.volunteer_id,
        kind=PointsEntry.Kind.EARNED,
        points=points,
        service_record=record,
        confirmation=record.confirmations,
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return entry


def _lock_record(record: ServiceRecord, user) -> tuple[Volunteer, ServiceRecord]:
    """A record to review, with its volunteer (the points balance), locked in that order. Who
    reviews is decided by the record's scope, which is its activity's community (the record is
    kept under it, ``fill_derived``), not the volunteer's: a volunteer registered in another
    community or street (双报到) serves here and is confirmed here."""
    if not ServiceRecord.objects.scoped_for(user).filter(pk=record.pk).exists():
        raise PermissionDenied("这条服务记录不在你的工作范围内。")
    volunteer_id = ServiceRecord.objects.values_list("volunteer_id", flat=True).get(pk=record.pk)
    volunteer = Volunteer.objects.select_for_update(of=("self",)).get(pk=volunteer_id)
    return volunteer, _in_scope(ServiceRecord, record.pk, user, "这条服务记录不在你的工作范围内。")


@transaction.atomic
def service_record_confirm(*, record: ServiceRecord, user, note: str = "") -> ServiceRecord:
    """Confirm the hours and credit the points. Idempotent: a confirmed record stays as it is
    and earns nothing twice (also guarded by ``pointsentry_one_per_confirmation``)."""
    require(user, "volunteers.change_servicerecord", message=HOURS_REFUSAL)
    _volunteer, record = _lock_record(record, user)
    if record.status == ServiceRecord.Status.CONFIRMED:
        return record
    if record.ended_at is None:
        raise ValidationError("尚未签退的记录不能确认。")
    record.status = ServiceRecord.Status.CONFIRMED
    record.reviewed_by, record.reviewed_at, record.review_note = user, timezone.now(), note
    record.confirmations += 1  # the record is locked: no concurrent confirmation counts too
    _record_save(record, user)
    _earning_entry(record, user)
    return record


def _reverse_earning(record: ServiceRecord, volunteer: Volunteer, user, reason: str) -> PointsEntry | None:
    earning = PointsEntry.objects.filter(
        service_record=record, kind=PointsEntry.Kind.EARNED, confirmation=record.confirmations
    ).first()
    if earning is None or PointsEntry.objects.filter(reverses=earning).exists():
        return None
    balance = PointsEntry.objects.filter(volunteer=volunteer).balance()
    if balance - earning.points < 0:
        raise ValidationError(
            f"撤销后积分余额将为负数（现有 {balance} 分，这条记录记了 {earning.points} 分，"
            "积分可能已用于兑换）：请先取消相应兑换，或由街道工作人员做积分调整。"
        )
    reversal = PointsEntry(
        volunteer=volunteer,
        kind=PointsEntry.Kind.REVERSAL,
        points=-earning.points,
        reverses=earning,
        reason=reason,
        created_by=user,
    )
    reversal.full_clean()
    reversal.save()
    return reversal


@transaction.atomic
def service_record_unconfirm(*, record: ServiceRecord, user, reason: str) -> ServiceRecord:
    """Take a confirmation back: the points are reversed by a new ledger line (never deleted)
    and the record waits for confirmation again."""
    require(user, "volunteers.change_servicerecord", message=HOURS_REFUSAL)
    if not reason.strip():
        raise ValidationError("撤销确认须说明原因。")
    volunteer, record = _lock_record(record, user)
    if record.status != ServiceRecord.Status.CONFIRMED:
        return record
    _reverse_earning(record, volunteer, user, reason)
    record.status = ServiceRecord.Status.PENDING
    record.reviewed_by, record.reviewed_at, record.review_note = user, timezone.now(), f"撤销确认：{reason}"
    return _record_save(record, user)


@transaction.atomic
def service_record_reject(*, record: ServiceRecord, user, note: str) -> ServiceRecord:
    """Send the record back (a confirmed one is un-confirmed first, its points reversed)."""
    require(user, "volunteers.change_servicerecord", message=HOURS_REFUSAL)
    if not note.strip():
        raise ValidationError("退回须说明原因。")
    volunteer, record = _lock_record(record, user)
    if record.status == ServiceRecord.Status.REJECTED:
        return record
    if record.ended_at is None:
        raise ValidationError("尚未签退的记录请先签退再退回。")
    if record.status == ServiceRecord.Status.CONFIRMED:
        _reverse_earning(record, volunteer, user, note)
    record.status = ServiceRecord.Status.REJECTED
    record.reviewed_by, record.reviewed_at, record.review_note = user, timezone.now(), note
    return _record_save(record, user)


def _lock_batch(records: Iterable[ServiceRecord]) -> list[ServiceRecord]:
    """The batch's volunteers locked at once in id order: two batches over the same people wait
    for each other instead of deadlocking (each record then re-locks its own volunteer)."""
    records = list(records)
    ids = sorted({record.volunteer_id for record in records})
    list(Volunteer.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk").values_list("pk"))
    return records


def _batch_refusal(record: ServiceRecord, verb: str, error: ValidationError | PermissionDenied) -> ValidationError:
    return ValidationError(f"“{record}”不能{verb}：{refusal_text(error)}（所选记录均未{verb}，请处理这一条后再试。）")


@transaction.atomic
def service_records_confirm(*, records: Iterable[ServiceRecord], user) -> dict[str, int]:
    """Batch confirmation (admin action, workspace, API): one transaction, all or nothing. A
    record that cannot be confirmed stops the batch with a refusal that names it."""
    require(user, "volunteers.change_servicerecord", message=HOURS_REFUSAL)
    counts = {"confirmed": 0, "already": 0}
    for record in _lock_batch(records):
        # The stored status, not the caller's copy: a list may hold one record twice.
        status = ServiceRecord.objects.filter(pk=record.pk).values_list("status", flat=True).first()
        if status == ServiceRecord.Status.CONFIRMED:
            counts["already"] += 1
            continue
        try:
            service_record_confirm(record=record, user=user)
        except (ValidationError, PermissionDenied) as error:
            raise _batch_refusal(record, "确认", error) from error
        counts["confirmed"] += 1
    return counts


@transaction.atomic
def service_records_reject(*, records: Iterable[ServiceRecord], user, note: str) -> int:
    """Batch sending back, like ``service_records_confirm``: all or nothing, the refusal names
    the record that stopped it. Returns how many were sent back."""
    require(user, "volunteers.change_servicerecord", message=HOURS_REFUSAL)
    if not note.strip():
        raise ValidationError("退回须说明原因。")
    done = 0
    for record in _lock_batch(records):
        try:
            service_record_reject(record=record, user=user, note=note)
        except (ValidationError, PermissionDenied) as error:
            raise _batch_refusal(record, "退回", error) from error
        done += 1
    return done


# --- Points and rewards -----------------------------------------------------------------------


@transaction.atomic
def points_adjust(*, volunteer: Volunteer, points: int, reason: str, user) -> PointsEntry:
    """A correction by street staff, with its reason; the balance may not fall below zero."""
    if not acts_on_whole_street(user):
        raise PermissionDenied("积分调整由街道工作人员办理。")
    volunteer = _lock_volunteer(volunteer, user)
    if PointsEntry.objects.filter(volunteer=volunteer).balance() + points < 0:
        raise ValidationError({"points": "调整后积分余额不能为负数。"})
    entry = PointsEntry(
        volunteer=volunteer, kind=PointsEntry.Kind.ADJUSTMENT, points=points, reason=reason.strip(), created_by=user
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def reward_redeem(*, volunteer: Volunteer, reward: Reward, user) -> Redemption:
    """Exchange points for a gift: enough points and a gift in stock, or nothing happens."""
    volunteer = _lock_volunteer(volunteer, user)
    reward = Reward.objects.get(pk=reward.pk)
    if reward.street_id != volunteer.community.street_id or reward.community_id not in (None, volunteer.community_id):
        raise ValidationError("这名志愿者不能兑换这份礼品（不在兑换范围内）。")
    balance = PointsEntry.objects.filter(volunteer=volunteer).balance()
    if balance < reward.points_cost:
        raise ValidationError(f"积分不足：需要 {reward.points_cost} 分，现有 {balance} 分。")
    # The conditional UPDATE is the stock's lock: of two requests for the last gift, one
    # updates a row and the other none.
    if not Reward.objects.filter(pk=reward.pk, is_active=True, stock__gte=1).update(stock=F("stock") - 1):
        raise ValidationError("这份礼品已兑完或暂停兑换。")
    redemption = _save(Redemption(volunteer=volunteer, reward=reward, points=reward.points_cost, created_by=user), user)
    entry = PointsEntry(
        volunteer=volunteer,
        kind=PointsEntry.Kind.REDEMPTION,
        points=-reward.points_cost,
        redemption=redemption,
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return redemption


def _close_redemption(redemption: Redemption, user, status: str) -> Redemption:
    redemption = _in_scope(Redemption, redemption.pk, user, "这条兑换不在你的工作范围内。")
    if redemption.status == status:
        return redemption
    if redemption.status != Redemption.Status.REDEEMED:
        raise ValidationError("这条兑换已领取或已取消。")
    redemption.status, redemption.closed_at, redemption.closed_by = status, timezone.now(), user
    return _save(redemption, user)


@transaction.atomic
def redemption_hand_over(*, redemption: Redemption, user) -> Redemption:
    return _close_redemption(redemption, user, Redemption.Status.HANDED_OVER)


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, user) -> Redemption:
    """Cancel before the gift is handed over: the points come back and the gift to stock."""
    _lock_volunteer(redemption.volunteer, user)
    was = Redemption.objects.get(pk=redemption.pk).status
    redemption = _close_redemption(redemption, user, Redemption.Status.CANCELLED)
    if was == Redemption.Status.CANCELLED:
        return redemption
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    entry = PointsEntry(
        volunteer_id=redemption.volunteer_id,
        kind=PointsEntry.Kind.REFUND,
        points=redemption.points,
        redemption=redemption,
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return redemption


# --- 双报到 -----------------------------------------------------------------------------------


@transaction.atomic
def community_check_in(
    *,
    member: PartyMember,
    community: Community,
    employer: str,
    user,
    registered_on: date | None = None,
    employer_organization: PartyOrganization | None = None,
) -> CommunityCheckIn:
    """An in-service member reports to the community they live in; a member reporting to a new
    community ends the old check-in the same day."""
    if not Community.objects.scoped_for(user).filter(pk=community.pk).exists():
        raise PermissionDenied("这个社区不在你的工作范围内。")
    day = registered_on or timezone.localdate()
    for old in CommunityCheckIn.objects.select_for_update().active().filter(member=member):
        if old.community_id == community.pk:
            return old
        old.ended_on = max(day, old.registered_on)
        _save(old, user)
    check_in = CommunityCheckIn(
        member=member,
        community=community,
        employer=employer,
        employer_organization=employer_organization,
        registered_on=day,
    )
    _save(check_in, user)
    if member.residence_community_id != community.pk:
        member.residence_community = community
        member._history_user = user
        member.save(update_fields=["residence_community"])
    return check_in


# --- 责任岗位 ---------------------------------------------------------------------------------


@transaction.atomic
def post_claim(*, post: ResponsibilityPost, member: PartyMember, user) -> PostClaim:
    """A member without a post claims a post, while it has room (the post is locked)."""
    post = _in_scope(ResponsibilityPost, post.pk, user, "这个岗位不在你的工作范围内。")
    if not post.is_open:
        raise ValidationError("这个岗位暂不开放认领。")
    existing = PostClaim.objects.active().filter(post=post, member=member).first()
    if existing is not None:
        return existing
    if PostClaim.objects.active().filter(post=post).count() >= post.effective_limit:
        raise ValidationError(f"这个岗位已满（上限 {post.effective_limit} 人）。")
    return _save(PostClaim(post=post, member=member, claimed_by=user), user)


@transaction.atomic
def post_claim_end(*, claim: PostClaim, user, ended_on: date | None = None) -> PostClaim:
    claim = _in_scope(PostClaim, claim.pk, user, "这条认领不在你的工作范围内。")
    if claim.ended_on is None:
        claim.ended_on = ended_on or timezone.localdate()
        _save(claim, user)
    return claim


# --- 自助点单 ---------------------------------------------------------------------------------


@transaction.atomic
def service_order_submit(
    *,
    center: ServiceCenter,
    category: str,
    need: str,
    contact_name: str,
    contact_phone: str,
    wanted_when: str = "",
    address: str = "",
    user=None,
    once: str = "",
) -> ServiceOrder:
    """A resident's request (anonymous or logged in). Rate limiting is the caller's (the view).
    The form sent twice (``once``, see ``core.once``) records one order and answers
    the second time with the first."""

    def same(first):
        return (first.center_id, first.need, first.contact_phone) == (center.pk, need, contact_phone)

    if (first := first_of(ServiceOrder, once, same=same)) is not None:
        return first
    order = ServiceOrder(
        center=center,
        street_id=center.street_id,
        community_id=center.community_id,
        category=category,
        need=need,
        wanted_when=wanted_when,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=address,
        submitted_by=user if getattr(user, "is_authenticated", False) else None,
    )
    who = user if getattr(user, "is_authenticated", False) else None
    return insert_once(order, once, lambda: _save(order, who), same=same)


def _advance(order: ServiceOrder, user, *, allowed_from: tuple[str, ...], to: str, **changes) -> ServiceOrder:
    require(user, "volunteers.change_serviceorder", message=ORDERS_REFUSAL)
    order = _in_scope(ServiceOrder, order.pk, user, "这条点单不在你的工作范围内。")
    if order.status == to:
        return order  # a second click changes nothing
    if order.status not in allowed_from:
        raise ValidationError(f"点单当前为“{order.get_status_display()}”，不能执行这一步。")
    now = timezone.now()
    for name, value in changes.items():
        setattr(order, name, now if value is _NOW else value)
    order.status, order.last_action_at = to, now
    return _save(order, user)


_NOW = object()


@transaction.atomic
def service_order_accept(*, order: ServiceOrder, user) -> ServiceOrder:
    return _advance(
        order, user, allowed_from=(ServiceOrder.Status.SUBMITTED,), to=ServiceOrder.Status.ACCEPTED,
        accepted_at=_NOW, accepted_by=user,
    )  # fmt: skip


@transaction.atomic
def service_order_answer(
    *, order: ServiceOrder, user, activity: Activity | None = None, team: VolunteerTeam | None = None, note: str = ""
) -> ServiceOrder:
    """Answer with an activity or a team (from the user's scope)."""
    require(user, "volunteers.change_serviceorder", message=ORDERS_REFUSAL)
    if activity is None and team is None:
        raise ValidationError("请选择响应的活动或服务队。")
    if activity is not None and not Activity.objects.scoped_for(user).filter(pk=activity.pk).exists():
        raise PermissionDenied("这个活动不在你的工作范围内。")
    if team is not None and not VolunteerTeam.objects.scoped_for(user).filter(pk=team.pk).exists():
        raise PermissionDenied("这支服务队不在你的工作范围内。")
    return _advance(
        order, user, allowed_from=(ServiceOrder.Status.ACCEPTED,), to=ServiceOrder.Status.ANSWERED,
        answered_at=_NOW, answered_by=user, answer_activity=activity, answer_team=team, answer_note=note,
    )  # fmt: skip


@transaction.atomic
def service_order_done(*, order: ServiceOrder, user) -> ServiceOrder:
    return _advance(
        order, user, allowed_from=(ServiceOrder.Status.ANSWERED,), to=ServiceOrder.Status.DONE,
        done_at=_NOW, done_by=user,
    )  # fmt: skip


@transaction.atomic
def service_order_decline(*, order: ServiceOrder, user, reason: str) -> ServiceOrder:
    if not reason.strip():
        raise ValidationError("不予受理须说明原因。")
    return _advance(
        order, user,
        allowed_from=(ServiceOrder.Status.SUBMITTED, ServiceOrder.Status.ACCEPTED), to=ServiceOrder.Status.DECLINED,
        declined_reason=reason.strip(), done_at=_NOW, done_by=user,
    )  # fmt: skip


@transaction.atomic
def service_order_rate(
    *, order: ServiceOrder, rating: int, comment: str = "", user=None, code: str = ""
) -> ServiceOrder:
    """The resident rates a finished order: the account that submitted it, or whoever holds its
    tracking code (an anonymous submitter)."""
    order = ServiceOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    is_submitter = getattr(user, "is_authenticated", False) and order.submitted_by_id == user.pk
    if not (is_submitter or (code and secrets_equal(code.strip().upper(), order.code))):
        raise PermissionDenied("只有提交点单的居民可以评价。")
    if order.status == ServiceOrder.Status.RATED:
        return order
    if order.status != ServiceOrder.Status.DONE:
        raise ValidationError("点单办结后才能评价。")
    order.status, order.rating, order.rating_comment = ServiceOrder.Status.RATED, rating, comment.strip()
    order.rated_at = order.last_action_at = timezone.now()
    return _save(order, user if is_submitter else None)


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- Hours import -----------------------------------------------------------------------------


@transaction.atomic
def hours_import_start(*, upload, user) -> HoursImport:
    """Store the file and queue its import (after commit). Street staff only."""
    from .tasks import import_hours

    if not acts_on_whole_street(user):
        raise PermissionDenied("只有街道工作人员可以导入数据。")
    scope = scope_of(user)
    if scope.street_id:
        street = Street.objects.get(pk=scope.street_id)
    else:
        # A superuser: the default street, as the admin's work queue and the site choose it.
        street = default_street()
        if street is None:
            raise ValidationError("还没有任何街道，无法导入。")
    job = HoursImport(street=street, file=upload, file_name=getattr(upload, "name", "")[:200], created_by=user)
    _save(job, user)
    transaction.on_commit(lambda: import_hours.delay(job.pk))
    return job


IMPORT_CHUNK = 2_000


class _Lookups:
    """Volunteers by number and activities by (title, day), looked up a chunk at a time and
    kept for the rest of the file: bounded by the street's volunteers, not by the file's rows."""

    def __init__(self, street_id: int):
        self.street_id = street_id
        self.volunteers: dict[str, tuple[int, int] | None] = {}
        self.activities: dict[tuple[str, date], Activity | None | str] = {}

    def load_volunteers(self, numbers: Iterable[str]) -> None:
        missing = sorted({n for n in numbers if n and n not in self.volunteers})
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            found = Volunteer.objects.filter(number__in=chunk, community__street_id=self.street_id).values_list(
                "number", "pk", "community_id"
            )
            known = {number: (pk, community_id) for number, pk, community_id in found}
            self.volunteers.update({number: known.get(number) for number in chunk})

    def activity(self, title: str, day: date) -> Activity:
        key = (title, day)
        if key not in self.activities:
            found = list(activity_candidates(title, day).filter(street_id=self.street_id)[:2])
            self.activities[key] = found[0] if len(found) == 1 else ("none" if not found else "many")
        value = self.activities[key]
        if value == "none":
            raise ValueError(f"{day:%Y-%m-%d}没有名为“{title}”的活动。")
        if value == "many":
            raise ValueError(f"{day:%Y-%m-%d}有多个名为“{title}”的活动，请改填服务内容。")
        return value


def _stage_chunk(job: HoursImport, chunk: list[tuple[int, dict]], lookups: _Lookups, errors: list) -> list:
    """Checks one chunk of rows; returns the staging rows of the good ones, notes the bad ones."""

    def cell(row, column):
        value = row.get(column)
        return "" if value is None else str(value).strip()

    lookups.load_volunteers(cell(row, COLUMN_NUMBER).upper() for _, row in chunk)
    staged = []
    for line, row in chunk:
        problems: dict[str, str] = {}
        number = cell(row, COLUMN_NUMBER).upper()
        volunteer = lookups.volunteers.get(number) if number else None
        if not number:
            problems[COLUMN_NUMBER] = "必填，不能为空。"
        elif volunteer is None:
            problems[COLUMN_NUMBER] = f"找不到志愿者编号“{number}”（须为本街道登记的志愿者）。"
        times = {}
        for column in (COLUMN_START, COLUMN_END):
            try:
                times[column] = read_datetime(row.get(column))
                if times[column] is None:
                    problems[column] = "必填，不能为空。"
            except ValueError as exc:
                problems[column] = str(exc)
        start, end = times.get(COLUMN_START), times.get(COLUMN_END)
        if start and end:
            if end <= start:
                problems[COLUMN_END] = "结束时间必须晚于开始时间。"
            elif (end - start).total_seconds() > MAX_RECORD_HOURS * 3600:
                problems[COLUMN_END] = f"一条记录不能超过 {MAX_RECORD_HOURS} 小时，请核对日期。"
            elif end > timezone.now():
                problems[COLUMN_END] = "结束时间不能晚于现在。"
        title, description = cell(row, COLUMN_ACTIVITY), cell(row, COLUMN_DESCRIPTION)[:200]
        activity = None
        if title and start:
            try:
                activity = lookups.activity(title, timezone.localtime(start).date())
            except ValueError as exc:
                problems[COLUMN_ACTIVITY] = str(exc)
        elif not title and not description:
            problems[COLUMN_DESCRIPTION] = "请填写活动或服务内容。"
        if problems:
            errors += [{"line": line, "column": column, "message": message} for column, message in problems.items()]
            continue
        volunteer_id, community_id = volunteer
        staged.append(
            HoursImportRow(
                job=job,
                line=line,
                volunteer_id=volunteer_id,
                activity=activity,
                description=description,
                street_id=activity.street_id if activity else job.street_id,
                community_id=activity.community_id if activity else community_id,
                started_at=start,
                ended_at=end,
                hours=hours_between(start, end),
            )
        )
    _overlaps_with_database(staged, errors)
    bad = {error["line"] for error in errors}
    return [row for row in staged if row.line not in bad]


def _overlaps_with_database(staged: list, errors: list) -> None:
    if not staged:
        return
    earliest = min(row.started_at for row in staged)
    latest = max(row.ended_at for row in staged)
    existing: dict[int, list[tuple]] = {}
    records = overlapping_any(
        volunteer_ids={row.volunteer_id for row in staged}, started_at=earliest, ended_at=latest
    ).values_list("volunteer_id", "started_at", "ended_at")
    for volunteer_id, start, end in records:
        existing.setdefault(volunteer_id, []).append((start, end))
    for row in staged:
        for start, end in existing.get(row.volunteer_id, ()):
            if start < row.ended_at and (end is None or end > row.started_at):
                other = ServiceRecord(started_at=start, ended_at=end)
                errors.append({"line": row.line, "column": "开始时间", "message": overlap_message(other)})
                break


def overlapping_any(*, volunteer_ids, started_at: datetime, ended_at: datetime):
    """Records (not rejected) of any of ``volunteer_ids`` that meet [started_at, ended_at)."""
    return (
        ServiceRecord.objects.counting()
        .filter(volunteer_id__in=list(volunteer_ids), started_at__lt=ended_at)
        .exclude(ended_at__isnull=False, ended_at__lte=started_at)
    )


def _self_overlaps(job: HoursImport) -> list[dict]:
    """Rows of the file that overlap an earlier row of the same volunteer, in one query."""
    earlier = (
        HoursImportRow.objects.filter(
            job=job,
            volunteer=OuterRef("volunteer"),
            line__lt=OuterRef("line"),
            started_at__lt=OuterRef("ended_at"),
            ended_at__gt=OuterRef("started_at"),
        )
        .order_by("line")
        .values("line")[:1]
    )
    clashes = (
        HoursImportRow.objects.filter(job=job)
        .annotate(first=Subquery(earlier))
        .filter(first__isnull=False)
        .values_list("line", "first")
        .order_by("line")
    )
    return [
        {"line": line, "column": "开始时间", "message": f"与文件第{first}行同一志愿者的时间重叠。"}
        for line, first in clashes
    ]


def _late_overlaps(job: HoursImport) -> list[int]:
    """Lines that meet a record written after the check (another clerk, meanwhile). On
    PostgreSQL the exclusion constraint refuses those rows anyway, so the query is skipped."""
    if connection.vendor == "postgresql":
        return []
    clash = (
        ServiceRecord.objects.counting()
        .filter(volunteer_id=OuterRef("volunteer_id"), started_at__lt=OuterRef("ended_at"))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("started_at")))
    )
    return list(HoursImportRow.objects.filter(job=job).filter(Exists(clash)).values_list("line", flat=True)[:100])


def _insert_from_staging(job: HoursImport) -> int:
    """The checked rows become pending records, and each record its "created" history row, in
    two set-based INSERT … SELECT statements: no row passes through Python again."""
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    copied = ["volunteer_id", "activity_id", "description", "street_id", "community_id", "started_at", "ended_at"]
    copied.append("hours")
    constants = {
        "source": ServiceRecord.Source.IMPORT,
        "status": ServiceRecord.Status.PENDING,
        "confirmations": 0,
        "review_note": "",
        "created_by_id": job.created_by_id,
        "created_at": now,
        "import_job_id": job.pk,
        "is_demo": False,
    }
    columns = ", ".join(quote(name) for name in [*copied, *constants])
    values = ", ".join([*(quote(name) for name in copied), *["%s"] * len(constants)])
    history = ServiceRecord.history.model
    record_columns = {field.column for field in ServiceRecord._meta.concrete_fields}
    history_values = {
        "history_date": now,
        "history_change_reason": f"文件导入：{job.file_name}",
        "history_type": "+",
        "history_user_id": job.created_by_id,
    }
    history_columns = [f.column for f in history._meta.concrete_fields if f.column != "history_id"]
    history_select = [quote(c) if c in record_columns else "%s" for c in history_columns]
    history_params = [history_values[c] for c in history_columns if c not in record_columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(ServiceRecord._meta.db_table)} ({columns}) "  # noqa: S608 — names from _meta
            f"SELECT {values} FROM {quote(HoursImportRow._meta.db_table)} WHERE {quote('job_id')} = %s "
            f"ORDER BY {quote('line')}",
            [*constants.values(), job.pk],
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(c) for c in history_columns)}) "  # noqa: S608
            f"SELECT {', '.join(history_select)} FROM {quote(ServiceRecord._meta.db_table)} "
            f"WHERE {quote('import_job_id')} = %s",
            [*history_params, job.pk],
        )
    return written


class _Superseded(Exception):
    """Another run claimed the job (this one had gone silent and was taken for dead)."""


RUNNING_IMPORT = (HoursImport.Status.CHECKING, HoursImport.Status.WRITING)


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.VOLUNTEERS_IMPORT_STALE_SECONDS)


def _silent_run() -> Q:
    """A run that shows no progress past the stale limit: its worker died (or was killed)."""
    return Q(status__in=RUNNING_IMPORT) & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before()))


def hours_import_is_stuck(job: HoursImport) -> bool:
    return job.status in RUNNING_IMPORT and (job.heartbeat_at is None or job.heartbeat_at < _stale_before())


def _claim(job_id: int) -> int | None:
    """Claim a queued job, or one whose run went silent (the check starts again from the first
    row). Returns this run's number, or None when a live run holds the job or it is finished.
    A run that is writing holds the job's row lock until it commits, so it is never claimed
    from under it."""
    with transaction.atomic():
        claimable = Q(status=HoursImport.Status.QUEUED) | _silent_run()
        job = HoursImport.objects.select_for_update().filter(claimable, pk=job_id).first()
        if job is None:
            return None
        attempt = job.attempt + 1
        HoursImport.objects.filter(pk=job_id).update(
            status=HoursImport.Status.CHECKING, attempt=attempt, heartbeat_at=timezone.now(),
            total_rows=0, checked_rows=0, error_count=0, errors=[],
        )  # fmt: skip
    return attempt


def _progress(job_id: int, attempt: int, **values) -> None:
    """Progress of this run, and the sign that it is alive; refused once another run took over."""
    if not HoursImport.objects.filter(pk=job_id, attempt=attempt).update(heartbeat_at=timezone.now(), **values):
        raise _Superseded


def _finish(job_id: int, attempt: int, **values) -> HoursImport:
    with transaction.atomic():
        _progress(job_id, attempt, finished_at=timezone.now(), **values)
        HoursImportRow.objects.filter(job_id=job_id).delete()
    return HoursImport.objects.get(pk=job_id)


def hours_import_run(*, job_id: int, chunk_size: int = IMPORT_CHUNK) -> HoursImport:
    """Check and write a queued hours file. All or nothing: the rows are checked first (cells,
    volunteers, activities, overlaps with the database and with the file's own rows) into a
    staging table, with progress saved after every chunk; only a file without a single bad row
    is then written, in one transaction, every record pending confirmation with its history.
    Idempotent: a job that a live run holds, or that is finished, is left alone; a job whose
    run went silent (its worker died) is checked again from the start."""
    attempt = _claim(job_id)
    if attempt is None:
        return HoursImport.objects.get(pk=job_id)
    try:
        return _check_and_write(job_id, attempt, chunk_size)
    except _Superseded:
        return HoursImport.objects.get(pk=job_id)
    except Exception:
        # A bug or a lost database: the job says so and can be run again from the admin.
        logger.exception("hours import %s failed", job_id)
        message = "导入过程中出现系统错误，未写入任何记录：请稍后在“时长导入批次”中选择这一批次并执行“重新导入”。"
        _finish(job_id, attempt, status=HoursImport.Status.FAILED, error_count=1,
                errors=[{"line": 0, "column": "", "message": message}])  # fmt: skip
        raise


def _check_and_write(job_id: int, attempt: int, chunk_size: int) -> HoursImport:
    job = HoursImport.objects.select_related("created_by").get(pk=job_id)
    HoursImportRow.objects.filter(job=job).delete()  # what a run that died had staged
    errors: list[dict] = []
    lookups = _Lookups(job.street_id)
    read = 0

    def stage(chunk):
        rows = _stage_chunk(job, chunk, lookups, errors)
        with transaction.atomic():  # the progress first: a replaced run stages nothing more
            _progress(job.pk, attempt, total_rows=read, checked_rows=read)
            HoursImportRow.objects.bulk_create(rows, batch_size=chunk_size)

    try:
        with job.file.open("rb") as handle:
            chunk: list = []
            for line, row in HoursFile(handle, job.file_name).rows():
                chunk.append((line, row))
                if len(chunk) >= chunk_size:
                    read += len(chunk)
                    stage(chunk)
                    chunk = []
            read += len(chunk)
            stage(chunk)
    except HoursFileError as exc:
        return _finish(
            job.pk, attempt, status=HoursImport.Status.FAILED,
            errors=[{"line": 0, "column": "", "message": str(exc)}], error_count=1, total_rows=read, checked_rows=read,
        )  # fmt: skip
    errors += _self_overlaps(job)
    if read == 0:
        errors.append({"line": 0, "column": "", "message": "文件中没有数据行。"})
    if errors:
        errors.sort(key=lambda error: error["line"])
        return _finish(
            job.pk, attempt, status=HoursImport.Status.FAILED, errors=errors,
            error_count=len({error["line"] for error in errors}), total_rows=read, checked_rows=read,
        )  # fmt: skip

    _progress(job.pk, attempt, status=HoursImport.Status.WRITING, total_rows=read, checked_rows=read)
    try:
        with transaction.atomic():
            # The job's row lock, held to the commit: a retried task waits instead of claiming it.
            if not HoursImport.objects.select_for_update().filter(pk=job.pk, attempt=attempt).exists():
                raise _Superseded
            late = _late_overlaps(job)
            if late:
                raise ValidationError([f"第{line}行：与这段时间内新录入的记录时间重叠。" for line in late])
            written = _insert_from_staging(job)
            public_content_changed()  # raw INSERTs send no post_save
            # Done in the same transaction: a worker dying after the commit leaves a finished
            # job, never one that a retried task would write a second time.
            return _finish(job.pk, attempt, status=HoursImport.Status.DONE, written_rows=written)
    except (ValidationError, IntegrityError) as exc:
        race = "写入时与他人同时录入的记录时间重叠，请重新导入。"
        messages = exc.messages if isinstance(exc, ValidationError) else [race]
        return _finish(
            job.pk, attempt, status=HoursImport.Status.FAILED, error_count=len(messages),
            errors=[{"line": 0, "column": "", "message": message} for message in messages],
        )  # fmt: skip


@transaction.atomic
def hours_import_rerun(*, job: HoursImport, user) -> HoursImport:
    """Queue a failed job, or one whose run died, again (the same file). Street staff only."""
    from .tasks import import_hours

    if not acts_on_whole_street(user) or not HoursImport.objects.scoped_for(user).filter(pk=job.pk).exists():
        raise PermissionDenied("只有街道工作人员可以导入数据。")
    again = Q(status=HoursImport.Status.FAILED) | _silent_run()
    if not HoursImport.objects.filter(again, pk=job.pk).update(
        status=HoursImport.Status.QUEUED, heartbeat_at=None, finished_at=None, error_count=0, errors=[],
        total_rows=0, checked_rows=0, written_rows=0,
    ):  # fmt: skip
        job.refresh_from_db()
        raise ValidationError(f"“{job.file_name}”{job.get_status_display()}，不能重新导入。")
    job.refresh_from_db()
    job._history_user, job._change_reason = user, "重新导入"
    job.save(update_fields=["status"])  # the history row: who ran it again
    transaction.on_commit(lambda: import_hours.delay(job.pk))
    return job


@transaction.atomic
def volunteer_account_register(
    *, phone: str, name: str, password: str, community: Community, show_name: bool
) -> Volunteer | None:
    """A resident signs up on the public site: a login named by their phone number (no SMS: the
    password is theirs to keep) and a resident volunteer record of the community they choose.
    The phone number stays private; the name is shown only with ``show_name``.

    Whether a number already has a login is nobody's business until owning the number can be
    proved (issue 16): the password is checked alike, and a number that has a login gets
    ``None`` — nothing written, that login's password and name unchanged — after the same
    hashing work a new login costs, so neither the answer nor its time tells the two apart."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.password_validation import validate_password

    User = get_user_model()
    phone = phone.strip()
    user = User(username=phone, first_name=name.strip()[:30])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if User.objects.filter(username=phone).exists():
        make_password(password)
        return None
    user.set_password(password)
    user.full_clean(exclude=["password"], validate_unique=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return None  # the same number registered a moment ago: as above
    volunteer = Volunteer(
        community=community,
        name=name.strip(),
        kind=Volunteer.Kind.RESIDENT,
        user=user,
        phone=phone,
        show_name_publicly=show_name,
    )
    # The resident registers themselves: no staff permission or scope is asked for.
    return _volunteer_store(volunteer, user)
