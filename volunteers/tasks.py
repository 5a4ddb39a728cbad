from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="volunteers.tasks.import_hours")
def import_hours(job_id: int) -> str:
    """Check and write a queued hours file (``services.hours_import_run``). Idempotent: only a
    queued job is claimed, so a retried or duplicated task does nothing."""
    return services.hours_import_run(job_id=job_id).status
