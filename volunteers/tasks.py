from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(bind=True, name="volunteers.tasks.import_hours", max_retries=3)
def import_hours(self, job_id: int) -> str:
    """Check and write a queued hours file (``services.hours_import_run``). Idempotent: a job
    is claimed once; a duplicated task finds it taken or finished and does nothing. A task
    redelivered because its worker died finds the job held by that dead run: it comes back
    once the run counts as silent, and then checks the file again from the start."""
    job = services.hours_import_run(job_id=job_id)
    if job.status in services.RUNNING_IMPORT and not self.request.is_eager:
        raise self.retry(countdown=settings.VOLUNTEERS_IMPORT_STALE_SECONDS + 30)
    return job.status
