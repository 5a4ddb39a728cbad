from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError

from portal.celery import app
from projects import services
from projects.models import StaleReminder
from projects.tasks import remind_stale_projects

from .factories import SecretaryProjectFactory

pytestmark = pytest.mark.django_db

TODAY = date(2023, 8, 10)  # Q3; 60.3 % of the year elapsed


@pytest.fixture
def projects(community, guihua_secretary, tongxin_secretary, street_staff):
    """Three current-year projects: 桂花 stale (no update in Q3), 同心 stale (far behind),
    夏东 on track. The secretaries have e-mail addresses; 夏东 has no secretary account."""
    guihua_secretary.email = "guihua@example.cn"
    guihua_secretary.save()
    tongxin_secretary.email = "tongxin@example.cn"
    tongxin_secretary.save()
    guihua = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    tongxin = SecretaryProjectFactory(community=community("同心社区"), year=2023)
    xiadong = SecretaryProjectFactory(community=community("夏东社区"), year=2023)
    services.progress_update_add(user=guihua_secretary, project=guihua, date=date(2023, 6, 20), text="x", percent=60)
    services.progress_update_add(user=tongxin_secretary, project=tongxin, date=date(2023, 8, 1), text="x", percent=10)
    services.progress_update_add(user=street_staff, project=xiadong, date=date(2023, 8, 1), text="x", percent=70)
    return guihua, tongxin, xiadong


def test_running_twice_sends_one_email_per_stale_project(projects):
    guihua, tongxin, _ = projects

    # when the daily task runs twice on the same day
    first = remind_stale_projects(TODAY.isoformat())
    second = remind_stale_projects(TODAY.isoformat())

    # then one e-mail each, to the right secretary, and nothing the second time
    assert first == {"sent": 2, "already_sent": 0, "no_recipient": 0}
    assert second == {"sent": 0, "already_sent": 2, "no_recipient": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["guihua@example.cn", "tongxin@example.cn"]
    guihua_mail = next(m for m in mail.outbox if m.to == ["guihua@example.cn"])
    assert "本季度尚无进展更新" in guihua_mail.body and "桂花社区" in guihua_mail.subject
    tongxin_mail = next(m for m in mail.outbox if m.to == ["tongxin@example.cn"])
    assert "进度落后于时序进度" in tongxin_mail.body
    assert set(StaleReminder.objects.values_list("project", "year", "quarter")) == {
        (guihua.pk, 2023, 3),
        (tongxin.pk, 2023, 3),
    }


def test_a_later_day_in_the_same_quarter_sends_nothing_and_the_next_quarter_sends_again(projects):
    remind_stale_projects(TODAY.isoformat())
    remind_stale_projects(date(2023, 9, 30).isoformat())
    assert len(mail.outbox) == 2

    remind_stale_projects(date(2023, 10, 8).isoformat())  # Q4: all three are stale now (no Q4 update)
    assert len(mail.outbox) == 4  # 夏东 has no secretary with an address: not sent, not recorded
    assert not StaleReminder.objects.filter(project=projects[2]).exists()


def test_a_run_that_lost_the_race_sends_nothing(projects):
    # A concurrent run inserted the record between our read and our insert.
    real_create = StaleReminder.objects.create

    def racing_create(**kwargs):
        real_create(**kwargs)
        raise IntegrityError("UNIQUE constraint failed: stalereminder_once_per_quarter")

    with mock.patch.object(StaleReminder.objects, "create", side_effect=racing_create):
        counts = services.stale_reminders_send(today=TODAY)

    assert counts["sent"] == 0 and counts["already_sent"] == 2
    assert mail.outbox == []


def test_a_failed_send_is_retried_by_the_next_run(projects):
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionError("smtp down")):
        with pytest.raises(ConnectionError):
            services.stale_reminders_send(today=TODAY)
    assert not StaleReminder.objects.exists()  # the claim rolled back with the failed send

    services.stale_reminders_send(today=TODAY)
    assert len(mail.outbox) == 2


def test_past_years_and_up_to_date_projects_get_no_reminder(projects, community, guihua_secretary):
    SecretaryProjectFactory(community=community("桂花社区"), year=2022)  # closed year, 0 %: 滞后, but no mail

    remind_stale_projects(TODAY.isoformat())

    assert StaleReminder.objects.filter(project__year=2022).count() == 0
    assert not StaleReminder.objects.filter(project=projects[2]).exists()  # 夏东: on track


def test_the_task_is_registered_under_the_beat_name(settings):
    assert "projects.tasks.remind_stale_projects" in app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["projects-remind-stale"]["task"] == "projects.tasks.remind_stale_projects"
