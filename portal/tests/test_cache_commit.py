"""The public content version moves when a write commits, never before, and bulk writes that
send no signal move it too: a page read while a write is still open must not be cached (nor
given an ETag) under the version that stands for the new content."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from core import public_cache as cache
from core import registry
from core.public_cache import content_version
from projects.tests.factories import SecretaryProjectFactory
from volunteers import services as volunteer_services
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory
from volunteers.tests.test_import import csv_file


def test_the_version_moves_at_the_commit_and_once_for_many_writes(
    guicheng, community, django_capture_on_commit_callbacks, monkeypatch
):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="第一版标题")
    before, _ = content_version()
    made = []
    monkeypatch.setattr(cache, "_new_version", lambda real=cache._new_version: made.append(1) or real())

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            project.title = f"改过的标题{n}"
            project.save()
        during, _ = content_version()

    assert during == before  # a read in between still stands for the old content
    assert content_version()[0] != before
    assert len(made) == 1  # five saves, one new version


def test_a_rolled_back_write_leaves_the_version(guicheng, community, django_capture_on_commit_callbacks):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    before, _ = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                project.title = "不会保存的标题"
                project.save()
                raise RuntimeError
        except RuntimeError:
            pass

    assert content_version()[0] == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite locks the whole file")
def test_a_page_read_while_a_write_is_open_is_fresh_after_the_commit(guicheng, community):
    """Another request reads the page between the save and the commit: it sees the old title
    (its own connection) and caches it. After the commit the page and the API are fresh."""
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023, is_public=True, title="旧标题")
    page = reverse("site:project", args=[project.pk])
    api = f"/api/v1/projects/{project.pk}/"
    seen = {}

    def read_meanwhile():
        try:
            visitor = Client()
            seen["page"] = visitor.get(page).content.decode()
            seen["etag"] = visitor.get(api)["ETag"]
        finally:
            connection.close()

    with transaction.atomic():
        project.title = "新标题"
        project.save()
        reader = threading.Thread(target=read_meanwhile)
        reader.start()
        reader.join(timeout=60)

    assert "旧标题" in seen["page"]  # the concurrent read saw the committed content
    assert "新标题" in Client().get(page).content.decode()
    stale = Client().get(api, HTTP_IF_NONE_MATCH=seen["etag"])
    assert stale.status_code == 200 and stale.json()["title"] == "新标题"


def test_an_hours_import_moves_the_version(guicheng, community, street_staff, django_capture_on_commit_callbacks):
    """The import writes with INSERT … SELECT, which sends no post_save."""
    VolunteerFactory(community=community("桂花社区"), number="GC00000001")
    rows = [["GC00000001", "", "", "清理楼道", "2023-05-01 09:00", "2023-05-01 11:30"]]
    job = volunteer_services.hours_import_start(upload=csv_file(rows), user=street_staff)  # not run: no commit
    before, _ = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        job = volunteer_services.hours_import_run(job_id=job.pk)

    assert job.status == "done"
    assert content_version()[0] != before


def test_a_figures_refresh_moves_the_version_only_when_a_figure_changed(
    guicheng, community, django_capture_on_commit_callbacks
):
    registry.refresh(guicheng)
    before, _ = content_version()
    registry.refresh(guicheng)  # nothing changed
    assert content_version()[0] == before

    # a bulk write that sent no signal (as the hours import's INSERT … SELECT does)
    Volunteer.objects.bulk_create([VolunteerFactory.build(community=community("桂花社区"), number="GC09999999")])
    with django_capture_on_commit_callbacks(execute=True):
        registry.refresh(guicheng)

    assert content_version()[0] != before
