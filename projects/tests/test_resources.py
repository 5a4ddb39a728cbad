"""The 730 plan through xlsx: export → edit → import gives the plan back; re-import changes
nothing; bad files write nothing and name every bad row. And the street's quarterly report."""

import io
from datetime import date

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import XLSX

from projects import services
from projects.lagging import judge
from projects.models import SecretaryProject, WorkItem, WorkPlan, WorkTheme
from projects.resources import SecretaryProjectResource, WorkPlanResource, quarterly_report

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:projects_workitem_changelist")
NOT_FOR_CLERKS = ("Traceback", "does not exist", "matching query", "violated", "constraint", "NULL", "Error")


@pytest.fixture
def plan(plan_2023):
    return plan_2023


def snapshot() -> dict:
    return {m.__name__: (m.objects.count(), m.history.count()) for m in (WorkPlan, WorkTheme, WorkItem)}


def export_xlsx(client) -> bytes:
    prefix = WorkPlanResource.__name__.lower()
    data = {"resource": "0", "format": str(settings.IMPORT_EXPORT_FORMATS.index(XLSX))}
    data |= {f"{prefix}_{name}": "on" for name in WorkPlanResource().get_export_order()}
    response = client.post(reverse("admin:projects_workitem_export"), data)
    assert response.status_code == 200, response.content[:300]
    return response.content


def sheet_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_via_admin(client, content: bytes):
    """Preview, then confirm when the preview offers it. Returns (preview, confirmed or None)."""
    data = {
        "resource": "0",
        "format": str(settings.IMPORT_EXPORT_FORMATS.index(XLSX)),
        "import_file": SimpleUploadedFile("730.xlsx", content),
    }
    preview = client.post(reverse("admin:projects_workitem_import"), data)
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    if confirm is None:
        return preview, None
    return preview, client.post(reverse("admin:projects_workitem_process_import"), confirm.initial)


def test_the_export_holds_the_whole_plan_row_per_item(street_client, plan):
    rows = sheet_rows(export_xlsx(street_client))

    header, body = rows[0], rows[1:]
    assert header == [
        "街道", "年度", "计划名称", "主题序号", "主题", "主题权重", "要点序号", "要点",
        "牵头单位", "责任人", "权重", "完成时限", "工作目标", "演示数据",
    ]  # fmt: skip
    assert len(body) == 30
    assert body[0][:8] == ["桂城街道", 2023, plan.title, 1, "党员干部思想建设", 1, 1, "“万名党员进党校”"]


def test_export_edit_import_gives_the_edited_plan_and_reimport_changes_nothing(street_client, street_staff, plan):
    # given item 4.1 done (theme 4 = (100 + 0) / 2 = 50 %)
    item_4_1 = WorkItem.objects.get(theme__plan=plan, theme__number=4, number=1)
    services.progress_update_add(user=street_staff, item=item_4_1, date=date(2023, 6, 1), text="完成", percent=100)
    assert WorkTheme.objects.get(plan=plan, number=4).percent == 50
    # and the exported file with that item re-weighted to 3 and a new item 4.3
    rows = sheet_rows(export_xlsx(street_client))
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    target = next(r for r in rows[1:] if r[col["主题序号"]] == 4 and r[col["要点序号"]] == 1)
    target[col["权重"]] = 3
    new = list(target)
    new[col["要点序号"]], new[col["要点"]], new[col["权重"]] = 3, "新增：党员志愿服务积分兑换", 1
    rows.append(new)
    before = snapshot()

    # when imported through the admin (preview, confirm)
    preview, done = import_via_admin(street_client, xlsx(rows))

    # then exactly those two rows changed; the rest were skipped
    assert done is not None and done.status_code == 302
    kinds = [row.import_type for row in preview.context["result"].rows]
    assert kinds.count("update") == 1 and kinds.count("new") == 1 and kinds.count("skip") == 29
    assert WorkItem.objects.get(theme__number=4, number=1).weight == 3
    assert WorkItem.objects.filter(theme__plan=plan).count() == 31
    assert snapshot()["WorkItem"] == (31, before["WorkItem"][1] + 2)
    # the roll-up followed: theme 4 = (100×3 + 0×1 + 0×1) / 5
    assert WorkTheme.objects.get(plan=plan, number=4).percent == 60

    # and exporting again gives the file just imported
    assert sheet_rows(export_xlsx(street_client)) == [header] + sorted(
        rows[1:], key=lambda r: (r[col["主题序号"]], r[col["要点序号"]])
    )

    # when the same file is imported again: idempotent on the natural keys
    after = snapshot()
    preview, done = import_via_admin(street_client, xlsx(rows))
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}
    assert snapshot() == after


