"""Shared fixtures: the Guicheng reference data and staff users of each role."""

from datetime import date

import pytest
from django.core.cache import cache

from organizations.models import Community, Street
from organizations.services import guicheng_load, roles_sync, staff_user_create
from portal.celery import app as celery_app

PASSWORD = "Test-pass-2023!"


@pytest.fixture(autouse=True)
def _eager_celery():
    # Tasks run in-process in tests, also when REDIS_URL points Celery at a real broker;
    # the one broker test switches this off for itself.
    celery_app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _clean_cache():
    # Start each test from an empty cache. On Redis only this worker's keys are deleted
    # (each pytest-xdist worker has its own key prefix), never the whole database.
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


# The year the test data are of: the 2023 reports the fixtures come from, and the factories'.
FIXTURE_YEAR = 2023


@pytest.fixture(autouse=True)
def _fixture_year_still_runs(monkeypatch):
    """Past years' 书记工程 and 730 items take no new progress update (``projects.closing``),
    judged on today's date. The tests post to 2023's records, so the closing rule is judged as
    on the last day of 2023 — only that rule: everything else keeps the real date. A test of the
    rule itself sets its own day (``monkeypatch.setattr(closing, "today_in_beijing", …)``)."""
    from projects import closing

    monkeypatch.setattr(closing, "today_in_beijing", lambda: date(FIXTURE_YEAR, 12, 31))
    yield


@pytest.fixture
def guicheng(db) -> Street:
    """The real Guicheng data (45 communities, organisations, centres) and the staff groups."""
    street = guicheng_load()
    roles_sync()
    return street


@pytest.fixture
def community(guicheng):
    def get(name: str) -> Community:
        return Community.objects.get(street=guicheng, name=name)

    return get


@pytest.fixture
def street_staff(guicheng):
    return staff_user_create(username="jiedao", password=PASSWORD, street=guicheng)


@pytest.fixture
def guihua_secretary(guicheng, community):
    return staff_user_create(username="guihua", password=PASSWORD, communities=[community("桂花社区")])


@pytest.fixture
def tongxin_secretary(guicheng, community):
    return staff_user_create(username="tongxin", password=PASSWORD, communities=[community("同心社区")])


@pytest.fixture
def street_client(client, street_staff):
    client.force_login(street_staff)
    return client


@pytest.fixture
def guihua_client(client, guihua_secretary):
    client.force_login(guihua_secretary)
    return client


@pytest.fixture(scope="module")
def guicheng_module(django_db_setup, django_db_blocker) -> Street:
    """The Guicheng data and staff groups, loaded once for a whole test module (a load takes about
    a second) inside a transaction rolled back when the module ends. Each test still runs in its
    own savepoint, so what one test writes is gone before the next. A module opts in with::

        @pytest.fixture
        def guicheng(guicheng_module, db):
            return guicheng_module
    """
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        street = guicheng_load()
        roles_sync()
        yield street
        transaction.set_rollback(True)
