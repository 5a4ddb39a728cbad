"""Excel/CSV import and export: round trips, every kind of bad row, formula injection, the admin
flow and who may use it, and the cost of a big member file."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from import_export.formats.base_formats import CSV, XLSX

from core import importing, spreadsheet
from organizations import resources
from organizations.models import (
    Community,
    District,
    EconomicSociety,
    Grid,
    PartyMember,
    PartyOrganization,
    ServiceCenter,
    Street,
)
from organizations.validators import id_number_check_char

pytestmark = pytest.mark.django_db

RESOURCES = {
    Community: resources.CommunityResource,
    Grid: resources.GridResource,
    EconomicSociety: resources.EconomicSocietyResource,
    PartyOrganization: resources.PartyOrganizationResource,
    PartyMember: resources.PartyMemberResource,
    ServiceCenter: resources.ServiceCenterResource,
}
FORMATS = {"xlsx": XLSX, "csv": CSV}
# Words that would mean a clerk is looking at Python or SQL instead of a reason.
NOT_FOR_CLERKS = ("Traceback", "does not exist", "matching query", "violated", "constraint", "NULL", "Error")


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def id_number(n: int) -> str:
    first17 = f"4406051980{n:07d}"
    return first17 + id_number_check_char(first17)


@pytest.fixture
def grids(guicheng):
    guihua = Community.objects.get(name="桂花社区")
    top = Grid.objects.create(community=guihua, level=1, kind="community", name="桂花社区")
    compound = Grid.objects.create(community=guihua, parent=top, level=2, kind="compound", name="桂花苑")
    Grid.objects.create(community=guihua, parent=compound, level=3, kind="zone", name="1栋")
    return top


@pytest.fixture
def members(guicheng, grids):
    guihua = PartyOrganization.objects.get(name="桂花社区党委")
    tongxin = PartyOrganization.objects.get(name="同心社区党支部")
    common = {"joined_on": date(2001, 7, 1), "birth_date": date(1980, 1, 1)}
    return [
        PartyMember.objects.create(
            name="李桂花",
            gender="F",
            organization=guihua,
            residence_community=guihua.community,
            id_number=id_number(1),
            phone="13800138001",
            address="桂花路1号",
            **common,
        ),
        PartyMember.objects.create(
            name="王桂明",
            gender="M",
            status="retired",
            organization=guihua,
            id_number=id_number(2),
            phone="0757-86281234",
            address="桂花路2号\r\n3座",  # typed in the admin: a textarea sends CR LF
            **common,
        ),
        PartyMember.objects.create(
            name="陈同心", organization=tongxin, id_number=id_number(3), phone="13800138003", **common
        ),
    ]


# --- files ------------------------------------------------------------------------------------


def make_file(fmt: str, headers: list[str], rows: list[list]) -> bytes:
    """A file as a clerk's spreadsheet program would save it."""
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def read_file(fmt: str, content: bytes):
    return FORMATS[fmt](encoding="utf-8-sig").create_dataset(content)


def export_file(resource_class, fmt: str, queryset=None) -> bytes:
    """What the admin's export button produces (xlsx cells keep their native types)."""
    file_format = FORMATS[fmt]()
    dataset = resource_class().export(queryset=queryset, force_native_type=fmt == "xlsx")
    data = file_format.export_data(dataset)
    return data if isinstance(data, bytes) else data.encode("utf-8-sig")


def import_file(resource_class, fmt: str, content: bytes, *, dry_run=False, user=None):
    return resource_class().import_data(read_file(fmt, content), dry_run=dry_run, user=user)


def import_rows(resource_class, rows: list[dict], fmt="csv", **kwargs):
    headers = list(rows[0])
    return import_file(resource_class, fmt, make_file(fmt, headers, [list(r.values()) for r in rows]), **kwargs)


def errors_of(result) -> dict[int, dict[str, list[str]]]:
    """{line as Excel shows it: {column: [reasons]}}."""
    return {row.number: row.error_dict for row in result.invalid_rows}


