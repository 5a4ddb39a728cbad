"""Rules that run both in memory and in SQL, each written once as a predicate and once as a
``Q``; ``tests/test_rules.py`` proves the two agree (the ``projects/lagging.py`` pattern)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

OPEN_STATUSES = ("submitted", "accepted", "answered")


def stale_after() -> timedelta:
    return timedelta(days=settings.VOLUNTEERS_ORDER_STALE_DAYS)


def order_is_stale(*, status: str, last_action_at: datetime, now: datetime) -> bool:
    """An open 点单 nobody has touched (accepted, answered, closed) for the configured days."""
    return status in OPEN_STATUSES and last_action_at <= now - stale_after()


def stale_order_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, last_action_at__lte=now - stale_after())
