import pytest

from organizations.models import Grid

pytestmark = pytest.mark.django_db


def test_renaming_a_grid_renames_the_paths_below_it(community):
    # given a three-level branch of the grid
    guihua = community("桂花社区")
    root = Grid.objects.create(community=guihua, level=1, kind=Grid.Kind.COMMUNITY, name="桂花社区网格")
    compound = Grid.objects.create(community=guihua, parent=root, level=2, kind=Grid.Kind.COMPOUND, name="桂花园东区")
    zone = Grid.objects.create(community=guihua, parent=compound, level=3, kind=Grid.Kind.ZONE, name="3栋责任区")
    assert zone.path == "桂花社区网格/桂花园东区/3栋责任区"

    # when the compound is renamed
    compound.name = "桂花园东苑"
    compound.save()

    # then its zone's path (its natural key) follows
    zone.refresh_from_db()
    assert zone.path == "桂花社区网格/桂花园东苑/3栋责任区"
    assert Grid.objects.get_by_natural_key("桂城街道", "桂花社区", zone.path) == zone


def test_positions_follow_their_organisation_to_another_community(community):
    from organizations.models import PartyMember, PartyOrganization, Position

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
    branch.save()

    # then the position moves with it, out of the 桂花 secretary's scope
    position.refresh_from_db()
    assert position.community == tongxin
