"""Scores from xlsx through the import framework: a good file writes every score; a file with
a score out of range, an unknown organisation or a closed period writes nothing and names every
bad row with its column."""

import io

import openpyxl
import pytest
import tablib
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import XLSX

from indicators import services
from indicators.models import Score
from indicators.resources import ScoreResource
from organizations.services import staff_user_create

from .factories import score_all, society_branch

pytestmark = pytest.mark.django_db

HEADERS = ["街道", "社区", "党组织", "评定期", "维度", "得分", "佐证说明"]


def rows_for(period, subject, values) -> list[list]:
    names = list(period.scheme.dimensions.order_by("number").values_list("name", flat=True))
    return [
        [subject.street.name, subject.community.name, subject.name, period.name, name, value, "台账"]
        for name, value in zip(names, values, strict=True)
    ]


def import_rows(rows, user):
    dataset = tablib.Dataset(*rows, headers=HEADERS)
    return ScoreResource().import_data(dataset, dry_run=False, user=user)


def problems(result) -> dict[int, dict[str, list[str]]]:
    found = {row.number: row.error_dict for row in result.invalid_rows}
    assert not result.has_errors(), [e.error for e in result.base_errors]
    return found


def test_a_good_file_writes_every_score(staff, quarters, rural):
    subject = society_branch(rural)

    result = import_rows(rows_for(quarters[0], subject, [90, 85.5, 80, 70]), staff)

    assert not result.has_validation_errors()
    assert sorted(Score.objects.values_list("value", flat=True)) == [70, 80, 85.5, 90]
    # the same file again changes nothing
    again = import_rows(rows_for(quarters[0], subject, [90, 85.5, 80, 70]), staff)
    assert {row.import_type for row in again.rows} == {"skip"}


def test_bad_rows_write_nothing_and_are_each_named(staff, quarters, rural, run_on_commit):
    # given a closed q1 and an open q2
    q1, q2 = quarters[:2]
    subject = society_branch(rural)
    score_all(q1, subject, 80)
    run_on_commit(services.period_close, period=q1, user=staff)
    before = Score.objects.count()
    good = rows_for(q2, subject, [90, 90, 90, 90])
    out_of_range = rows_for(q2, subject, [101, 90, 90, 90])[0]
    out_of_range[4] = good[0][4]
    good[0] = out_of_range  # line 2: 101 of 100
    unknown = [*good[1]]
    unknown[2] = "不存在经济社党支部"  # line 6
    closed = rows_for(q1, subject, [85, 85, 85, 85])[0]  # line 7
    negative = rows_for(q2, society_branch(rural), [-5, 90, 90, 90])[0]  # line 8

    # when
    result = import_rows([*good, unknown, closed, negative], staff)

    # then
    assert Score.objects.count() == before
    found = problems(result)
    assert set(found) == {2, 6, 7, 8}
    assert "超出" in found[2]["得分"][0]
    assert "找不到党组织“不存在经济社党支部”" in found[6]["党组织"][0]
    assert "已评定" in found[7]["评定期"][0]
    assert found[8]["得分"]


def test_a_subject_the_scheme_does_not_rate_is_refused(staff, quarters, rural):
    committee = society_branch(rural).parent

    result = import_rows(rows_for(quarters[0], committee, [90, 90, 90, 90]), staff)

    assert not Score.objects.exists()
    assert "不是这一方案的评定对象" in problems(result)[2]["党组织"][0]


def test_the_admin_import_refuses_a_bad_xlsx_and_a_secretary(client, staff, quarters, rural, django_user_model):
    subject = society_branch(rural)
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows_for(quarters[0], subject, [90, 90, 120, 90]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(staff)
    data = {
        "resource": "0",
        "format": str(settings.IMPORT_EXPORT_FORMATS.index(XLSX)),
        "import_file": SimpleUploadedFile("scores.xlsx", buffer.getvalue()),
    }

    response = client.post(reverse("admin:indicators_score_import"), data)

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert "第4行" in response.content.decode() or "超出" in response.content.decode()
    assert not Score.objects.exists()

    secretary = staff_user_create(username="shuji-i", password=None, communities=[rural])
    client.force_login(secretary)
    assert client.get(reverse("admin:indicators_score_import")).status_code == 403
