"""Importing a centre's regular week: one row per centre, the week replaced all or nothing,
an unchanged week skipped, bad cells named, and the street scope."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organizations import resources
from organizations.models import Community, District, OpeningInterval, ServiceCenter, Street
from organizations.tests.test_import_export import (
    assert_for_clerks,
    errors_of,
    export_file,
    format_index,
    import_file,
    import_rows,
    make_file,
)

pytestmark = pytest.mark.django_db

COLUMN = "每周开放时间（整周替换）"
CENTRE = "桂花社区党群服务中心"


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def week(center_name=CENTRE):
    return [
        (i.weekday, i.opens_at, i.closes_at)
        for i in OpeningInterval.objects.filter(center__name=center_name).order_by("weekday", "opens_at")
    ]


def hours_row(text, name=CENTRE, street="桂城街道"):
    return {"街道": street, "名称": name, COLUMN: text}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "周一至周五 09:00-18:00（午休12:00-14:00）",
            [(d, time(9), time(12)) for d in range(5)] + [(d, time(14), time(18)) for d in range(5)],
        ),
        ("周一、三、五 9:00-17:30", [(d, time(9), time(17, 30)) for d in (0, 2, 4)]),
        ("周六 09:00-12:00；周日 14:00-17:00", [(5, time(9), time(12)), (6, time(14), time(17))]),
        ("无", []),
    ],
)
def test_a_week_replaces_the_centres_intervals(guicheng, text, expected):
    center = ServiceCenter.objects.get(name=CENTRE)
    OpeningInterval.objects.create(center=center, weekday=6, opens_at=time(8), closes_at=time(9))

    result = import_rows(resources.WeeklyHoursResource, [hours_row(text)])

    assert errors_of(result) == {}
    assert sorted(week()) == sorted(expected)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(guicheng, fmt):
    import_rows(
        resources.WeeklyHoursResource, [hours_row("周一至周五 09:00-18:00（午休12:00-14:00）；周六 09:00-12:00")]
    )
    content = export_file(resources.WeeklyHoursResource, fmt)
    history = OpeningInterval.history.count()

    result = import_file(resources.WeeklyHoursResource, fmt, content)

    assert errors_of(result) == {}
    assert result.totals["skip"] == ServiceCenter.objects.count()
    assert OpeningInterval.history.count() == history


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("周八 09:00-10:00", "无法识别星期“八”"),
        ("周一 10:00-09:00", "结束时间必须晚于开始时间"),
        ("周一 09:00-18:00（午休19:00-20:00）", "午休必须在开放时间之内"),
        ("周一至周五 09:00-18:00；周五 19:00-20:00", "周五写了两次"),
        ("周一 09:00-12:00、11:00-14:00", "互相重叠"),
        ("全天", "无法识别"),
        ("", "没有固定开放时间请填“无”"),
    ],
)
def test_a_bad_week_names_row_column_reason_and_writes_nothing(guicheng, text, reason):
    before, other = week(), week("同心社区党群服务中心")
    rows = [hours_row("周一 09:00-12:00", name="同心社区党群服务中心"), hours_row(text)]

    result = import_rows(resources.WeeklyHoursResource, rows)

    errors = errors_of(result)
    assert list(errors) == [3]
    assert reason in errors[3][COLUMN][0], errors
    assert_for_clerks(errors[3][COLUMN])
    assert week() == before
    assert week("同心社区党群服务中心") == other


def test_an_unknown_centre_is_not_created(guicheng):
    result = import_rows(resources.WeeklyHoursResource, [hours_row("周一 09:00-12:00", name="无此中心")])

    assert "找不到服务中心“无此中心”" in errors_of(result)[2]["名称"][0]
    assert not ServiceCenter.objects.filter(name="无此中心").exists()


def test_street_staff_cannot_touch_another_streets_centre(street_staff):
    street = Street.objects.create(district=District.objects.get(), name="大沥镇", is_town=True)
    community = Community.objects.create(street=street, name="盐步社区", kind="urban")
    ServiceCenter.objects.create(street=street, community=community, name="盐步中心", level="community")

    result = import_rows(
        resources.WeeklyHoursResource,
        [hours_row("周一 09:00-12:00", name="盐步中心", street="大沥镇")],
        user=street_staff,
    )

    assert errors_of(result) == {2: {"街道": ["你只能导入桂城街道的数据，这一行是“大沥镇”。"]}}
    assert not OpeningInterval.objects.filter(center__name="盐步中心").exists()


def test_a_secretary_cannot_import_hours(guihua_secretary):
    before = week()

    result = import_rows(resources.WeeklyHoursResource, [hours_row("周一 09:00-12:00")], user=guihua_secretary)

    assert [str(error.error) for error in result.base_errors] == ["只有街道工作人员可以导入数据。"]
    assert week() == before


def test_admin_preview_says_the_week_is_replaced_then_confirm_writes(street_client):
    before = week()
    url = reverse("admin:organizations_servicecenter_import")
    page = street_client.get(url)
    assert "导入即整周替换" in page.content.decode()
    content = make_file("xlsx", list(hours_row("")), [list(hours_row("周二至周四 09:00-17:00").values())])

    preview = street_client.post(
        url,
        {
            "resource": "1",
            "format": format_index("xlsx"),
            "import_file": SimpleUploadedFile("开放时间.xlsx", content),
        },
    )

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "整周替换" in html and "周二至周四 09:00-17:00" in html
    assert week() == before
    done = street_client.post(
        reverse("admin:organizations_servicecenter_process_import"), preview.context["confirm_form"].initial
    )
    assert done.status_code == 302
    assert week() == [(d, time(9), time(17)) for d in (1, 2, 3)]


# --- dated exceptions -------------------------------------------------------------------------

EXCEPTION_HEADERS = ["街道", "服务中心", "日期", "全天闭馆", "开门", "关门", "说明"]


def exception_row(date_, closed="否", opens="", closes="", note="", name=CENTRE):
    return dict(zip(EXCEPTION_HEADERS, ["桂城街道", name, date_, closed, opens, closes, note], strict=True))


def test_exceptions_import_closed_days_and_special_hours_and_round_trip(guicheng):
    from organizations.models import OpeningException

    rows = [
        exception_row("2026-12-31", closed="是", note="盘点"),
        exception_row("2027-01-02", opens="09:00", closes="12:00", note="元旦后加开"),
        exception_row("2027-01-02", opens="14:00", closes="17:00", note="元旦后加开"),
    ]

    result = import_rows(resources.OpeningExceptionResource, rows)

    assert errors_of(result) == {}
    assert OpeningException.objects.filter(center__name=CENTRE, is_closed=True).get().note == "盘点"
    assert OpeningException.objects.filter(center__name=CENTRE, is_closed=False).count() == 2
    for fmt in ("xlsx", "csv"):
        again = import_file(
            resources.OpeningExceptionResource,
            fmt,
            export_file(resources.OpeningExceptionResource, fmt, OpeningException.objects.all()),
        )
        assert errors_of(again) == {}
        assert again.totals["skip"] == OpeningException.objects.count()


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"全天闭馆": "是", "开门": "09:00", "关门": "12:00"}, "整行", "全天闭馆时不填写开关门时间"),
        ({"开门": "", "关门": ""}, "整行", "特殊开放须填写开门和关门时间"),
        ({"开门": "9点"}, "开门", "时间“9点”无法识别"),
        ({"服务中心": "无此中心"}, "服务中心", "找不到服务中心“无此中心”"),
    ],
)
def test_a_bad_exception_row_is_named_and_nothing_written(guicheng, change, column, reason):
    from organizations.models import OpeningException

    before = OpeningException.objects.count()
    rows = [
        exception_row("2027-01-03", closed="是"),
        exception_row("2027-01-04", opens="09:00", closes="12:00") | change,
    ]

    result = import_rows(resources.OpeningExceptionResource, rows)

    errors = errors_of(result)
    assert list(errors) == [3]
    assert any(reason in message for message in errors[3].get(column, [])), errors
    assert OpeningException.objects.count() == before
