"""Importing community secretaries' logins: a new phone gets an account with the 社区书记 role,
a one-time password shown once after confirm and a forced change at first login; a known phone
keeps its password; bad rows write nothing; only street staff import."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from organizations import resources
from organizations.models import PasswordChangeDue, StaffScope
from organizations.services import staff_user_create
from organizations.tests.test_import_export import (
    errors_of,
    export_file,
    import_file,
    import_rows,
    make_file,
    post_file,
    read_file,
)

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "手机", "街道", "社区"]
User = get_user_model()


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def row(name="李书记", phone="13800001111", community="桂花社区"):
    return dict(zip(HEADERS, [name, phone, "桂城街道", community], strict=True))


def test_a_new_phone_becomes_a_secretary_who_must_change_the_password(guicheng):
    passwords: list = []
    resource = resources.SecretaryAccountResource(new_passwords=passwords)
    dataset = read_file("csv", make_file("csv", HEADERS, [list(row().values())]))

    result = resource.import_data(dataset)

    assert errors_of(result) == {}
    user = User.objects.get(username="13800001111")
    assert (user.first_name, user.is_staff) == ("李书记", True)
    assert list(user.groups.values_list("name", flat=True)) == [Group.objects.get(user=user).name]
    scope = user.staff_scope
    assert not scope.whole_street
    assert PasswordChangeDue.objects.filter(user=user).exists()
    assert [c.name for c in scope.communities.all()] == ["桂花社区"]
    [(name, phone, password)] = passwords
    assert (name, phone) == ("李书记", "13800001111")
    assert user.check_password(password) and len(password) == 12
    assert password not in str(list(StaffScope.history.values())) + str(list(User.objects.values()))


def test_a_known_phone_keeps_its_password_and_gets_the_new_community(guicheng, community):
    user = staff_user_create(username="13800001111", password="Old-pass-2023!", communities=[community("同心社区")])
    passwords: list = []

    result = resources.SecretaryAccountResource(new_passwords=passwords).import_data(
        read_file("csv", make_file("csv", HEADERS, [list(row(community="桂花社区、同心社区").values())]))
    )

    assert errors_of(result) == {}
    assert result.totals["update"] == 1
    assert passwords == []
    user.refresh_from_db()
    assert user.check_password("Old-pass-2023!")
    assert sorted(c.name for c in user.staff_scope.communities.all()) == ["同心社区", "桂花社区"]
    assert not PasswordChangeDue.objects.filter(user=user).exists()


def test_an_export_imports_back_unchanged(guicheng, guihua_secretary):
    for fmt in ("xlsx", "csv"):
        result = import_file(
            resources.SecretaryAccountResource, fmt, export_file(resources.SecretaryAccountResource, fmt)
        )
        assert errors_of(result) == {}
        assert result.totals["skip"] == StaffScope.objects.filter(whole_street=False).count()


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"手机": "12345"}, "手机", "请填写 11 位手机号"),
        ({"手机": "jiedao"}, "手机", "请填写 11 位手机号"),
        ({"社区": "无此社区"}, "社区", "没有这样的社区：无此社区"),
        ({"姓名": ""}, "姓名", "必填"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(guicheng, street_staff, change, column, reason):
    users = User.objects.count()
    rows = [row(phone="13800002222"), row() | change]

    result = import_rows(resources.SecretaryAccountResource, rows, user=street_staff)

    errors = errors_of(result)
    assert list(errors) == [3]
    assert any(reason in message for message in errors[3][column]), errors
    assert User.objects.count() == users


def test_a_street_staff_login_cannot_be_taken_over_by_a_secretary_row(guicheng, street_staff):
    staff_user_create(username="13800003333", password="x-Pass-2023!", street=guicheng)

    result = import_rows(resources.SecretaryAccountResource, [row(phone="13800003333")], user=street_staff)

    assert "已是其他街道或街道工作人员的登录名" in errors_of(result)[2]["手机"][0]
    assert StaffScope.objects.get(user__username="13800003333").whole_street


def test_a_secretary_cannot_import_logins(guihua_secretary):
    result = import_rows(resources.SecretaryAccountResource, [row()], user=guihua_secretary)

    assert [str(error.error) for error in result.base_errors] == ["只有街道工作人员可以导入数据。"]
    assert not User.objects.filter(username="13800001111").exists()


def test_the_admin_shows_the_passwords_once_then_the_secretary_must_change_it(client, street_client, guicheng):
    content = make_file("xlsx", HEADERS, [list(row().values())])
    preview = post_file(street_client, StaffScope, "xlsx", content, "书记.xlsx")
    assert preview.status_code == 200
    assert not User.objects.filter(username="13800001111").exists()

    done = street_client.post(
        reverse("admin:organizations_staffscope_process_import"), preview.context["confirm_form"].initial
    )

    # the result page shows the one-time password, with an xlsx of it, and is not cached
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    html = done.content.decode()
    [(name, phone, password)] = done.context["passwords"]
    assert password in html and "只显示这一次" in html
    xlsx = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx))).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1] == ["李书记", "13800001111", password]
    # shown once: nothing else shows it again
    assert password not in street_client.get(reverse("admin:organizations_staffscope_import")).content.decode()

    # the new secretary logs in and is sent to change the password, wherever they go
    street_client.logout()
    login = client.post(reverse("admin:login"), {"username": "13800001111", "password": password})
    assert login.status_code == 302
    for url in (reverse("after_login"), reverse("workspace:home"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("admin:password_change")
    assert client.get(reverse("admin:password_change")).status_code == 200

    changed = client.post(
        reverse("admin:password_change"),
        {"old_password": password, "new_password1": "Neu-Pass-2026!x", "new_password2": "Neu-Pass-2026!x"},
    )

    assert changed.status_code == 302
    assert not PasswordChangeDue.objects.filter(user__username="13800001111").exists()
    assert client.get(reverse("workspace:home")).status_code == 200
