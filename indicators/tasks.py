from __future__ import annotations

from celery import shared_task

from core import registry
from organizations.models import Street

from . import services


@shared_task(name="indicators.tasks.compute_period_ratings")
def compute_period_ratings(period_id: int) -> dict[str, int]:
    """Rate every subject of a closed period (queued by ``services.period_close`` after its
    commit). Idempotent: the period's ``ratings_computed_at`` guards a second run."""
    result = services.period_ratings_compute(period_id=period_id)
    return {"rated": result.rated, "cases_opened": result.cases_opened, "cases_closed": result.cases_closed}


@shared_task(name="indicators.tasks.refresh_key_figures")
def refresh_key_figures() -> int:
    """Periodic (see ``CELERY_BEAT_SCHEDULE``): recheck every street's stored 数读 snapshot, which
    also catches bulk writes that sent no signal and figures that move with the date (its 截至
    time moves only if a value changed). Returns how many streets."""
    streets = list(Street.objects.order_by("pk"))
    for street in streets:
        registry.refresh(street)
    return len(streets)
