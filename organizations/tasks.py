from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="organizations.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Periodic housekeeping: drop expired login sessions from the database. Idempotent: a
    second run finds nothing left to delete."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
