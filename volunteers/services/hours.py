"""Hours: service records, check-in/out, and their review (one by one and in batches)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.refusals import refusal_text
from organizations.scope import require

from ..models import Activity, ServiceRecord, Volunteer
from ._common import HOURS_REFUSAL, _in_scope, _lock_volunteer
from .ledger import _earning_entry, _reverse_earning

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
