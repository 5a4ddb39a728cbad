"""The stale-order rule holds the same in memory (the admin column) and in SQL (the filter):
``Q.check`` runs the condition in the database against the same values."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers.models import ServiceOrder
from volunteers.rules import order_is_stale, stale_order_q

pytestmark = pytest.mark.django_db
NOW = datetime(2023, 6, 30, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from([s for s, _ in ServiceOrder.Status.choices]),
    minutes_ago=st.integers(0, 10 * 24 * 60),
    stale_days=st.integers(1, 7),
)
def test_predicate_and_query_agree(settings, status, minutes_ago, stale_days):
    settings.VOLUNTEERS_ORDER_STALE_DAYS = stale_days
    last = NOW - timedelta(minutes=minutes_ago)

    in_sql = stale_order_q(NOW).check({"status": Value(status), "last_action_at": Value(last)})

    assert in_sql == order_is_stale(status=status, last_action_at=last, now=NOW)
    assert in_sql == (status in ServiceOrder.OPEN and minutes_ago >= stale_days * 24 * 60)