def assert_for_clerks(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert not any(word in message for word in NOT_FOR_CLERKS), message


def snapshot() -> dict[str, tuple[int, int]]:
    return {model.__name__: (model.objects.count(), model.history.count()) for model in RESOURCES}


# --- formula neutralising, as a property ------------------------------------------------------


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_reads_back_unchanged(value):
    neutralised = importing.neutralise_formula(value)

    assert not neutralised.startswith(spreadsheet.FORMULA_PREFIXES)
    assert importing.restore_formula(neutralised) == value


def test_an_apostrophe_a_clerk_typed_is_kept():
    assert importing.restore_formula("'桂花") == "'桂花"
    assert importing.restore_formula("'=1+2") == "=1+2"


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("model", RESOURCES, ids=lambda m: m.__name__)
def test_exported_file_imports_back_as_all_unchanged(members, model, fmt):
    # given a formula-like and a multi-line text among the real data
    Community.objects.filter(name="桂花社区").update(notes='=HYPERLINK("http://evil.example","点我")\r\n第二行')
    PartyOrganization.objects.filter(name="桂花社区党委").update(notes="-1+1", founded_on=date(2019, 7, 1))
    ServiceCenter.objects.filter(name="桂花社区党群服务中心").update(
        phone="0757-86281234", latitude="23.034567", longitude="-113.150000", area_m2=300
    )
    resource_class = RESOURCES[model]
    content = export_file(resource_class, fmt)
    before = snapshot()
    rows = model.objects.count()
    assert rows > 0

    # when
    result = import_file(resource_class, fmt, content)

    # then
    assert errors_of(result) == {}
    assert not result.has_errors()
    assert result.totals["skip"] == rows
    assert result.totals["new"] == result.totals["update"] == 0
    assert snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_editing_one_cell_changes_exactly_that(members, fmt):
    # given
    content = export_file(resources.PartyMemberResource, fmt)
    dataset = read_file(fmt, content)
    line = list(dataset["身份证号"]).index(id_number(2))
    phone_column = dataset.headers.index("手机")
    rows = [list(row) for row in dataset]
    rows[line][phone_column] = "13900139000"
    edited = make_file(fmt, dataset.headers, rows)
    history = PartyMember.history.count()

    # when
    result = import_file(resources.PartyMemberResource, fmt, edited)

    # then
    assert (result.totals["update"], result.totals["skip"], result.totals["new"]) == (1, 2, 0)
    changed = PartyMember.objects.get(id_number=id_number(2))
    assert changed.phone == "13900139000"
    assert changed.address == "桂花路2号\r\n3座"  # the other cells of the row are left alone
    assert PartyMember.history.count() == history + 1
    assert set(PartyMember.objects.values_list("phone", flat=True)) == {"13800138001", "13900139000", "13800138003"}


def test_editing_a_many_to_many_cell_changes_exactly_that(guicheng):
    content = export_file(resources.ServiceCenterResource, "csv")
    dataset = read_file("csv", content)
    line = list(dataset["名称"]).index("桂花社区党群服务中心")
    rows = [list(row) for row in dataset]
    rows[line][dataset.headers.index("服务项目")] = "长者服务、党员教育"

    result = import_file(resources.ServiceCenterResource, "csv", make_file("csv", dataset.headers, rows))

    assert (result.totals["update"], result.totals["skip"]) == (1, len(rows) - 1)
    center = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    assert set(center.services.values_list("name", flat=True)) == {"长者服务", "党员教育"}


def test_a_grid_tree_is_built_from_one_file_parents_first(guicheng):
    rows = [
        ["桂城街道", "同心社区", "", "同心社区", 1, "社区", "", "否"],
        ["桂城街道", "同心社区", "同心社区", "同心花园", 2, "物业小区", "", "否"],
        ["桂城街道", "同心社区", "同心社区/同心花园", "2栋", 3, "责任区", "", "否"],
    ]
    headers = ["街道", "社区", "上级网格路径", "网格名称", "层级", "类型", "路径", "演示数据"]

    result = import_file(resources.GridResource, "xlsx", make_file("xlsx", headers, rows))

    assert errors_of(result) == {}
    assert result.totals["new"] == 3
    zone = Grid.objects.get(path="同心社区/同心花园/2栋")
    assert (zone.level, zone.parent.path, zone.community.name) == (3, "同心社区/同心花园", "同心社区")


def test_typed_excel_cells_are_read_as_a_clerk_means_them(guicheng):
    # given numbers, dates and booleans typed into Excel, not text (Excel dates carry no zone)
    joined, born = datetime(2001, 7, 1), datetime(1980, 1, 1)  # noqa: DTZ001
    headers = [
        "姓名",
        "性别",
        "状态",
        "街道",
        "所在党组织",
        "居住社区",
        "入党日期",
        "身份证号",
        "手机",
        "出生日期",
        "演示数据",
    ]
    rows = [
        ["赵一", "男", "在职", "桂城街道", "桂花社区党委", "桂花社区", joined, id_number(7), 13800138007, born, False],
        [
            "赵二",
            "女",
            "流动",
            "桂城街道",
            "桂花社区党委",
            "",
            "2003/7/1",
            id_number(8).lower(),
            "",
            "1981年2月3日",
            "是",
        ],
    ]

    result = import_file(resources.PartyMemberResource, "xlsx", make_file("xlsx", headers, rows))

    assert errors_of(result) == {}
    first = PartyMember.objects.get(name="赵一")
    assert (first.phone, first.joined_on, first.birth_date, first.is_demo) == (
        "13800138007",
        date(2001, 7, 1),
        date(1980, 1, 1),
        False,
    )
    second = PartyMember.objects.get(name="赵二")
    assert (second.id_number, second.joined_on, second.birth_date, second.is_demo) == (
        id_number(8).upper(),
        date(2003, 7, 1),
        date(1981, 2, 3),
        True,
    )


def test_blank_lines_in_a_spreadsheet_are_ignored(guicheng):
    headers = ["街道", "社区名称", "类型"]
    rows = [["桂城街道", "新城社区", "城市社区"], [None, None, None], ["", "", ""]]

    result = import_file(resources.CommunityResource, "xlsx", make_file("xlsx", headers, rows))

    assert errors_of(result) == {}
    assert result.totals["new"] == 1
    assert Community.objects.filter(name="新城社区").exists()


# --- formula injection ------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://evil.example","点我")', "+86 757 1234", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def dangerous_notes(guicheng):
    names = ["灯湖社区", "中汇社区", "同成社区", "同德社区", "平胜社区", "凤鸣社区"]
    for name, value in zip(names, DANGEROUS, strict=True):
        Community.objects.filter(name=name).update(notes=value)
    return dict(zip(names, DANGEROUS, strict=True))


def test_xlsx_export_holds_no_formula_and_reads_back_the_original(dangerous_notes):
    content = export_file(resources.CommunityResource, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not any(text.startswith(spreadsheet.FORMULA_PREFIXES) for text in texts)
    assert "'" + DANGEROUS[0] in texts

    result = import_file(resources.CommunityResource, "xlsx", content)
    assert result.totals["skip"] == Community.objects.count()
    for name, value in dangerous_notes.items():
        assert Community.objects.get(name=name).notes == value


def test_csv_export_holds_no_formula_and_reads_back_the_original(dangerous_notes):
    content = export_file(resources.CommunityResource, "csv")

    cells = [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]
    assert not any(cell.startswith(spreadsheet.FORMULA_PREFIXES) for cell in cells)
    assert "'@SUM(A1)" in cells

    result = import_file(resources.CommunityResource, "csv", content)
    assert result.totals["skip"] == Community.objects.count()
    for name, value in dangerous_notes.items():
        assert Community.objects.get(name=name).notes == value


def test_negative_numbers_are_not_mistaken_for_formulas(guicheng):
    ServiceCenter.objects.filter(name="桂花社区党群服务中心").update(longitude="-113.150000")

    content = export_file(resources.ServiceCenterResource, "csv")

    assert ",-113.150000," in content.decode("utf-8-sig")


# --- bad rows ---------------------------------------------------------------------------------

GOOD = {
    "community": (
        resources.CommunityResource,
        {"街道": "桂城街道", "社区名称": "新城社区", "类型": "城市社区", "片区": "", "简介": "", "演示数据": "否"},
    ),
    "grid": (
        resources.GridResource,
        {"街道": "桂城街道", "社区": "桂花社区", "上级网格路径": "桂花社区", "网格名称": "丹桂苑", "层级": 2}
        | {"类型": "物业小区", "演示数据": "否"},
    ),
    "society": (
        resources.EconomicSocietyResource,
        {
            "街道": "桂城街道",
            "社区": "夏东社区",
            "经济社名称": "六房沙经济社",
            "户数": 120,
            "简介": "",
            "演示数据": "否",
        },
    ),
    "organisation": (
        resources.PartyOrganizationResource,
        {
            "街道": "桂城街道",
            "党组织名称": "桂花苑党支部",
            "类别": "党支部",
            "领域": "小区",
            "上级党组织": "桂花社区党委",
        }
        | {"所在社区": "桂花社区", "所在网格": "桂花社区/桂花苑", "所在经济社": "", "联合覆盖的社区": ""}
        | {"成立日期": "2021-07-01", "简介": "", "演示数据": "否"},
    ),
    "member": (
        resources.PartyMemberResource,
        {"姓名": "张三", "性别": "男", "状态": "在职", "街道": "桂城街道", "所在党组织": "桂花社区党委"}
        | {"居住社区": "桂花社区", "入党日期": "2001-07-01", "身份证号": id_number(11), "手机": "13800138000"}
        | {"住址": "桂花路1号", "出生日期": "1980-01-01", "演示数据": "否"},
    ),
    "centre": (
        resources.ServiceCenterResource,
        {"街道": "桂城街道", "名称": "桂花苑小区党建阵地", "层级": "小区党建阵地", "社区": "桂花社区", "片区": ""}
        | {"地址": "桂花路1号", "纬度": "23.03", "经度": "113.15", "面积（平方米）": "80"}
        | {"服务电话": "0757-86281234", "服务项目": "党员教育、志愿服务", "简介": "", "公开": "是", "演示数据": "否"},
    ),
}

BAD = [
    ("unknown street", "community", {"街道": "大沥镇"}, "街道", "找不到街道“大沥镇”"),
    ("unknown community", "society", {"社区": "无此社区"}, "社区", "找不到社区“无此社区”"),
    ("unknown parent grid", "grid", {"上级网格路径": "桂花社区/无此小区"}, "上级网格路径", "找不到上级网格"),
    ("parent grid of another community", "grid", {"社区": "同心社区"}, "上级网格路径", "找不到上级网格“桂花社区”"),
    ("unknown parent organisation", "organisation", {"上级党组织": "无此党委"}, "上级党组织", "找不到上级党组织"),
    (
        "unknown economic society",
        "organisation",
        {"所在社区": "夏东社区", "所在网格": "", "所在经济社": "六房沙经济社", "上级党组织": "夏东社区党委"},
        "所在经济社",
        "找不到经济社“六房沙经济社”",
    ),
    ("unknown organisation", "member", {"所在党组织": "无此支部"}, "所在党组织", "找不到党组织“无此支部”"),
    ("not a label", "community", {"类型": "城乡社区"}, "类型", "“城乡社区”不是可选的类型，可选：城市社区、农村社区"),
    ("bad ID check character", "member", {"身份证号": id_number(11)[:17] + "0"}, "身份证号", "身份证号校验位不正确"),
    ("short ID number", "member", {"身份证号": "44060519800101"}, "身份证号", "身份证号应为18位"),
    ("bad phone", "member", {"手机": "12345"}, "手机", "电话号码格式不正确"),
    ("bad date", "member", {"入党日期": "2023-02-30"}, "入党日期", "日期“2023-02-30”无法识别"),
    ("unknown service", "centre", {"服务项目": "党员教育、跳广场舞"}, "服务项目", "没有这样的服务项目：跳广场舞"),
    ("level-2 grid under level 2", "grid", {"上级网格路径": "桂花社区/桂花苑"}, "上级网格路径", "必须正好高一级"),
    (
        "second level-1 grid",
        "grid",
        {"上级网格路径": "", "网格名称": "桂花社区（二）", "层级": 1, "类型": "社区"},
        "层级",
        "每个社区只能有一个一级网格",
    ),
    ("level out of range", "grid", {"层级": 4}, "层级", "层级“4”不正确"),
    ("compound centre without community", "centre", {"社区": ""}, "社区", "必须填写所属社区"),
    ("society under an urban community", "society", {"社区": "桂花社区"}, "社区", "经济社只能属于农村社区"),
    ("branch without a parent", "organisation", {"上级党组织": ""}, "上级党组织", "必须填写上级党组织"),
    ("grid outside its community", "organisation", {"所在社区": "同心社区"}, "所在网格", "找不到网格"),
    ("required cell empty", "community", {"类型": ""}, "类型", "必填"),
    ("required cell empty (foreign key)", "member", {"所在党组织": ""}, "所在党组织", "必填"),
    ("not a number", "society", {"户数": "很多"}, "户数", "“很多”不是数字"),
    ("negative number", "society", {"户数": "-5"}, "户数", "大于或等于0"),
    ("not yes or no", "community", {"演示数据": "也许"}, "演示数据", "应为“是”或“否”"),
    ("too long", "community", {"社区名称": "长" * 60}, "社区名称", "50"),
    ("slash in a grid name", "grid", {"网格名称": "A/B"}, "网格名称", "不能包含“/”"),
    ("parent named without street", "member", {"街道": "", "居住社区": ""}, "所在党组织", "没有填写街道"),
]


@pytest.mark.parametrize("kind", GOOD)
def test_each_good_row_imports(grids, kind):
    resource_class, row = GOOD[kind]

    result = import_rows(resource_class, [row])

    assert errors_of(result) == {}
    assert result.totals["new"] == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("case", "kind", "change", "column", "reason"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_row_is_named_with_its_column_and_reason(grids, fmt, case, kind, change, column, reason):
    # given
    resource_class, good = GOOD[kind]
    before = snapshot()

    # when
    result = import_rows(resource_class, [good | change], fmt)

    # then: line 2 (the first under the header), that column only, that reason
    errors = errors_of(result)
    assert list(errors) == [2]
    assert list(errors[2]) == [column]
    assert any(reason in message for message in errors[2][column]), errors[2][column]
    assert_for_clerks(errors[2][column])
    assert snapshot() == before


def test_an_id_number_excel_turned_into_a_number_is_explained(guicheng):
    resource_class, good = GOOD["member"]
    row = good | {"身份证号": float(id_number(11)[:17] + "1")}

    result = import_rows(resource_class, [row], "xlsx")

    errors = errors_of(result)
    assert list(errors) == [2] and list(errors[2]) == ["身份证号"]
    assert "存成了数字" in errors[2]["身份证号"][0]


def test_a_natural_key_twice_in_one_file_is_reported_on_the_second(guicheng):
    resource_class, good = GOOD["member"]
    other = good | {"姓名": "张三（重复）", "身份证号": good["身份证号"].lower()}  # same number, small x

    community_rows = [GOOD["community"][1], GOOD["community"][1] | {"简介": "又一次"}]
    result = import_rows(resources.CommunityResource, community_rows)
    assert errors_of(result) == {
        3: {"社区名称": ["与第2行重复（街道“桂城街道”、社区名称“新城社区”）：同一条记录在文件中只能出现一次。"]}
    }

    result = import_rows(resource_class, [good, GOOD["member"][1] | {"身份证号": id_number(12)}, other])
    assert list(errors_of(result)) == [4]
    assert "与第2行重复" in errors_of(result)[4]["身份证号"][0]
    assert not Community.objects.filter(name="新城社区").exists()
    assert not PartyMember.objects.filter(name__startswith="张三").exists()


def test_the_same_id_number_with_a_lowercase_x_is_the_same_member(members):
    # given a member whose ID number ends in X
    first17 = next(f"4406051980{n:07d}" for n in range(100, 1000) if id_number_check_char(f"4406051980{n:07d}") == "X")
    member = PartyMember.objects.get(id_number=id_number(1))
    PartyMember.objects.filter(pk=member.pk).update(id_number=first17 + "X")
    _, good = GOOD["member"]

    result = import_rows(resources.PartyMemberResource, [good | {"身份证号": first17 + "x", "姓名": "李桂花"}])

    assert errors_of(result) == {}
    assert result.totals["update"] == 1 and result.totals["new"] == 0
    assert PartyMember.objects.get(pk=member.pk).name == "李桂花"


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "import"])
def test_three_good_and_two_bad_rows_write_nothing_and_name_only_the_bad(members, dry_run):
    # given
    _, good = GOOD["member"]
    rows = [
        good | {"身份证号": id_number(21)},
        good | {"身份证号": id_number(22), "所在党组织": "无此支部"},
        good | {"身份证号": id_number(23)},
        good | {"身份证号": id_number(24), "手机": "110"},
        good | {"身份证号": id_number(1), "手机": "13912345678"},  # an update of an existing member
    ]
    before = snapshot()

    # when
    result = import_rows(resources.PartyMemberResource, rows, "xlsx", dry_run=dry_run)

    # then
    errors = errors_of(result)
    assert set(errors) == {3, 5}
    assert list(errors[3]) == ["所在党组织"]
    assert list(errors[5]) == ["手机"]
    assert snapshot() == before
    assert PartyMember.objects.get(id_number=id_number(1)).phone == "13800138001"


def test_every_bad_cell_of_a_row_is_reported_together(guicheng):
    _, good = GOOD["member"]
    row = good | {"所在党组织": "无此支部", "手机": "110", "入党日期": "去年", "性别": "未知"}

    result = import_rows(resources.PartyMemberResource, [row])

    assert set(errors_of(result)[2]) == {"所在党组织", "手机", "入党日期", "性别"}


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (["社区名称", "类型"], "缺少必需的列：街道"),
        (["街道", "社区名称", "社区名称"], "列名重复：社区名称"),
    ],
)
def test_a_file_with_wrong_columns_is_refused_as_a_whole(guicheng, headers, reason):
    rows = [["桂城街道", "新城社区", "城市社区", "x"][: len(headers)]]

    result = import_file(resources.CommunityResource, "csv", make_file("csv", headers, rows))

    assert result.has_errors()
    messages = [str(error.error) for error in result.base_errors]
    assert len(messages) == 1 and reason in messages[0]
    assert result.base_errors[0].traceback == ""
    assert not Community.objects.filter(name="新城社区").exists()