def test_import_builds_a_new_plan_with_its_themes_from_one_file(street_client, guicheng):
    header = ["街道", "年度", "计划名称", "主题序号", "主题", "主题权重", "要点序号", "要点", "牵头单位", "权重"]
    rows = [
        header,
        ["桂城街道", 2024, "2024年党建计划", 1, "思想建设", 2, 1, "党校轮训", "党校", 1],
        ["桂城街道", 2024, "2024年党建计划", 1, "思想建设", 2, 2, "大讲堂", "宣传文体办", 3],
        ["桂城街道", 2024, "2024年党建计划", 2, "基层治理", 1, 1, "创熟", "社会工作办", 1],
    ]

    _, done = import_via_admin(street_client, xlsx(rows))

    assert done.status_code == 302
    plan = WorkPlan.objects.get(year=2024)
    assert plan.title == "2024年党建计划"
    assert list(plan.themes.values_list("number", "title", "weight")) == [(1, "思想建设", 2), (2, "基层治理", 1)]
    assert WorkItem.objects.get(theme__plan=plan, theme__number=1, number=2).weight == 3


BAD_ROWS = [
    # (change to a good row, column named, words of the reason)
    ({"街道": "无此街道"}, "街道", "找不到街道“无此街道”"),
    ({"年度": "二〇二四"}, "年度", "应为正整数"),
    ({"年度": 1900}, "年度", "不合理"),
    ({"主题序号": "一"}, "主题序号", "应为正整数"),
    ({"要点序号": 0}, "要点序号", "应为正整数"),
    ({"主题": ""}, "主题", "必填"),
    ({"主题权重": 0}, "主题权重", "须大于 0"),
    ({"权重": -1}, "权重", "须大于 0"),
    ({"要点": ""}, "要点", "必填"),
    ({"完成时限": "2024-02-30"}, "完成时限", "无法识别"),
]


def good_row(**changes) -> dict:
    row = {
        "街道": "桂城街道",
        "年度": 2024,
        "计划名称": "2024年党建计划",
        "主题序号": 1,
        "主题": "思想建设",
        "主题权重": 1,
        "要点序号": 1,
        "要点": "党校轮训",
        "牵头单位": "党校",
        "权重": 1,
        "完成时限": "2024-12-31",
    }
    return row | changes


@pytest.mark.parametrize(("change", "column", "reason"), BAD_ROWS, ids=[c for _, c, _ in BAD_ROWS])
def test_a_bad_row_writes_nothing_and_is_named_with_its_column_and_reason(guicheng, change, column, reason):
    # given a good row, a bad row and another good row
    rows = [good_row(), good_row(**({"要点序号": 2} | change)), good_row(要点序号=3)]
    dataset = XLSX().create_dataset(xlsx([list(rows[0])] + [list(r.values()) for r in rows]))
    before = snapshot()

    # when
    result = WorkPlanResource().import_data(dataset, dry_run=False)

    # then: nothing written, and only line 3 (as Excel numbers it) reported, by column
    assert snapshot() == before
    assert [row.number for row in result.invalid_rows] == [3]
    errors = result.invalid_rows[0].error_dict
    assert column in errors, errors
    assert any(reason in message for message in errors[column]), errors
    for messages in errors.values():
        assert not any(word in m for m in messages for word in NOT_FOR_CLERKS), errors


def test_a_new_year_needs_a_plan_title(guicheng):
    rows = [good_row(计划名称=""), good_row(要点序号=2, 计划名称="")]
    dataset = XLSX().create_dataset(xlsx([list(rows[0])] + [list(r.values()) for r in rows]))

    result = WorkPlanResource().import_data(dataset, dry_run=False)

    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert errors == {n: {"计划名称": ["2024年还没有工作计划，新建时须填写计划名称。"]} for n in (2, 3)}
    assert not WorkPlan.objects.filter(year=2024).exists()


