"""`manage.py bootstrap`, the set-up step of `make run`: safe to run twice, keeps passwords."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from organizations.management.commands import bootstrap
from organizations.models import Community, StaffScope
from organizations.scope import SECRETARY_GROUP, STREET_STAFF_GROUP

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_file(tmp_path, monkeypatch):
    path = tmp_path / ".admin-password"
    monkeypatch.setattr(bootstrap, "PASSWORD_FILE", path)
    monkeypatch.delenv("DJANGO_ADMIN_PASSWORD", raising=False)
    return path


def can_log_in(username: str, password: str) -> bool:
    return get_user_model().objects.get(username=username).check_password(password)


def run() -> str:
    out = StringIO()
    call_command("bootstrap", "--no-demo", stdout=out)
    return out.getvalue()


def test_first_run_creates_the_logins_and_prints_the_password(password_file):
    output = run()

    password = password_file.read_text().strip()
    assert len(password) >= 12
    assert f"admin（超级管理员） 密码：{password}" in output
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="jiedao").groups.get().name == STREET_STAFF_GROUP
    guihua = User.objects.get(username="guihua")
    assert guihua.groups.get().name == SECRETARY_GROUP
    assert list(StaffScope.objects.get(user=guihua).communities.values_list("name", flat=True)) == ["桂花社区"]
    assert can_log_in("guihua", password)
    assert Community.objects.count() == 45


def test_second_run_keeps_data_and_password(password_file):
    run()
    password = password_file.read_text().strip()
    counts = (get_user_model().objects.count(), Community.objects.count(), Community.history.count())

    output = run()

    assert password_file.read_text().strip() == password
    assert password in output
    assert (get_user_model().objects.count(), Community.objects.count(), Community.history.count()) == counts
    assert can_log_in("admin", password)


def test_password_from_the_environment_wins(password_file, monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "Chosen-pass-2023!")
    run()
    assert not password_file.exists()
    assert can_log_in("admin", "Chosen-pass-2023!")
