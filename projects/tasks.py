from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from easy_thumbnails.files import get_thumbnailer

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
    """Make the thumbnail of an uploaded progress photo. Idempotent: easy-thumbnails returns the
    existing thumbnail when there is one. A photo deleted meanwhile is skipped."""
    photo = UpdatePhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return False
    try:
        get_thumbnailer(photo.image)["thumb"]
    except Exception:  # a broken file must not fail the upload that already committed
        logger.exception("缩略图生成失败：进展照片 %s", photo_id)
        return False
    return True
