"""The hours import: a file checked into a staging table, then written in one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.public_cache import public_content_changed
from organizations.models import Street
from organizations.scope import acts_on_whole_street, scope_of
from organizations.selectors import default_street

from ..models import HoursImport, HoursImportRow
from ..resources import HoursFile, HoursFileError
from ._common import _save
from .hours_staging import _insert_from_staging, _late_overlaps, _Lookups, _self_overlaps, _stage_chunk

logger = logging.getLogger(__name__)


# --- Hours import -----------------------------------------------------------------------------


@transaction.atomic
def hours_import_start(*, upload, user, confirm_first: bool = False) -> HoursImport:
    """Store the file and queue its import (after commit). Street staff only. With
    ``confirm_first`` the checked file waits for ``hours_import_confirm`` (the admin's preview)."""
    from ..tasks import import_hours

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
    job = HoursImport(
        street=street,
        file=upload,
        file_name=getattr(upload, "name", "")[:200],
        created_by=user,
        confirm_first=confirm_first,
    )
    _save(job, user)
    transaction.on_commit(lambda: import_hours.delay(job.pk))
    return job


IMPORT_CHUNK = 2_000


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
    hours_file = None
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
            hours_file = HoursFile(handle, job.file_name)
            for line, row in hours_file.rows():
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

    if hours_file is not None and hours_file.ignored:
        # Said on the job's page, with the preview; not an error (error_count stays 0).
        message = f"已忽略未识别的列：{'、'.join(hours_file.ignored)}。"
        _progress(job.pk, attempt, errors=[{"line": 0, "column": "", "message": message, "warning": True}])
    if job.confirm_first:
        # The staged rows stay for the preview; nothing is written before the clerk confirms.
        _progress(job.pk, attempt, status=HoursImport.Status.CHECKED, total_rows=read, checked_rows=read)
        return HoursImport.objects.get(pk=job.pk)
    return _write(job, attempt)


def _write(job: HoursImport, attempt: int) -> HoursImport:
    _progress(job.pk, attempt, status=HoursImport.Status.WRITING)
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


def hours_import_preview(job: HoursImport, *, limit: int = 200):
    """The rows a checked job will write, in file order (the first ``limit``)."""
    return HoursImportRow.objects.filter(job=job).select_related("volunteer", "activity").order_by("line")[:limit]


def hours_import_confirm(*, job: HoursImport, user) -> HoursImport:
    """Write a checked job's staged rows (all or nothing), as its uploader saw them in the
    preview. Street staff only; a job that is not waiting for confirmation is refused."""
    if (
        not acts_on_whole_street(user)
        or not user.has_perm("volunteers.add_hoursimport")
        or not HoursImport.objects.scoped_for(user).filter(pk=job.pk).exists()
    ):
        raise PermissionDenied("只有街道工作人员可以导入数据。")
    with transaction.atomic():
        claimed = HoursImport.objects.select_for_update().filter(pk=job.pk, status=HoursImport.Status.CHECKED).first()
        if claimed is None:
            job.refresh_from_db()
            raise ValidationError(f"“{job.file_name}”{job.get_status_display()}，不能再确认导入。")
        HoursImport.objects.filter(pk=job.pk).update(status=HoursImport.Status.WRITING, heartbeat_at=timezone.now())
    try:
        return _write(claimed, claimed.attempt)
    except _Superseded:
        return HoursImport.objects.get(pk=job.pk)


@transaction.atomic
def hours_import_rerun(*, job: HoursImport, user) -> HoursImport:
    """Queue a failed job, or one whose run died, again (the same file). Street staff only."""
    from ..tasks import import_hours

    if (
        not acts_on_whole_street(user)
        or not user.has_perm("volunteers.add_hoursimport")
        or not HoursImport.objects.scoped_for(user).filter(pk=job.pk).exists()
    ):
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
