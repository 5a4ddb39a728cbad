from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

from . import services
from .models import UpdatePhoto

logger = logging.getLogger(__name__)


@shared_task(name="projects.tasks.remind_stale_projects")
def remind_stale_projects(today: str | None = None) -> dict[str, int]:
    """Daily (see ``CELERY_BEAT_SCHEDULE``): e-mail the secretaries of each 滞后 project once
    per quarter. Idempotent through the ``StaleReminder`` record: a second run sends nothing.
    ``today`` (ISO date) is for replaying a day; by default it is today in Beijing."""
    return services.stale_reminders_send(today=date.fromisoformat(today) if today else None)


@shared_task(name="projects.tasks.make_photo_thumbnails")
def make_photo_thumbnails(photo_id: int) -> bool:
    """Make the display copy and the thumbnail of a progress photo that has none. Uploads get
    them when they are saved; this is for a photo stored without them (queued by an older
    version, or sent from a shell). Idempotent; a photo deleted meanwhile is skipped."""
    photos = UpdatePhoto.objects.filter(pk=photo_id)
    if not photos.exists():
        return False
    _, failed = services.photo_sizes_make(photos)
    for line in failed:
        logger.error("缩略图生成失败：%s", line)
    return not failed
