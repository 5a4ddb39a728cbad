"""Writes that reach other rows are services, and each row they change gets a history record."""

import pytest

from organizations.models import Grid, Position
from organizations.services import grid_save, party_organization_save

pytestmark = pytest.mark.django_db


def test_renaming_a_grid_renames_the_paths_below_it(community, street_staff):
    # given a three-level branch of the grid
    guihua = community("桂花社区")
    root = Grid.objects.create(community=guihua, level=1, kind=Grid.Kind.COMMUNITY, name="桂花社区网格")
    compound = Grid.objects.create(community=guihua, parent=root, level=2, kind=Grid.Kind.COMPOUND, name="桂花园东区")
    zone = Grid.objects.create(community=guihua, parent=compound, level=3, kind=Grid.Kind.ZONE, name="3栋责任区")
    assert zone.path == "桂花社区网格/桂花园东区/3栋责任区"

    # when the compound is renamed
    compound.name = "桂花园东苑"
    grid_save(grid=compound, user=street_staff)

    # then its zone's path (its natural key) follows, and the zone's history says who and why
    zone.refresh_from_db()
    assert zone.path == "桂花社区网格/桂花园东苑/3栋责任区"
    assert Grid.objects.get_by_natural_key("桂城街道", "桂花社区", zone.path) == zone
    latest = zone.history.latest("history_date")
    assert (latest.path, latest.history_user, latest.history_type) == (zone.path, street_staff, "~")
    assert latest.history_change_reason == "上级网格改名或调整"
    assert root.history.count() == 1  # nothing above the renamed grid was touched


def test_renaming_a_level_one_grid_records_every_grid_below(community, street_staff):
    guihua = community("桂花社区")
    root = Grid.objects.create(community=guihua, level=1, kind=Grid.Kind.COMMUNITY, name="桂花社区网格")
    compounds = [
        Grid.objects.create(community=guihua, parent=root, level=2, kind=Grid.Kind.COMPOUND, name=f"小区{i}")
        for i in range(3)
    ]
    zones = [
        Grid.objects.create(community=guihua, parent=c, level=3, kind=Grid.Kind.ZONE, name="1栋") for c in compounds
    ]

    root.name = "桂花网格"
    grid_save(grid=root, user=street_staff)

    for grid in [*compounds, *zones]:
        assert grid.history.filter(history_user=street_staff, path__startswith="桂花网格/").count() == 1


def test_positions_follow_their_organisation_to_another_community(community, street_staff):
    from organizations.models import PartyMember, PartyOrganization

    # given a branch in 桂花社区 with a secretary
    guihua, tongxin = community("桂花社区"), community("同心社区")
    branch = PartyOrganization.objects.create(
        street=guihua.street,
        name="桂花园东区党支部",
        kind=PartyOrganization.Kind.BRANCH,
        field=PartyOrganization.Field.COMPOUND,
        parent=PartyOrganization.objects.get(name="桂花社区党委"),
        community=guihua,
    )
    member = PartyMember.objects.create(name="陈演示", organization=branch)
    position = Position.objects.create(
        person=member, organization=branch, role=Position.Role.SECRETARY, started_on="2023-01-01"
    )
    assert position.community == guihua  # filled on save, not only in the admin form

    # when the branch is moved to 同心社区
    branch.community = tongxin
    party_organization_save(organization=branch, user=street_staff)

    # then the position moves with it, out of the 桂花 secretary's scope, on the record
    position.refresh_from_db()
    assert position.community == tongxin
    latest = position.history.latest("history_date")
    assert (latest.community_id, latest.history_user) == (tongxin.pk, street_staff)
    assert Position.objects.filter(community=guihua, organization=branch).count() == 0