# --- who may import what ----------------------------------------------------------------------


@pytest.fixture
def other_street(guicheng):
    street = Street.objects.create(district=District.objects.get(), name="大沥镇", is_town=True)
    community = Community.objects.create(street=street, name="盐步社区", kind="urban")
    committee = PartyOrganization.objects.create(
        street=street, name="盐步社区党委", kind="committee", field="community", community=community
    )
    PartyMember.objects.create(name="外街党员", organization=committee, id_number=id_number(90), phone="13800138090")
    return street


def test_street_staff_import_only_their_own_street(street_staff, other_street):
    row = GOOD["community"][1] | {"街道": "大沥镇", "社区名称": "盐步新社区"}

    result = import_rows(resources.CommunityResource, [row], user=street_staff)

    assert errors_of(result) == {2: {"街道": ["你只能导入桂城街道的数据，这一行是“大沥镇”。"]}}
    assert not Community.objects.filter(name="盐步新社区").exists()


def test_street_staff_cannot_reach_another_streets_member_by_id_number(street_staff, other_street):
    # given a file with only the key and the phone, naming a member of another street
    rows = [{"身份证号": id_number(90), "手机": "13911112222"}]

    result = import_rows(resources.PartyMemberResource, rows, user=street_staff)

    # then it is not found (so not updated), and taken, so it cannot be added either
    assert errors_of(result)[2]["身份证号"] == ["这个身份证号已登记在另一名党员名下。"]
    assert PartyMember.objects.get(id_number=id_number(90)).phone == "13800138090"


