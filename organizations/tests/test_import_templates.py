"""Import templates, files as offices write them (title rows, a 备注 column, full-width spaces,
dates typed as text) and the import page's instructions — for every import of the admin."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import XLSX

from core.importing import NOTES_SHEET, ChineseDateWidget
from organizations import resources
from organizations.admin_base import ScopedImportExportAdmin
from organizations.models import Community

IMPORT_ADMINS = [
    model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, ScopedImportExportAdmin)
]


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def admin_id(model_admin) -> str:
    return model_admin.opts.label


def url_of(model_admin, name: str) -> str:
    return reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_{name}")


def sheets(content: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def xlsx(rows: list[list], merge: str = "") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post_file(client, url: str, content: bytes):
    data = {
        "resource": "0",
        "format": str(settings.IMPORT_EXPORT_FORMATS.index(XLSX)),
        "import_file": SimpleUploadedFile("file.xlsx", content),
    }
    return client.post(url, data)


# --- the template of every import -------------------------------------------------------------


def test_every_resource_of_the_admin_has_an_import_admin():
    assert len(IMPORT_ADMINS) >= 10  # organizations (6), projects (2), indicators, volunteers


@pytest.mark.parametrize("model_admin", IMPORT_ADMINS, ids=admin_id)
def test_every_import_offers_a_template_with_the_export_header_an_example_and_notes(street_client, model_admin):
    # given the import page
    page = street_client.get(url_of(model_admin, "import"))
    assert page.status_code == 200
    template_url = f"{url_of(model_admin, 'import_template')}?resource=0"
    assert template_url in page.content.decode()  # linked on the page
    assert "导入说明" in page.content.decode()

    # when the template is downloaded
    response = street_client.get(template_url)

    # then its header is the export's, one example row follows, and the notes explain each column
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = sheets(response.content)
    template, notes = list(book.values())[0], book[NOTES_SHEET]
    resource = model_admin.get_import_resource_classes(None)[0]()
    headers = list(resource.get_export_headers())
    assert template[0] == headers
    assert len(template) == 2 and any(cell not in (None, "") for cell in template[1])
    assert notes[0] == ["列名", "含义", "是否必填", "格式"]
    described = notes[1 : 1 + len(headers)]
    assert [row[0] for row in described] == headers
    assert all(row[1] and row[2] and row[3] for row in described)
    for key in resource.key_columns:
        assert described[headers.index(key)][2].startswith("必填")


def test_the_notes_sheet_reads_choices_and_required_from_the_model(street_client):
    content = street_client.get(reverse("admin:organizations_community_import_template")).content

    notes = {row[0]: row for row in sheets(content)[NOTES_SHEET][1:] if row and row[0]}

    assert notes["类型"][2] == "必填" and "城市社区、农村社区" in notes["类型"][3]
    assert notes["简介"][2] == "选填"
    assert notes["演示数据"][1].startswith("演示数据：")  # the model field's help_text
    assert notes["社区名称"][2] == "必填（用于识别记录）"


def test_a_template_is_for_street_staff_only(guihua_client):
    assert guihua_client.get(reverse("admin:organizations_community_import_template")).status_code == 403


def test_a_template_that_does_not_exist_is_a_400(street_client):
    url = reverse("admin:organizations_community_import_template")

    assert street_client.get(url + "?resource=9").status_code == 400
    assert street_client.get(url + "?resource=x").status_code == 400


def test_an_export_under_the_template_header_imports_as_all_skipped(guicheng):
    # given the template's header over the exported rows
    template = resources.CommunityResource().get_export_headers()
    exported = resources.CommunityResource().export()
    assert list(exported.headers) == list(template)
    before = Community.history.count()

    # when imported
    result = resources.CommunityResource().import_data(exported, dry_run=False)

    # then nothing changes
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.valid_rows()} == {"skip"}
    assert Community.history.count() == before


# --- files as offices write them -----------------------------------------------------------------


OFFICE_FILE = [
    ["桂城街道社区名单（2024年）", None, None, None],  # a title, merged across the columns
    [None, None, None, None],
    ["街道", " 社区　名称 ", "类型\u3000", "备注"],  # full-width and ordinary spaces
    ["桂城街道", "　新城社区 ", "城市社区", "新建的"],
    ["桂城街道", "新景社区", "城市", "类型写错了"],
]


def read(content: bytes):
    return XLSX().create_dataset(content)


def test_a_title_row_a_note_column_and_full_width_spaces_are_accepted_with_a_warning(guicheng):
    rows = [row[:] for row in OFFICE_FILE[:4]]

    result = resources.CommunityResource().import_data(read(xlsx(rows, merge="A1:D1")), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.warnings == ["已忽略未识别的列：备注。"]
    assert Community.objects.get(name="新城社区").kind == "urban"


def test_a_bad_row_below_title_rows_is_reported_by_its_excel_line_and_nothing_is_written(guicheng):
    result = resources.CommunityResource().import_data(read(xlsx(OFFICE_FILE, merge="A1:D1")), dry_run=False)

    assert result.has_validation_errors()
    [bad] = result.invalid_rows
    assert bad.number == 5  # Excel's own line: title, blank, header, good row, bad row
    assert list(bad.error_dict) == ["类型"] and "不是可选的类型" in bad.error_dict["类型"][0]
    assert not Community.objects.filter(name__in=["新城社区", "新景社区"]).exists()


def test_a_file_whose_header_is_nowhere_near_the_top_is_refused_with_the_columns_it_needs(guicheng):
    rows = [[f"第{i}行"] for i in range(12)] + [["街道", "社区名称", "类型"], ["桂城街道", "新城社区", "城市社区"]]

    result = resources.CommunityResource().import_data(read(xlsx(rows)), dry_run=False)

    assert result.has_errors()
    assert "缺少必需的列：街道、社区名称" in str(result.base_errors[0].error)


def test_the_admin_preview_shows_the_warning_and_confirming_writes(street_client):
    rows = [row[:] for row in OFFICE_FILE[:4]]

    preview = post_file(street_client, reverse("admin:organizations_community_import"), xlsx(rows, merge="A1:D1"))

    assert preview.status_code == 200
    assert "已忽略未识别的列：备注" in preview.content.decode()
    confirm = preview.context["confirm_form"]
    assert not Community.objects.filter(name="新城社区").exists()
    done = street_client.post(reverse("admin:organizations_community_process_import"), confirm.initial)
    assert done.status_code == 302
    assert Community.objects.filter(name="新城社区").exists()


def test_the_admin_preview_names_the_excel_line_of_a_bad_row(street_client):
    preview = post_file(street_client, reverse("admin:organizations_community_import"), xlsx(OFFICE_FILE))

    assert preview.context.get("confirm_form") is None
    assert [row.number for row in preview.context["result"].invalid_rows] == [5]
    assert "已忽略未识别的列：备注" in preview.content.decode()


@pytest.mark.parametrize(
    "typed",
    ["2023年1月9日", "2023.1.9", "2023/1/9", "2023-1-9", "2023年1月9号", " 2023 年 1 月 9 日 ", "２０２３年１月９日"],
)
def test_dates_typed_as_text_are_read(typed):
    assert ChineseDateWidget().clean(typed) == date(2023, 1, 9)


@pytest.mark.parametrize("typed", ["2023年13月9日", "去年", "2023-02-30"])
def test_a_date_that_is_not_one_is_refused(typed):
    with pytest.raises(ValueError, match="无法识别"):
        ChineseDateWidget().clean(typed)
