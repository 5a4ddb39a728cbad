"""A background hours import whose worker dies: the task, delivered again, finds the job silent
and checks the file again from the start (writing it once); a run that fails on an error marks
the job failed with a message, and street staff run it again from the admin."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from volunteers import services
from volunteers.models import HoursImport, HoursImportRow, ServiceRecord, Volunteer
from volunteers.services import hours_import
from volunteers.tasks import import_hours

from .factories import VolunteerFactory
from .test_import import csv_file

pytestmark = pytest.mark.django_db

ROWS = [
    [f"GC0000000{n}", "", "", "清理楼道", f"2023-05-0{d} 09:00", f"2023-05-0{d} 11:00"]
    for n in (1, 2)
    for d in (1, 2, 3)
]


@pytest.fixture
def queued(guihua, street_staff):
    for n in (1, 2):
        VolunteerFactory(community=guihua, number=f"GC0000000{n}")
    return services.hours_import_start(upload=csv_file(ROWS), user=street_staff)  # no commit: not run yet


def crash_mid_check(job, *, seconds_ago):
    """What a worker killed after its first chunk leaves: the job 校验中, half staged."""
    job.refresh_from_db()
    HoursImport.objects.filter(pk=job.pk).update(
        status=HoursImport.Status.CHECKING, attempt=1, checked_rows=2, total_rows=2,
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago),
    )  # fmt: skip
    volunteer = Volunteer.objects.get(number="GC00000001")
    HoursImportRow.objects.create(
        job=job, line=2, volunteer=volunteer, street=job.street, description="清理楼道",
        started_at=timezone.now() - timedelta(hours=3), ended_at=timezone.now() - timedelta(hours=2), hours=1,
    )  # fmt: skip


def test_the_redelivered_task_checks_a_dead_runs_file_again_and_writes_it_once(queued, settings):
    crash_mid_check(queued, seconds_ago=settings.VOLUNTEERS_IMPORT_STALE_SECONDS + 1)

    status = import_hours.apply(args=[queued.pk]).get()

    queued.refresh_from_db()
    assert (status, queued.written_rows, queued.checked_rows, queued.attempt) == ("done", 6, 6, 2)
    assert ServiceRecord.objects.filter(import_job=queued).count() == 6
    assert not HoursImportRow.objects.exists()
    # and once more: finished, nothing more
    import_hours.apply(args=[queued.pk]).get()
    assert ServiceRecord.objects.count() == 6


def test_a_run_that_shows_progress_is_left_alone(queued, settings):
    crash_mid_check(queued, seconds_ago=5)

    job = services.hours_import_run(job_id=queued.pk)

    assert (job.status, job.attempt) == ("checking", 1)
    assert not ServiceRecord.objects.exists()


def test_a_run_taken_for_dead_stops_at_its_next_chunk(queued, monkeypatch):
    real = hours_import._stage_chunk

    def stage_then_be_replaced(job, chunk, lookups, errors):
        # meanwhile the retried task claimed the job (this run had gone silent)
        HoursImport.objects.filter(pk=job.pk).update(attempt=job.attempt + 7)
        return real(job, chunk, lookups, errors)

    monkeypatch.setattr(hours_import, "_stage_chunk", stage_then_be_replaced)
    job = services.hours_import_run(job_id=queued.pk, chunk_size=2)

    assert job.status == "checking"  # the other run's now
    assert not HoursImportRow.objects.exists() and not ServiceRecord.objects.exists()


def test_an_error_mid_check_marks_the_job_failed_and_the_admin_runs_it_again(
    queued, monkeypatch, street_client, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(hours_import, "_stage_chunk", broken)
    with pytest.raises(RuntimeError):
        services.hours_import_run(job_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == "failed" and "重新导入" in queued.errors[0]["message"]
    assert not HoursImportRow.objects.exists()

    monkeypatch.undo()
    changelist = reverse("admin:volunteers_hoursimport_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = street_client.post(changelist, {"action": "rerun", "_selected_action": [queued.pk]}, follow=True)

    assert any("已重新排队" in str(m) for m in get_messages(response.wsgi_request))
    queued.refresh_from_db()
    assert (queued.status, queued.written_rows, queued.errors) == ("done", 6, [])


def test_a_stuck_job_can_be_run_again_but_not_a_live_or_finished_one(queued, street_staff, settings):
    crash_mid_check(queued, seconds_ago=5)
    with pytest.raises(ValidationError):
        services.hours_import_rerun(job=queued, user=street_staff)

    crash_mid_check(queued, seconds_ago=settings.VOLUNTEERS_IMPORT_STALE_SECONDS + 1)
    assert services.hours_import_rerun(job=queued, user=street_staff).status == "queued"
    services.hours_import_run(job_id=queued.pk)

    with pytest.raises(ValidationError):
        services.hours_import_rerun(job=queued, user=street_staff)


def test_only_street_staff_run_a_job_again(queued, guihua_secretary):
    HoursImport.objects.filter(pk=queued.pk).update(status=HoursImport.Status.FAILED)
    with pytest.raises(PermissionDenied):
        services.hours_import_rerun(job=queued, user=guihua_secretary)
