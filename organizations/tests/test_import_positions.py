"""Importing positions: members by ID number, bodies by name, 一肩挑 as several rows, the
one-current-holder rules explained per row, and the street scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from organizations import resources
from organizations.models import Community, EconomicSociety, PartyMember, PartyOrganization, Position
from organizations.tests.test_import_export import (
    District,
    QueryLog,
    Street,
    assert_for_clerks,
    errors_of,
    export_file,
    id_number,
    import_file,
    import_rows,
    make_file,
    post_file,
    read_file,
)

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "街道", "职务", "党组织", "社区", "经济社", "任职日期", "离任日期", "演示数据"]


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture
def people(guicheng):
    committee = PartyOrganization.objects.get(name="桂花社区党委")
    EconomicSociety.objects.create(community=committee.community, name="桂花经济社")
    return {
        n: PartyMember.objects.create(name=name, organization=committee, id_number=id_number(n))
        for n, name in ((1, "李桂花"), (2, "王桂明"), (3, "陈同心"))
    }


def row(n, role, *, org="", community="", society="", started="2021-10-01", ended="", name=""):
    return {
        "姓名": name,
        "身份证号": id_number(n),
        "街道": "桂城街道",
        "职务": role,
        "党组织": org,
        "社区": community,
        "经济社": society,
        "任职日期": started,
        "离任日期": ended,
        "演示数据": "否",
    }


def one_shoulder(n=1):
    """书记 of the community committee, 居委会主任 and 经济社社长: one person, three rows."""
    return [
        row(n, "书记", org="桂花社区党委"),
        row(n, "居委会主任", community="桂花社区"),
        row(n, "经济社社长", community="桂花社区", society="桂花经济社"),
    ]


def test_one_person_holding_three_posts_is_three_rows(people):
    result = import_rows(resources.PositionResource, one_shoulder())

    assert errors_of(result) == {}
    assert result.totals["new"] == 3
    positions = Position.objects.filter(person=people[1])
    assert {p.get_role_display() for p in positions} == {"书记", "居（村）委会主任", "经济社社长"}
    guihua = Community.objects.get(name="桂花社区")
    assert {p.community_id for p in positions} == {guihua.pk}  # the party post's community follows


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(people, fmt):
    import_rows(resources.PositionResource, one_shoulder() + [row(2, "委员", org="桂花社区党委", ended="2024-01-01")])
    content = export_file(resources.PositionResource, fmt)
    assert read_file(fmt, content).headers == HEADERS
    before = list(Position.history.values_list("history_id", flat=True))

    result = import_file(resources.PositionResource, fmt, content)

    assert errors_of(result) == {}
    assert result.totals["skip"] == 4
    assert list(Position.history.values_list("history_id", flat=True)) == before


def test_ending_a_post_in_the_file_updates_it(people):
    import_rows(resources.PositionResource, one_shoulder())
    rows = one_shoulder()
    rows[0]["离任日期"] = "2024-06-30"
    rows.append(row(2, "书记", org="桂花社区党委", started="2024-07-01"))

    result = import_rows(resources.PositionResource, rows)

    assert errors_of(result) == {}
    assert (result.totals["update"], result.totals["new"], result.totals["skip"]) == (1, 1, 2)
    secretary = Position.objects.current().get(role="secretary", organization__name="桂花社区党委")
    assert secretary.person == people[2]


BAD = [
    ({"身份证号": id_number(77)}, "身份证号", "找不到身份证号为"),
    ({"职务": "主席"}, "职务", "不是可选的职务"),
    ({"党组织": "无此党委"}, "党组织", "找不到党组织“无此党委”"),
    ({"党组织": ""}, "党组织", "书记、副书记、委员须填写党组织"),
    ({"社区": "同心社区"}, "社区", "党内职务的社区取自党组织（桂花社区）"),
    ({"任职日期": "2021-02-30"}, "任职日期", "无法识别"),
    ({"离任日期": "2020-01-01"}, "离任日期", "离任日期不能早于任职日期。"),
]


@pytest.mark.parametrize(("change", "column", "reason"), BAD)
def test_a_bad_row_names_its_column_and_reason_and_nothing_is_written(people, change, column, reason):
    rows = [row(2, "委员", org="桂花社区党委"), row(1, "书记", org="桂花社区党委") | change]

    result = import_rows(resources.PositionResource, rows)

    errors = errors_of(result)
    assert list(errors) == [3]
    assert column in errors[3], errors
    assert any(reason in message for message in errors[3][column]), errors
    assert_for_clerks([m for messages in errors[3].values() for m in messages])
    assert not Position.objects.exists()


def test_two_current_secretaries_in_one_file_name_the_first_row(people):
    rows = [row(1, "书记", org="桂花社区党委"), row(2, "书记", org="桂花社区党委")]

    result = import_rows(resources.PositionResource, rows)

    assert errors_of(result) == {
        3: {"离任日期": ["与第2行冲突：这个党组织“桂花社区党委”只能有一名现任书记，请给前任填写离任日期。"]}
    }
    assert not Position.objects.exists()


def test_a_second_current_director_against_the_database_is_explained(people):
    import_rows(resources.PositionResource, [row(1, "居委会主任", community="桂花社区")])

    result = import_rows(resources.PositionResource, [row(2, "居委会主任", community="桂花社区")])

    assert errors_of(result) == {2: {"离任日期": ["这个社区已有一名现任居（村）委会主任，请先填写前任的离任日期。"]}}
    assert Position.objects.count() == 1


def test_the_same_post_twice_in_a_file_is_reported(people):
    result = import_rows(resources.PositionResource, [row(1, "委员", org="桂花社区党委")] * 2)

    assert errors_of(result) == {3: {"任职日期": ["与第2行重复：同一人同一职务同一任职日期只能出现一次。"]}}


def test_a_secretary_cannot_import(guihua_secretary, people):
    result = import_rows(resources.PositionResource, one_shoulder(), user=guihua_secretary)

    assert [str(error.error) for error in result.base_errors] == ["只有街道工作人员可以导入数据。"]
    assert not Position.objects.exists()


def test_street_staff_cannot_reach_another_streets_member_or_organisation(street_staff, people):
    street = Street.objects.create(district=District.objects.get(), name="大沥镇", is_town=True)
    community = Community.objects.create(street=street, name="盐步社区", kind="urban")
    committee = PartyOrganization.objects.create(
        street=street, name="盐步社区党委", kind="committee", field="community", community=community
    )
    PartyMember.objects.create(name="外街党员", organization=committee, id_number=id_number(90))
    rows = [
        row(90, "委员", org="桂花社区党委"),
        row(1, "委员", org="盐步社区党委") | {"街道": "大沥镇"},
    ]

    result = import_rows(resources.PositionResource, rows, user=street_staff)

    errors = errors_of(result)
    assert "找不到身份证号为" in errors[2]["身份证号"][0]
    assert errors[3] == {"街道": ["你只能导入桂城街道的数据，这一行是“大沥镇”。"]}
    assert not Position.objects.exists()


@pytest.mark.slow
def test_a_1000_position_file_reads_members_and_positions_once(guicheng):
    committee = PartyOrganization.objects.get(name="桂花社区党委")
    PartyMember.objects.bulk_create(
        PartyMember(name=f"党员{n}", organization=committee, id_number=id_number(n)) for n in range(1000)
    )
    rows = [row(n, "委员", org="桂花社区党委") for n in range(1000)]
    dataset = read_file("csv", make_file("csv", HEADERS, [list(r.values()) for r in rows]))
    log = QueryLog()

    with connection.execute_wrapper(log):
        result = resources.PositionResource().import_data(dataset, dry_run=True)

    assert errors_of(result) == {}
    assert result.totals["new"] == 1000
    selects = [sql for sql in log.sql if sql.startswith("SELECT")]
    assert len([sql for sql in selects if 'FROM "organizations_partymember"' in sql]) == 2  # 500 a query
    assert len([sql for sql in selects if 'FROM "organizations_partyorganization"' in sql]) <= 2


def test_admin_previews_and_confirms_a_position_file(street_client, people):
    content = make_file("xlsx", HEADERS, [list(r.values()) for r in one_shoulder()])

    preview = post_file(street_client, Position, "xlsx", content, "职务.xlsx")

    assert preview.status_code == 200
    assert [r.import_type for r in preview.context["result"].valid_rows()] == ["new"] * 3
    done = street_client.post(
        reverse("admin:organizations_position_process_import"), preview.context["confirm_form"].initial
    )
    assert done.status_code == 302
    assert Position.objects.filter(person=people[1]).count() == 3

    assert Position.objects.filter(started_on=date(2021, 10, 1)).count() == 3