def test_rows_of_one_theme_must_agree_and_duplicates_are_named(guicheng):
    rows = [good_row(), good_row(要点序号=2, 主题="另一个名字"), good_row()]
    dataset = XLSX().create_dataset(xlsx([list(rows[0])] + [list(r.values()) for r in rows]))

    result = WorkPlanResource().import_data(dataset, dry_run=False)

    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {3, 4}
    assert "同一主题的名称和权重须一致" in str(errors[3])
    assert "与第2行重复" in str(errors[4])
    assert not WorkPlan.objects.filter(year=2024).exists()


def test_the_admin_shows_every_bad_row_and_offers_no_confirm(street_client, guicheng):
    rows = [good_row(), good_row(要点序号=2, 权重="很多"), good_row(要点序号=3, 街道="西樵镇")]

    preview, done = import_via_admin(street_client, xlsx([list(rows[0])] + [list(r.values()) for r in rows]))

    assert done is None
    page = preview.content.decode()
    assert "“很多”不是数字" in page and "你只能导入桂城街道的数据，这一行是“西樵镇”" in page
    assert not WorkPlan.objects.filter(year=2024).exists()


def test_a_file_that_is_not_a_spreadsheet_is_explained(street_client, guicheng):
    preview, done = import_via_admin(street_client, b"this is not a spreadsheet")

    assert done is None
    assert "无法读取这个文件" in preview.content.decode()


def test_a_file_with_wrong_columns_is_refused_as_a_whole(guicheng):
    dataset = XLSX().create_dataset(xlsx([["年度", "要点", "备注"], [2024, "x", "y"]]))

    result = WorkPlanResource().import_data(dataset, dry_run=False)

    assert result.has_errors()
    message = str(result.base_errors[0].error)
    assert "缺少必需的列" in message and "街道" in message and "无法识别的列：备注" in message


def test_the_secretary_project_list_round_trips(plan):
    exported = SecretaryProjectResource().export()
    assert len(exported) == 45
    before = SecretaryProject.history.count()

    result = SecretaryProjectResource().import_data(exported, dry_run=False)

    assert not result.has_validation_errors() and not result.has_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    assert SecretaryProject.history.count() == before


# --- The quarterly report -------------------------------------------------------------------------


def test_the_quarterly_report_lists_every_project_and_item_with_its_flag(plan, street_staff, community):
    # given one project updated in Q3 and the rest without updates
    guihua = SecretaryProject.objects.get(community=community("桂花社区"), year=2023)
    services.progress_update_add(user=street_staff, project=guihua, date=date(2023, 8, 1), text="x", percent=80)
    today = date(2023, 8, 10)

    # when
    filename, content = quarterly_report(
        user=street_staff, street=street_staff.staff_scope.street, year=2023, today=today
    )

    # then
    assert filename == "桂城街道党建季度报表_2023年第3季度_截至20230810.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(content))
    projects = [dict(zip([c.value for c in book["书记工程"][1]], [c.value for c in row], strict=True))
                for row in book["书记工程"].iter_rows(min_row=2)]  # fmt: skip
    assert len(projects) == 45
    row = next(p for p in projects if p["社区"] == "桂花社区")
    assert (row["完成进度（%）"], row["最近进展日期"], row["滞后（自动）"]) == (80, "2023-08-01", "否")
    assert sum(p["滞后（自动）"] == "是" for p in projects) == 44
    assert all(p["滞后原因"] == "本季度尚无进展更新；进度落后于时序进度（应约 60%）超过 15 个百分点"
               for p in projects if p["社区"] != "桂花社区")  # fmt: skip
    assert book["730要点"].max_row == 31 and book["730主题"].max_row == 1 + 7 + 1
    items = [[c.value for c in row] for row in book["730要点"].iter_rows()]
    assert items[0][6] == "状态" and {row[6] for row in items[1:]} == {"未启动"}
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            assert not any(isinstance(c.value, str) and c.value.startswith("=") for c in cells)
    assert judge(percent=80, last_update_on=date(2023, 8, 1), year=2023, today=today).lagging is False