def test_a_row_the_database_refuses_is_explained_and_the_file_rolled_back(guicheng, monkeypatch):
    # given the checks were passed but the data changed before the write (a concurrent edit)
    monkeypatch.setattr(importing.PortalResource, "validate_instance", lambda self, instance, *a, **k: None)
    resource_class, good = GOOD["centre"]
    rows = [good | {"社区": ""}, good | {"名称": "丹桂苑小区党建阵地"}]
    before = snapshot()

    # when
    result = import_rows(resource_class, rows)

    # then the refusal is a sentence on its column, and the next row still ran (PostgreSQL
    # aborts a transaction on an error unless the row's savepoint is rolled back)
    needs_community = "社区党群服务中心、党群服务站、小区党建阵地和经济社党建阵地必须填写所属社区。"
    assert errors_of(result) == {2: {"社区": [needs_community]}}
    assert result.totals["new"] == 1
    assert snapshot() == before


def test_a_secretary_cannot_import_even_without_the_admin(guihua_secretary):
    result = import_rows(resources.CommunityResource, [GOOD["community"][1]], user=guihua_secretary)

    assert [str(error.error) for error in result.base_errors] == ["只有街道工作人员可以导入数据。"]
    assert not Community.objects.filter(name="新城社区").exists()


# --- the admin --------------------------------------------------------------------------------


