"""Hours files: the background import (any size) and the admin's import (the framework's preview),
good and bad. A file with a bad row writes nothing and names every bad row."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from volunteers import services
from volunteers.models import HoursImport, HoursImportRow, ServiceRecord
from volunteers.resources import ServiceRecordResource

from .factories import ActivityFactory, ServiceRecordFactory, VolunteerFactory, at

pytestmark = pytest.mark.django_db
HEADER = ["志愿者编号", "姓名", "活动", "服务内容", "开始时间", "结束时间"]


def csv_file(rows, header=HEADER, name="hours.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


def xlsx_file(rows, name="hours.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def people(guihua):
    return [VolunteerFactory(community=guihua, number=f"GC{i:08d}") for i in range(1, 4)]


def run(upload, user) -> HoursImport:
    job = services.hours_import_start(upload=upload, user=user)  # eager Celery runs it on commit
    job = services.hours_import_run(job_id=job.pk)  # and a second run changes nothing
    return HoursImport.objects.get(pk=job.pk)


def test_a_good_file_writes_every_row_pending_with_history(people, street_staff, django_capture_on_commit_callbacks):
    activity = ActivityFactory(community=people[0].community, title="义诊进社区", starts_at=at(6, 9), ends_at=at(6, 12))
    rows = [
        ["GC00000001", "", "", "清理楼道", "2023-05-01 09:00", "2023-05-01 11:30"],
        ["gc00000002", "", "义诊进社区", "", "2023/5/6 9:00", "2023/5/6 12:00"],
        ["GC00000001", "", "", "探访长者", "2023年5月1日 11:30", "2023年5月1日 12:00"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.hours_import_start(upload=csv_file(rows), user=street_staff)
    job.refresh_from_db()

    assert (job.status, job.total_rows, job.written_rows, job.errors) == ("done", 3, 3, [])
    records = ServiceRecord.objects.filter(import_job=job).order_by("started_at")
    assert [str(r.hours) for r in records] == ["2.50", "0.50", "3.00"]
    assert {r.status for r in records} == {"pending"} and records[2].activity == activity
    assert all(r.history.get().history_user == street_staff for r in records)
    assert not HoursImportRow.objects.exists()
    # a second run of the same job writes nothing more
    services.hours_import_run(job_id=job.pk)
    assert ServiceRecord.objects.filter(import_job=job).count() == 3


def test_a_bad_file_writes_nothing_and_names_every_bad_row(people, street_staff):
    ServiceRecordFactory(volunteer=people[2], started_at=at(2, 9), ended_at=at(2, 11))
    rows = [
        ["GC00000001", "", "", "清理楼道", "2023-05-01 09:00", "2023-05-01 11:00"],  # 2: good
        ["GC99999999", "", "", "清理楼道", "2023-05-01 09:00", "2023-05-01 11:00"],  # 3: unknown number
        ["GC00000002", "", "", "清理楼道", "明天上午", "2023-05-01 11:00"],  # 4: bad time
        ["GC00000002", "", "", "清理楼道", "2023-05-01 11:00", "2023-05-01 10:00"],  # 5: ends before start
        ["GC00000002", "", "", "", "2023-05-03 09:00", "2023-05-03 10:00"],  # 6: no content
        ["GC00000003", "", "", "值守", "2023-05-02 10:00", "2023-05-02 12:00"],  # 7: overlaps the database
        ["GC00000001", "", "", "值守", "2023-05-01 10:00", "2023-05-01 12:00"],  # 8: overlaps line 2
        ["GC00000001", "", "没有的活动", "", "2023-05-09 10:00", "2023-05-09 12:00"],  # 9: unknown activity
    ]
    job = run(xlsx_file(rows), street_staff)

    assert job.status == HoursImport.Status.FAILED
    assert ServiceRecord.objects.count() == 1 and not HoursImportRow.objects.exists()
    by_line = {e["line"]: (e["column"], e["message"]) for e in job.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
    assert job.error_count == 7
    assert "GC99999999" in by_line[3][1]
    assert by_line[4][0] == "开始时间" and by_line[5][0] == "结束时间"
    assert "重叠" in by_line[7][1] and "第2行" in by_line[8][1]
    assert "没有的活动" in by_line[9][1]


def test_a_file_with_wrong_columns_is_refused_whole(street_staff):
    job = run(csv_file([["x"]], header=["编号", "开始"]), street_staff)
    assert job.status == "failed" and "缺少必需的列" in job.errors[0]["message"]


def test_only_street_staff_import(guihua_secretary, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.hours_import_start(upload=csv_file([]), user=guihua_secretary)


def test_another_streets_volunteer_is_unknown(street_staff):
    other = VolunteerFactory(number="XQ00000001")  # a community of another street
    job = run(csv_file([[other.number, "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"]]), street_staff)
    assert job.status == "failed" and job.errors[0]["line"] == 2


def test_the_admin_shows_progress_and_errors(street_client, people, street_staff):
    job = run(csv_file([["GC99999999", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"]]), street_staff)
    page = street_client.get(reverse("admin:volunteers_hoursimport_change", args=[job.pk]))
    assert "第2行" in page.content.decode() and "GC99999999" in page.content.decode()
    listing = street_client.get(reverse("admin:volunteers_hoursimport_changelist")).content.decode()
    assert "已校验 1 行" in listing


def test_upload_through_the_admin_previews_then_writes_on_confirm(
    street_client, people, django_capture_on_commit_callbacks
):
    # given the add page: the columns it needs and the template, before any upload
    form = street_client.get(reverse("admin:volunteers_hoursimport_add")).content.decode()
    assert "必需的列：志愿者编号、开始时间、结束时间" in form
    assert reverse("admin:volunteers_hoursimport_template") in form
    upload = csv_file([["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"]])

    # when uploaded: checked into the staging table, previewed, nothing written
    with django_capture_on_commit_callbacks(execute=True):
        response = street_client.post(reverse("admin:volunteers_hoursimport_add"), {"file": upload})
    job = HoursImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:volunteers_hoursimport_change", args=[job.pk])
    assert job.status == "checked"
    assert not ServiceRecord.objects.exists()
    page = street_client.get(response.url).content.decode()
    assert "预览" in page and "GC00000001" in page and "值守" in page and "2023-05-01 09:00" in page
    confirm_url = reverse("admin:volunteers_hoursimport_confirm", args=[job.pk])
    assert confirm_url in page

    # when confirmed: written, once
    done = street_client.post(confirm_url)
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and job.written_rows == 1
    assert ServiceRecord.objects.filter(volunteer=people[0]).count() == 1
    assert not HoursImportRow.objects.filter(job=job).exists()
    again = street_client.post(confirm_url, follow=True)
    assert "不能再确认导入" in again.content.decode()
    assert ServiceRecord.objects.count() == 1


def test_an_admin_upload_with_a_bad_row_writes_nothing_and_names_row_column_reason(
    street_client, people, django_capture_on_commit_callbacks
):
    rows = [
        ["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"],
        ["GC00000002", "", "", "值守", "2023-05-01 09:00", "2023-05-01 08:00"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        street_client.post(reverse("admin:volunteers_hoursimport_add"), {"file": csv_file(rows)})
    job = HoursImport.objects.get()

    page = street_client.get(reverse("admin:volunteers_hoursimport_change", args=[job.pk])).content.decode()

    assert job.status == "failed"
    assert "第3行 · 结束时间：结束时间必须晚于开始时间。" in page
    assert reverse("admin:volunteers_hoursimport_confirm", args=[job.pk]) not in page
    assert street_client.post(reverse("admin:volunteers_hoursimport_confirm", args=[job.pk])).status_code == 302
    assert not ServiceRecord.objects.exists()


def test_the_hours_template_has_the_hours_export_header(street_client):
    response = street_client.get(reverse("admin:volunteers_hoursimport_template"))

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == list(ServiceRecordResource().get_export_headers())
    assert book.sheetnames[1] == "说明"


def test_the_hours_template_is_for_street_staff(guihua_client):
    assert guihua_client.get(reverse("admin:volunteers_hoursimport_template")).status_code == 403


def test_a_secretary_cannot_confirm_a_checked_file(street_staff, guihua_secretary, people):
    upload = csv_file([["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"]])
    job = services.hours_import_start(upload=upload, user=street_staff, confirm_first=True)
    job = services.hours_import_run(job_id=job.pk)
    assert job.status == "checked"

    with pytest.raises(PermissionDenied):
        services.hours_import_confirm(job=job, user=guihua_secretary)
    assert not ServiceRecord.objects.exists()


def test_a_superuser_imports_into_the_default_street(admin_client, people, django_capture_on_commit_callbacks):
    # A superuser has no street of their own: the file goes to the default street, the one the
    # admin's work queue and the site open on (it raised AttributeError on a removed setting).
    upload = csv_file([["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"]])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:volunteers_hoursimport_add"), {"file": upload})
    assert response.status_code == 302
    job = HoursImport.objects.get()
    assert (job.street, job.status) == (people[0].community.street, "checked")
    admin_client.post(reverse("admin:volunteers_hoursimport_confirm", args=[job.pk]))
    assert ServiceRecord.objects.filter(volunteer=people[0]).count() == 1


# --- The admin's own import (PortalResource) -------------------------------------------------------


def import_rows(rows, user):
    import tablib

    dataset = tablib.Dataset(headers=HEADER)
    for row in rows:
        dataset.append(row)
    return ServiceRecordResource().import_data(dataset, dry_run=False, user=user)


def test_the_resource_imports_good_rows_and_round_trips(people, street_staff):
    result = import_rows([["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"]], street_staff)
    assert not result.has_validation_errors() and not result.has_errors()
    record = ServiceRecord.objects.get()
    assert (record.source, record.created_by, record.street) == ("import", street_staff, people[0].community.street)

    exported = ServiceRecordResource().export(queryset=ServiceRecord.objects.all())
    again = ServiceRecordResource().import_data(exported, dry_run=False, user=street_staff)
    assert not again.has_validation_errors() and ServiceRecord.objects.count() == 1


def test_the_resource_refuses_the_whole_file_for_one_bad_row(people, street_staff):
    result = import_rows(
        [
            ["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00"],
            ["GC00000001", "", "", "值守", "2023-05-01 09:30", "2023-05-01 10:30"],
            ["GC00000404", "", "", "值守", "2023-05-01 09:30", "2023-05-01 10:30"],
        ],
        street_staff,
    )
    assert ServiceRecord.objects.count() == 0
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert sorted(invalid) == [3, 4]
    assert any("重叠" in m for m in invalid[3]["开始时间"]) and "志愿者编号" in invalid[4]


def test_the_large_file_path_does_not_keep_rows_in_memory(people, street_staff):
    """Chunked: the staging table holds the checked rows, the process only a chunk."""
    start = at(1, 8, month=1)
    rows = [
        [people[i % 3].number, "", "", "值守", f"{start + timedelta(hours=3 * i):%Y-%m-%d %H:%M}",
         f"{start + timedelta(hours=3 * i + 2):%Y-%m-%d %H:%M}"]
        for i in range(30)
    ]  # fmt: skip
    job = services.hours_import_start(upload=csv_file(rows), user=street_staff)  # queued: no commit in a test
    job = services.hours_import_run(job_id=job.pk, chunk_size=7)
    assert (job.status, job.written_rows, job.checked_rows) == ("done", 30, 30)


def test_a_big_file_is_sent_to_the_background_import(people, street_staff, settings):
    settings.VOLUNTEERS_IMPORT_BACKGROUND_ROWS = 1
    rows = [["GC00000001", "", "", "值守", f"2023-05-0{d} 09:00", f"2023-05-0{d} 10:00"] for d in (1, 2)]
    result = import_rows(rows, street_staff)
    assert "后台处理" in str(result.base_errors[0].error)
    assert ServiceRecord.objects.count() == 0


def office_hours_file(rows):
    """An hours file as an office writes it: a merged title row, then the header with a 备注."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["桂花社区五月志愿服务时长"])
    sheet.merge_cells("A1:G1")
    sheet.append([" 志愿者编号", "姓名", "活动", "服务内容", "开始时间\u3000", "结束时间", "备注"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("hours.xlsx", out.getvalue())


def test_an_office_hours_file_is_previewed_with_a_warning(street_client, people, django_capture_on_commit_callbacks):
    rows = [["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00", "补录"]]
    with django_capture_on_commit_callbacks(execute=True):
        street_client.post(reverse("admin:volunteers_hoursimport_add"), {"file": office_hours_file(rows)})
    job = HoursImport.objects.get()

    page = street_client.get(reverse("admin:volunteers_hoursimport_change", args=[job.pk])).content.decode()

    assert (job.status, job.error_count) == ("checked", 0)
    assert "已忽略未识别的列：备注" in page
    assert HoursImportRow.objects.get(job=job).line == 3  # Excel's line: title, header, the row
    assert not ServiceRecord.objects.exists()


def test_a_bad_row_of_an_office_hours_file_is_named_by_its_excel_line(street_staff, people):
    rows = [
        ["GC00000001", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00", ""],
        ["GC99999999", "", "", "值守", "2023-05-01 09:00", "2023-05-01 10:00", "编号写错"],
    ]
    job = services.hours_import_start(upload=office_hours_file(rows), user=street_staff, confirm_first=True)
    job = services.hours_import_run(job_id=job.pk)

    assert job.status == "failed"
    assert [(e["line"], e["column"]) for e in job.errors] == [(4, "志愿者编号")]
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize("count", [2, 20])
def test_the_preview_page_stays_flat_as_rows_grow(
    street_client, street_staff, people, count, django_assert_max_num_queries
):
    rows = [
        [people[i % 3].number, "", "", "值守", f"2023-05-{1 + i // 3:02d} 09:00", f"2023-05-{1 + i // 3:02d} 10:00"]
        for i in range(count)
    ]
    job = services.hours_import_start(upload=csv_file(rows), user=street_staff, confirm_first=True)
    job = services.hours_import_run(job_id=job.pk)
    assert job.status == "checked"

    with django_assert_max_num_queries(20):
        page = street_client.get(reverse("admin:volunteers_hoursimport_change", args=[job.pk]))

    assert page.content.decode().count("<td>值守</td>") == count