def format_index(fmt: str) -> str:
    return str(settings.IMPORT_EXPORT_FORMATS.index(FORMATS[fmt]))


def post_file(client, model, fmt: str, content: bytes, name: str):
    url = reverse(f"admin:organizations_{model._meta.model_name}_import")
    data = {"resource": "0", "format": format_index(fmt), "import_file": SimpleUploadedFile(name, content)}
    return client.post(url, data)


def admin_export(client, model, fmt: str) -> bytes:
    resource_class = RESOURCES[model]
    prefix = resource_class.__name__.lower()
    data = {"resource": "0", "format": format_index(fmt)}
    data |= {f"{prefix}_{name}": "on" for name in resource_class().get_export_order()}
    response = client.post(reverse(f"admin:organizations_{model._meta.model_name}_export"), data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def test_admin_import_previews_then_writes_on_confirm(street_client):
    # given
    url = reverse("admin:organizations_community_import")
    page = street_client.get(url)
    assert page.status_code == 200
    assert "社区名称" in page.content.decode()  # the page lists the columns it reads
    rows = [
        ["桂城街道", "新城社区", "城市社区", "", "新建", "否"],
        ["桂城街道", "桂花社区", "城市社区", "", "改过", "否"],
    ]
    content = make_file("xlsx", ["街道", "社区名称", "类型", "片区", "简介", "演示数据"], rows)

    # when the file is sent: a dry run
    preview = post_file(street_client, Community, "xlsx", content, "社区.xlsx")

    # then a preview, a confirm form, and nothing written yet
    assert preview.status_code == 200
    result = preview.context["result"]
    assert [row.import_type for row in result.valid_rows()] == ["new", "update"]
    assert "新城社区" in preview.content.decode()
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    assert not Community.objects.filter(name="新城社区").exists()

    # when confirmed
    done = street_client.post(reverse("admin:organizations_community_process_import"), confirm.initial)

    # then
    assert done.status_code == 302
    assert done.url == reverse("admin:organizations_community_changelist")
    assert Community.objects.get(name="新城社区").notes == "新建"
    assert Community.objects.get(name="桂花社区").notes == "改过"
    assert Community.history.filter(name="新城社区").count() == 1


def test_admin_bad_file_lists_every_bad_row_and_offers_no_confirm(street_client, grids):
    # given 1 good and 2 bad rows
    _, good = GOOD["member"]
    rows = [
        good,
        good | {"身份证号": id_number(12), "所在党组织": "无此支部"},
        good | {"身份证号": id_number(13), "出生日期": "1980-02-30"},
    ]
    content = make_file("csv", list(good), [list(row.values()) for row in rows])

    # when
    response = post_file(street_client, PartyMember, "csv", content, "党员.csv")

    # then
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    page = response.content.decode()
    assert "确认导入" not in page
    assert [(row.number, list(row.error_dict)) for row in response.context["result"].invalid_rows] == [
        (3, ["所在党组织"]),
        (4, ["出生日期"]),
    ]
    for text in (
        "以下行未通过校验，本次导入没有写入任何数据",  # our wording (locale/), not the library's garbled one
        "找不到党组织“无此支部”",
        "日期“1980-02-30”无法识别",
        "所在党组织",
        "出生日期",
    ):
        assert text in page
    assert "Traceback" not in page and "does not exist" not in page
    assert not PartyMember.objects.exists()


def test_admin_file_in_the_wrong_format_is_explained(street_client):
    response = post_file(street_client, Community, "xlsx", "街道,社区名称\n".encode(), "社区.xlsx")

    assert response.status_code == 200
    assert "无法读取这个文件" in response.content.decode()
    assert "encountered" not in response.content.decode()


def test_admin_confirm_after_the_data_changed_writes_nothing_and_says_so(street_client):
    # given a file that passed its preview
    _, good = GOOD["society"]
    content = make_file("csv", list(good), [list(good.values())])
    preview = post_file(street_client, EconomicSociety, "csv", content, "经济社.csv")
    confirm = preview.context["confirm_form"]
    # ...and then the community became urban
    Community.objects.filter(name="夏东社区").update(kind="urban")

    # when
    done = street_client.post(
        reverse("admin:organizations_economicsociety_process_import"), confirm.initial, follow=True
    )

    # then
    assert not EconomicSociety.objects.filter(name="六房沙经济社").exists()
    messages = [str(m) for m in done.context["messages"]]
    assert any("导入未完成，没有写入任何数据" in m and "第2行 社区：经济社只能属于农村社区" in m for m in messages)


def test_admin_round_trip_through_the_export_button_changes_nothing(street_client, members):
    content = admin_export(street_client, PartyMember, "xlsx")
    before = snapshot()

    preview = post_file(street_client, PartyMember, "xlsx", content, "党员.xlsx")
    assert {row.import_type for row in preview.context["result"].valid_rows()} == {"skip"}
    street_client.post(
        reverse("admin:organizations_partymember_process_import"), preview.context["confirm_form"].initial
    )

    assert snapshot() == before


def test_admin_csv_export_opens_in_excel(street_client):
    content = admin_export(street_client, Community, "csv")

    assert content.startswith("\ufeff".encode())  # the byte-order mark Excel needs for UTF-8
    assert "桂花社区" in content.decode("utf-8-sig")


@pytest.mark.parametrize("model", RESOURCES, ids=lambda m: m.__name__)
def test_a_secretary_may_not_import(guihua_client, model):
    name = model._meta.model_name

    assert guihua_client.get(reverse(f"admin:organizations_{name}_import")).status_code == 403
    assert guihua_client.post(reverse(f"admin:organizations_{name}_process_import"), {}).status_code == 403


def test_a_secretarys_member_export_holds_only_their_community(guihua_client, members):
    content = admin_export(guihua_client, PartyMember, "csv")

    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert {row["身份证号"] for row in rows} == {id_number(1), id_number(2)}
    assert {row["所在党组织"] for row in rows} == {"桂花社区党委"}
    assert rows[0]["手机"]  # staff exports carry the private fields


@pytest.mark.parametrize("model", [Community, PartyOrganization, ServiceCenter, Grid], ids=lambda m: m.__name__)
def test_a_secretarys_export_holds_only_their_community(guihua_client, grids, model):
    content = admin_export(guihua_client, model, "xlsx")

    dataset = read_file("xlsx", content)
    column = {Community: "社区名称", PartyOrganization: "所在社区", ServiceCenter: "社区", Grid: "社区"}[model]
    assert len(dataset) > 0
    assert set(dataset[column]) == {"桂花社区"}


@pytest.mark.parametrize("action", ["import", "process_import", "export"])
@pytest.mark.parametrize("model", RESOURCES, ids=lambda m: m.__name__)
def test_anonymous_users_are_sent_to_the_login_page(client, model, action):
    url = reverse(f"admin:organizations_{model._meta.model_name}_{action}")

    response = client.post(url, {}) if action != "import" else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- a big member file ------------------------------------------------------------------------


class QueryLog:
    """Every statement run (Django's own capture keeps only the last 9,000)."""

    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


@pytest.mark.slow
def test_a_2000_member_file_looks_each_organisation_up_once(guicheng):
    # given 2,000 members spread over 20 organisations and 20 communities
    organisations = list(
        PartyOrganization.objects.filter(community__isnull=False).select_related("community").order_by("name")[:20]
    )
    headers = ["姓名", "性别", "状态", "街道", "所在党组织", "居住社区", "入党日期", "身份证号", "手机", "出生日期"]
    rows = [
        ["党员", "男", "在职", "桂城街道", org.name, org.community.name, "2001-07-01", id_number(n)]
        + [f"138{n:08d}", "1980-01-01"]
        for n, org in ((n, organisations[n % 20]) for n in range(2000))
    ]
    dataset = read_file("csv", make_file("csv", headers, rows))
    log = QueryLog()

    # when
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        result = resources.PartyMemberResource().import_data(dataset, dry_run=True)
        elapsed = time.perf_counter() - started

    # then
    assert errors_of(result) == {}
    assert result.totals["new"] == 2000
    selects = [sql for sql in log.sql if sql.startswith("SELECT")]
    organisation_reads = [sql for sql in selects if 'FROM "organizations_partyorganization"' in sql]
    community_reads = [sql for sql in selects if 'FROM "organizations_community"' in sql]
    assert len(organisation_reads) == 20  # one per organisation named in the file
    assert len(community_reads) == len({org.community_id for org in organisations})
    # Per row: a savepoint and its release, the ID-number uniqueness check, the insert and its
    # history row. Nothing else grows with the file.
    assert len(log.sql) <= 2000 * 5 + 50
    assert not PartyMember.objects.exists()
    print(f"\n2,000-member dry run: {elapsed:.1f} s, {len(log.sql)} queries")  # noqa: T201


def test_an_organisation_moved_by_import_takes_its_positions_along(guicheng, street_staff):
    from organizations.models import Position

    # given a branch of 桂花社区 with a secretary
    guihua, tongxin = (Community.objects.get(street=guicheng, name=n) for n in ("桂花社区", "同心社区"))
    branch = PartyOrganization.objects.create(
        street=guicheng,
        name="桂花园东区党支部",
        kind=PartyOrganization.Kind.BRANCH,
        field=PartyOrganization.Field.COMPOUND,
        parent=PartyOrganization.objects.get(name="桂花社区党委"),
        community=guihua,
    )
    position = Position.objects.create(
        person=PartyMember.objects.create(name="陈演示", organization=branch),
        organization=branch,
        role=Position.Role.SECRETARY,
        started_on="2023-01-01",
    )
    rows = resources.PartyOrganizationResource().export(queryset=PartyOrganization.objects.filter(pk=branch.pk)).dict
    rows[0]["所在社区"] = "同心社区"

    # when
    result = import_rows(resources.PartyOrganizationResource, rows, user=street_staff)

    # then
    assert not result.has_errors() and not result.has_validation_errors()
    position.refresh_from_db()
    assert position.community == tongxin
    assert position.history.latest("history_date").history_user == street_staff
